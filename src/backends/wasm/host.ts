// What the wasm backend needs from its host that differs between Node and a page: the cores, and starting a worker
// thread. Node's built-ins are reached through process.getBuiltinModule (Node 20.16 and later), not an import, so
// the browser entry reaches no `node:` module (test/library/entry-imports.test.ts); a page has navigator and Worker.
// A host with neither runs one thread.

import { NODE_WORKER_SOURCE, WEB_WORKER_SOURCE } from './worker-source.js';

interface NodeWorker {
  once(event: 'message' | 'error', listener: (value: unknown) => void): void;
  postMessage(message: unknown): void;
  unref(): void;
  terminate(): Promise<number>;
}

interface NodeBuiltins {
  'node:os': { availableParallelism(): number };
  'node:worker_threads': { Worker: new (source: string, options: { eval: true }) => NodeWorker };
}

function nodeBuiltin<K extends keyof NodeBuiltins>(id: K): NodeBuiltins[K] | undefined {
  const host = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return host?.getBuiltinModule?.(id) as NodeBuiltins[K] | undefined;
}

/** The cores this host offers (1 when it does not say). */
export function availableCores(): number {
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency || nodeBuiltin('node:os')?.availableParallelism() || 1;
}

/** Whether this host can start worker threads. */
export const canStartWorkers = (): boolean => nodeBuiltin('node:worker_threads') !== undefined || typeof Worker !== 'undefined';

/** Starts a worker running worker-source.ts and sends it `message`; resolves, once it has answered, to its stop. */
export async function startWorker(message: unknown): Promise<() => void> {
  const node = nodeBuiltin('node:worker_threads');
  if (node) {
    const worker = new node.Worker(NODE_WORKER_SOURCE, { eval: true });
    // A program that never disposes its backend still exits.
    worker.unref();
    await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage(message);
    });
    return () => void worker.terminate();
  }
  const url = URL.createObjectURL(new Blob([WEB_WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url);
  await new Promise((resolve, reject) => {
    worker.onmessage = resolve;
    worker.onerror = (e) => reject(new Error(`wasm backend: a worker thread failed to start (${e.message})`));
    worker.postMessage(message);
  }).finally(() => URL.revokeObjectURL(url));
  return () => worker.terminate();
}
