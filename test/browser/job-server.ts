// A localhost HTTP server for the browser tests: the page, and the project's TypeScript modules transpiled on
// request (a request for x.js under src/ or test/ serves x.ts compiled to an ES module), so the page runs the same
// WebGPU code as Node without a bundler. The few npm packages src/ imports by name reach the page through an
// import map, served as their own browser ES modules. The golden cases under spec/golden are served as they are,
// for pages that load a checkpoint from bytes they fetch. Every response carries the cross-origin isolation headers.

import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join, normalize, sep } from 'node:path';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVED_DIRS = ['src', 'test'].map((d) => join(ROOT, d) + sep);
const DATA_DIR = join(ROOT, 'spec', 'golden') + sep;

export const PAGE_PATH = '/test/browser/page.html';

/** Bare module names the page may import, and the browser ES module (under node_modules) each resolves to. */
const PACKAGES: Readonly<Record<string, string>> = {
  '@petamoriken/float16': '/node_modules/@petamoriken/float16/browser/float16.mjs',
  'typed-function': '/node_modules/typed-function/lib/esm/typed-function.mjs',
};

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>dsv3 WebGPU jobs</title>
<script type="importmap">${JSON.stringify({ imports: PACKAGES })}</script>
<script type="module" src="/test/browser/page-entry.js"></script>
`;

async function transpiled(urlPath: string): Promise<string | undefined> {
  const file = normalize(join(ROOT, urlPath.replace(/\.js$/, '.ts')));
  if (!SERVED_DIRS.some((dir) => file.startsWith(dir))) return undefined;
  const source = await readFile(file, 'utf8').catch(() => undefined);
  if (source === undefined) return undefined;
  return ts.transpileModule(source, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}

export interface JobServer {
  readonly pageUrl: string;
  close(): Promise<void>;
}

export async function startJobServer(): Promise<JobServer> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const reply = (status: number, type: string, body: string | Buffer): void => {
      // Cross-origin isolated (every resource here is same-origin), so the page has SharedArrayBuffer and the wasm
      // backend its worker threads.
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
      response.end(body);
    };
    const send = (file: string, type: string): void => {
      readFile(file).then(
        (bytes) => reply(200, type, bytes),
        (e: unknown) => reply(404, 'text/plain', String(e)),
      );
    };
    if (path === PAGE_PATH) return reply(200, 'text/html', PAGE);
    if (Object.values(PACKAGES).includes(path)) return send(join(ROOT, path), 'text/javascript');
    const dataFile = normalize(join(ROOT, path));
    if (dataFile.startsWith(DATA_DIR)) return send(dataFile, 'application/octet-stream');
    if (!path.endsWith('.js')) return reply(404, 'text/plain', `not served: ${path}`);
    transpiled(path).then(
      (code) => (code === undefined ? reply(404, 'text/plain', `no TypeScript source for ${path}`) : reply(200, 'text/javascript', code)),
      (e: unknown) => reply(500, 'text/plain', String(e)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    pageUrl: `http://127.0.0.1:${port}${PAGE_PATH}`,
    close: () => new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
