// The run-time import graph of a module: the modules it reaches through static imports and re-exports (what a page
// loads when it imports the module) and, when asked, through dynamic imports of a literal specifier too (what a
// bundler follows, though they load only when the code runs). Type-only imports are not edges: TypeScript sources
// are transpiled first, which drops them, exactly as the browser tests' job server serves them.

import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

export interface ImportGraph {
  /** Module file -> the specifiers it imports at run time (only those the graph follows). */
  readonly imports: ReadonlyMap<string, readonly string[]>;
  /** Module file -> the module that first imported it (absent for the entry). */
  readonly importedBy: ReadonlyMap<string, string>;
}

/** The JavaScript a module runs as: a TypeScript file transpiled to an ES module, a JavaScript file as it is. */
function runtimeCode(file: string): string {
  const source = readFileSync(file, 'utf8');
  if (!file.endsWith('.ts')) return source;
  return ts.transpileModule(source, { fileName: file, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
}

interface ModuleImports {
  /** Static imports and re-exports. */
  readonly loaded: readonly string[];
  /** Dynamic imports of a literal specifier. */
  readonly later: readonly string[];
}

/** Each module's imports, read once (every walk in a test file shares them). */
const importsOfFile = new Map<string, ModuleImports>();

function moduleImports(file: string): ModuleImports {
  let found = importsOfFile.get(file);
  if (found === undefined) {
    const loaded: string[] = [];
    const later: string[] = [];
    const visit = (node: ts.Node): void => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        loaded.push(node.moduleSpecifier.text);
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
        later.push(node.arguments[0].text);
      }
      ts.forEachChild(node, visit);
    };
    visit(ts.createSourceFile(file, runtimeCode(file), ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS));
    found = { loaded, later };
    importsOfFile.set(file, found);
  }
  return found;
}

/** The file a relative specifier names: a `.js` specifier is the `.ts` file beside a TypeScript importer, the `.js` file beside JavaScript. */
function resolveRelative(importer: string, specifier: string): string {
  const target = join(dirname(importer), specifier);
  return importer.endsWith('.ts') ? target.replace(/\.js$/, '.ts') : target;
}

const isRelative = (specifier: string): boolean => specifier.startsWith('./') || specifier.startsWith('../');

/** A Node built-in module, with or without the `node:` prefix (`node:fs`, `fs`, `fs/promises`). */
export const isNodeBuiltin = (specifier: string): boolean =>
  specifier.startsWith('node:') || builtinModules.includes(specifier) || builtinModules.includes(specifier.split('/')[0]!);

/** The package a bare specifier belongs to (`@scope/name/sub` -> `@scope/name`). */
export const packageOf = (specifier: string): string => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

export function importGraph(entry: string, { dynamic }: { readonly dynamic: boolean }): ImportGraph {
  const imports = new Map<string, readonly string[]>();
  const importedBy = new Map<string, string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (imports.has(file)) continue;
    const { loaded, later } = moduleImports(file);
    const found = dynamic ? [...loaded, ...later] : loaded;
    imports.set(file, found);
    for (const specifier of found.filter(isRelative)) {
      const target = resolveRelative(file, specifier);
      if (!importedBy.has(target) && target !== entry) importedBy.set(target, file);
      pending.push(target);
    }
  }
  return { imports, importedBy };
}

/** How the entry reaches `file`: the chain of modules, relative to `root`. */
function importChain(graph: ImportGraph, file: string, root: string): string {
  const chain = [file];
  for (let at = graph.importedBy.get(file); at !== undefined; at = graph.importedBy.get(at)) chain.unshift(at);
  return chain.map((f) => relative(root, f)).join(' -> ');
}

/** Every import of a package or built-in that `matches`, with the chain of modules that reaches it. */
export function externalImports(graph: ImportGraph, root: string, matches: (specifier: string) => boolean): string[] {
  return [...graph.imports].flatMap(([file, found]) =>
    found.filter((s) => !isRelative(s) && matches(s)).map((s) => `${importChain(graph, file, root)} imports ${s}`),
  );
}

/** The modules of the graph (relative to `root`) that import a Node built-in themselves. */
export const nodeBuiltinImporters = (graph: ImportGraph, root: string): string[] =>
  [...graph.imports]
    .filter(([, found]) => found.some(isNodeBuiltin))
    .map(([file]) => relative(root, file))
    .sort();
