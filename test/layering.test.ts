// Imports point one way: the command line -> models -> ops -> IR, the compiler -> IR, each backend -> the compiler.
// Nothing under src/backends/ imports src/models/ or src/cli/ (a backend claims composites, never model code), and
// src/compiler/ imports neither. Every import specifier of every source file — static, dynamic, re-export — is
// resolved and checked.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

/** `import ... from 'x'`, `export ... from 'x'`, `import 'x'` and `import('x')`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\1/g;

function sourceFiles(dir: string): string[] {
  return (fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => path.join(ROOT, dir, f));
}

/** The files `file` imports by relative specifier, as absolute paths (the .js of a specifier names the .ts source). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(SPECIFIER)].map((m) => m[2]!).filter((s) => s.startsWith('.')).map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')));
}

/** "a imports b" for each import of a file under `from` that lands under one of `forbidden`. */
function violations(from: string, forbidden: readonly string[]): string[] {
  const inside = (target: string, dir: string) => target.startsWith(path.join(ROOT, dir) + path.sep);
  return sourceFiles(from).flatMap((file) =>
    importsOf(file)
      .filter((target) => forbidden.some((dir) => inside(target, dir)))
      .map((target) => `${path.relative(ROOT, file)} imports ${path.relative(ROOT, target)}`),
  );
}

const FORBIDDEN = ['src/models', 'src/cli'];

describe('layering', () => {
  for (const layer of ['src/backends', 'src/compiler'])
    it(`${layer} imports nothing from ${FORBIDDEN.join(' or ')}`, () => {
      expect(violations(layer, FORBIDDEN)).toEqual([]);
    });

  it('the scan sees imports of every form', () => {
    // The command line imports the models (statically) and the backends (through the registry's dynamic imports).
    expect(violations('src/cli', ['src/models']).length).toBeGreaterThan(0);
    expect(violations('src/backends', ['src/backends/webgpu']).some((v) => v.startsWith(path.join('src', 'backends', 'registry.ts')))).toBe(true);
    expect(violations('src/backends', ['src/backends/cpu']).some((v) => v.startsWith(path.join('src', 'backends', 'cpu', 'entry.ts')))).toBe(true);
  });
});
