// dsv3 as an installed package: the repository, with the library built from src alone, is packed with `npm pack`
// (so package.json's `files` decides what ships), the tarball is installed into a fresh project from the local npm
// cache, and then a plain JavaScript script imports it and runs a graph on the CPU backend, the `dsv3` command
// runs, a TypeScript consumer type-checks against the shipped declarations, and the shipped browser entry is
// scanned for Node built-ins. Everything happens in a temporary directory; the repository's dist is not touched.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalImports, importGraph, isNodeBuiltin, nodeBuiltinImporters } from './import-graph.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const CONSUMER_SOURCES = join(ROOT, 'test/library/consumer');
/** Not copied into the staged repository: installed packages, the repository's own build, version control. */
const NOT_STAGED = new Set(['node_modules', 'dist', '.git']);

/** Runs a command; on failure, throws with everything it printed. */
function run(command: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: e });
  }
}

let work = '';
let consumer = '';
let packed: string[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dsv3-package-'));
  const stage = join(work, 'dsv3');
  for (const entry of readdirSync(ROOT).filter((e) => !NOT_STAGED.has(e))) cpSync(join(ROOT, entry), join(stage, entry), { recursive: true });
  // The build needs the compiler's type packages (@types/node, @webgpu/types), not a copy of them.
  symlinkSync(join(ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
  writeFileSync(join(stage, 'tsconfig.library.json'), JSON.stringify({ extends: './tsconfig.json', include: ['src'], exclude: [] }));
  run(process.execPath, [TSC, '-p', 'tsconfig.library.json'], stage);
  // --ignore-scripts: `prepare` would build again, tests and benchmarks included.
  const [pack] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], stage)) as { filename: string; files: { path: string }[] }[];
  packed = pack!.files.map((f) => f.path);

  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'dsv3-consumer', private: true, type: 'module' }));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, pack!.filename)], consumer);
}, 300_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the library with its declarations, its sources, the command and the golden model cases', () => {
    for (const file of ['package.json', 'README.md', 'bin/dsv3.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/browser.js', 'dist/src/browser.d.ts', 'dist/src/index.js.map', 'src/index.ts']) {
      expect(packed, file).toContain(file);
    }
    for (const name of ['v3-tiny-f32', 'v3-fp8-tiny', 'v3-tiny-mtp', 'v2lite-tiny-f32']) {
      for (const file of ['config.json', 'manifest.json', 'model.safetensors', 'expected.safetensors']) expect(packed).toContain(`spec/golden/${name}/${file}`);
    }
  });

  it('holds no tests, benchmarks or data only the tests read', () => {
    const unwanted = packed.filter((p) => /^(test|bench|dist\/test|dist\/bench|spec\/golden\/fp8-rounding)\//.test(p));
    expect(unwanted).toEqual([]);
  });
});

describe('the installed package', () => {
  it('is imported from plain JavaScript and runs a graph on the CPU backend; only its entries are exported', () => {
    const script = `
      import { cpuBackend, matmul, tensorData, Trace, weightMap } from 'dsv3';
      const t = new Trace('tiny');
      const y = matmul(t.input('x', 'f32', [2, 3]), t.weight('w', 'f32', [3, 2]));
      const exe = await cpuBackend().compile(t.build({ y }), weightMap({ w: tensorData('f32', [3, 2], Float32Array.of(1, 0, 0, 1, 1, 1)) }));
      const { outputs } = await exe.run({ x: tensorData('f32', [2, 3], Float32Array.of(1, 2, 3, 4, 5, 6)) });
      const browser = await import('dsv3/browser');
      const deep = await import('dsv3/dist/src/ir/index.js').then(() => 'imported', (e) => e.code);
      console.log(JSON.stringify({
        y: Array.from(outputs.y.data),
        browserSession: typeof browser.Session,
        packageJson: import.meta.resolve('dsv3/package.json').endsWith('/node_modules/dsv3/package.json'),
        deep,
      }));`;
    expect(JSON.parse(run(process.execPath, ['--input-type=module', '-e', script], consumer))).toEqual({
      // [[1, 2, 3], [4, 5, 6]] · [[1, 0], [0, 1], [1, 1]]
      y: [4, 5, 10, 11],
      browserSession: 'function',
      packageJson: true,
      deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
  });

  it('runs the dsv3 command', () => {
    expect(run(join(consumer, 'node_modules/.bin/dsv3'), ['demo'], consumer)).toMatch(/^probs = f32\[3,8\] /m);
  });

  it('type-checks a TypeScript consumer of the Node and browser entries against the shipped declarations', () => {
    cpSync(CONSUMER_SOURCES, consumer, { recursive: true });
    run(process.execPath, [TSC, '-p', 'tsconfig.json'], consumer);
  });

  it('ships a browser entry that reaches no Node built-in, statically or dynamically', () => {
    const entry = join(consumer, 'node_modules/dsv3/dist/src/browser.js');
    const loaded = importGraph(entry, { dynamic: false });
    expect(loaded.imports.has(join(consumer, 'node_modules/dsv3/dist/src/models/deepseek/session.js'))).toBe(true);
    expect(externalImports(loaded, consumer, isNodeBuiltin)).toEqual([]);
    expect(nodeBuiltinImporters(importGraph(entry, { dynamic: true }), consumer)).toEqual([]);
  });
});
