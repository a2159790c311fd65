// Every reference the code and the docs make to a file of the repository resolves inside it: cited files and folders
// exist, cited sections are headings of the cited document, and nothing points outside the repository.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkText, commentsOf, type Problem } from './references.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCANNED = ['src', 'test', 'bench', 'docs', 'spec', 'README.md'];
const SOURCE = /\.(?:ts|js|mjs|cjs)$/;

/** The markdown and source files under `SCANNED`, as paths relative to the root. */
function scannedFiles(): string[] {
  const files: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(ROOT, rel);
    if (!fs.existsSync(abs)) return;
    if (fs.statSync(abs).isDirectory()) for (const name of fs.readdirSync(abs).sort()) walk(path.join(rel, name));
    else if (rel.endsWith('.md') || SOURCE.test(rel)) files.push(rel);
  };
  SCANNED.forEach(walk);
  return files;
}

function docsByName(files: readonly string[]): Map<string, string[]> {
  const docs = new Map<string, string[]>();
  for (const f of files.filter((f) => f.endsWith('.md'))) docs.set(path.basename(f), [...(docs.get(path.basename(f)) ?? []), f]);
  return docs;
}

function problemsOf(file: string, text: string, docs = docsByName(scannedFiles())): Problem[] {
  return checkText(ROOT, file, file.endsWith('.md') ? text : commentsOf(text).join('\n\n'), docs);
}

describe('references in code and docs', () => {
  it('all resolve inside the repository', () => {
    const files = scannedFiles();
    const docs = docsByName(files);
    const problems = files.flatMap((f) => problemsOf(f, fs.readFileSync(path.join(ROOT, f), 'utf8'), docs));
    expect(problems.map((p) => `${p.file}: ${p.reference}: ${p.why}`)).toEqual([]);
  });
});

describe('the reference check', () => {
  const refs = (file: string, text: string) => problemsOf(file, text).map((p) => p.reference);

  it('accepts existing files, folders, compiled names and sections', () => {
    expect(refs('src/a.ts', '// spec/ops.md §cast, src/ir/dtype.js, src/numerics/, dist/test/exhaustive/ue8m0-limits.js')).toEqual([]);
    expect(refs('spec/x.md', '`spec/ops.md` §Dtypes and §cast; kernel-ir.md, [ops](ops.md#dtypes), ../src/ir/dtype.ts')).toEqual([]);
  });

  it('reads a citation wrapped over two comment lines', () => {
    expect(refs('src/a.ts', '// as in spec/ops.md\n// §cast.')).toEqual([]);
    expect(refs('src/a.ts', '// as in spec/ops.md\n// §Casting rules.')).toEqual(['spec/ops.md §Casting rules']);
  });

  it('refuses missing files, sections and anchors', () => {
    expect(refs('src/a.ts', '// see spec/nothing.md and src/compiler/nothing.ts')).toEqual(['spec/nothing.md', 'src/compiler/nothing.ts']);
    expect(refs('src/a.ts', '// spec/ops.md §Dtypes and §Nothing')).toEqual(['spec/ops.md §Nothing']);
    expect(refs('spec/x.md', '[ops](ops.md#nothing)')).toEqual(['ops.md#nothing']);
  });

  it('refuses paths outside the repository and documents cited by nickname', () => {
    expect(refs('src/a.ts', '/* ../../../shared/NOTES.md */')).toEqual(['../../../shared/NOTES.md']);
    expect(refs('src/a.ts', '// shared/NOTES.md, /work/shared/x')).toEqual(['/work/shared/x', 'shared/NOTES.md']);
    expect(refs('src/a.ts', '// (NOTES §5)')).toEqual(['NOTES §']);
  });

  it('ignores ordinary code, strings and prose', () => {
    const code = 'const s = "spec/nothing.md"; // a / b, x/y, and/or, 1.5, e.g. 2x, https://example.com/a/b.md\nconst t = `// src/nothing.ts`;';
    expect(refs('src/a.ts', code)).toEqual([]);
  });
});
