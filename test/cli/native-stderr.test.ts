// Dawn's start-up warnings kept off the terminal (src/cli/native-stderr.ts): the line filter, and the built `dsv3`
// command (bin/dsv3.js, run from dist: `npm test` builds it first) against the same CLI run without the filter.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StderrFilter } from '../../src/cli/native-stderr.js';
import { ensureRuntimeDir } from '../support/runtime-dir.js';
import { useWebGpu } from '../support/webgpu.js';

const WARNINGS = ['Uniform', 'Storage'].map((kind) => `Warning: maxDynamic${kind}BuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n`);

/** What the filter passes on when the stream arrives in `chunks`. */
function filtered(chunks: readonly string[]): { passed: string[]; end: string } {
  const filter = new StderrFilter();
  return { passed: chunks.map((c) => filter.push(c)), end: filter.end() };
}

describe('StderrFilter', () => {
  it("drops Dawn's two start-up warnings and nothing else", () => {
    const other = 'Warning: something Dawn means\nerror: device lost\n';
    expect(filtered([WARNINGS[0]! + other + WARNINGS[1]!])).toEqual({ passed: [other], end: '' });
    for (const line of [WARNINGS[0]!.replace('to 16', 'to 16 bits'), `${WARNINGS[0]!.trimEnd()} (and more)\n`, `error: ${WARNINGS[1]!}`])
      expect(filtered([line]).passed).toEqual([line]);
  });

  it('holds back only what may still become a warning line', () => {
    const [first, second] = [WARNINGS[0]!.slice(0, 30), WARNINGS[0]!.slice(30)];
    expect(filtered([first, second, 'progress 10%\r', 'progress 20%\r'])).toEqual({ passed: ['', '', 'progress 10%\r', 'progress 20%\r'], end: '' });
    expect(filtered(['Warn', 'ing: maxDyn', 'amo'])).toEqual({ passed: ['', '', 'Warning: maxDynamo'], end: '' });
    expect(filtered(['Warning: maxDynamic', 'Uniform cut short'])).toEqual({ passed: ['', ''], end: 'Warning: maxDynamicUniform cut short' });
  });
});

describe('the dsv3 command', () => {
  const bin = 'bin/dsv3.js';
  const run = (args: readonly string[]) => spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env } });

  it('passes stdout, stderr and the exit code through', () => {
    expect(fs.existsSync('dist/src/cli/native-stderr.js'), 'dist is not built: npm run build').toBe(true);
    const { version } = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    expect(run([bin, '--version'])).toMatchObject({ status: 0, stdout: `dsv3 ${version}\n`, stderr: '' });
    expect(run([bin, 'forward'])).toMatchObject({ status: 2, stdout: '', stderr: 'dsv3 forward: --model DIR is required\n' });
  });

  describe('on WebGPU', () => {
    useWebGpu();

    it("prints what the CLI prints without Dawn's start-up warnings", () => {
      ensureRuntimeDir();
      const argv = ['compile', '--model', 'spec/golden/v3-tiny-f32', '--backend', 'webgpu'];
      const unfiltered = run(['--input-type=module', '-e', `import { main } from './dist/src/cli/main.js'; process.exitCode = await main(${JSON.stringify(argv)});`]);
      const through = run([bin, ...argv]);
      expect(through.status).toBe(0);
      expect(through.stdout).toBe(unfiltered.stdout);
      expect(through.stderr).not.toMatch(/artificially reduced/);
      expect(through.stderr).toBe(WARNINGS.reduce((text, w) => text.replace(w, ''), unfiltered.stderr));
    });
  });
});
