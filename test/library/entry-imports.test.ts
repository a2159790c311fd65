// What the two entries reach, read from the sources: the browser entry (src/browser.ts) must load in a page, so no
// module it loads or can load later (dynamic imports, which bundlers follow too) imports a Node built-in or uses
// Node's globals; and the entries may import only packages that an installed dsv3 has (its dependencies, not its
// devDependencies).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { externalImports, importGraph, isNodeBuiltin, nodeBuiltinImporters, packageOf } from './import-graph.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BROWSER_ENTRY = join(ROOT, 'src/browser.ts');
const NODE_ENTRY = join(ROOT, 'src/index.ts');
const DEPENDENCIES = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);

describe('the browser entry', () => {
  it('loads no module that imports a Node built-in', () => {
    const graph = importGraph(BROWSER_ENTRY, { dynamic: false });
    // The walk reached the model code and the backends, not just the entry file.
    for (const file of ['src/models/deepseek/session.ts', 'src/backends/webgpu/backend.ts', 'src/io/checkpoint.ts']) {
      expect(graph.imports.has(join(ROOT, file)), file).toBe(true);
    }
    expect(externalImports(graph, ROOT, isNodeBuiltin)).toEqual([]);
  });

  it('reaches no Node built-in through dynamic imports either (the files of DSV3_DUMP are written by Node code only)', () => {
    expect(nodeBuiltinImporters(importGraph(BROWSER_ENTRY, { dynamic: true }), ROOT)).toEqual([]);
  });

  it('type-checks without Node\'s types, so it uses none of Node\'s globals (process, Buffer)', () => {
    const typeDeclarations = readdirSync(join(ROOT, 'src/types')).map((f) => join(ROOT, 'src/types', f));
    const program = ts.createProgram([BROWSER_ENTRY, ...typeDeclarations], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.esnext.disposable.d.ts'],
      types: ['@webgpu/types'],
      strict: true,
      skipLibCheck: true,
      noEmit: true,
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.formatDiagnostic(d, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' }));
    expect(problems).toEqual([]);
  });
});

describe('the Node entry', () => {
  it('reaches the file access the browser entry leaves out', () => {
    expect(externalImports(importGraph(NODE_ENTRY, { dynamic: false }), ROOT, (s) => s === 'node:fs')).not.toEqual([]);
  });
});

describe('both entries', () => {
  it(`import no package but Node's built-ins and dsv3's dependencies (${DEPENDENCIES.join(', ')})`, () => {
    for (const entry of [NODE_ENTRY, BROWSER_ENTRY]) {
      expect(externalImports(importGraph(entry, { dynamic: true }), ROOT, (s) => !isNodeBuiltin(s) && !DEPENDENCIES.includes(packageOf(s)))).toEqual([]);
    }
  });
});
