// The memory bandwidth two threads reach reading f32 with WebAssembly SIMD, measured in the run that compares a
// matrix-vector product with it: the main thread and one worker each sum half of a buffer far larger than the
// caches, started together through Atomics; bytes read over the wall time of the slower one.

import { Worker } from 'node:worker_threads';
import { encodeModule, MAX_PAGES, type WasmModule } from '../src/backends/wasm/wasm-module.js';
import { measure } from './harness.js';

const BYTES = 256 * 2 ** 20;

/** sum(ptr, bytes): lane 0 of the f32x4 sum of `bytes` bytes from `ptr` (returned, so the loads are not dropped). */
const SUM: WasmModule = {
  imports: [],
  sharedMemory: true,
  functions: [
    {
      name: 'sum',
      exported: true,
      params: [
        { name: 'p', type: 'i32' },
        { name: 'bytes', type: 'i32' },
      ],
      results: ['f32'],
      locals: [
        { name: 'end', type: 'i32' },
        { name: 's', type: 'v128' },
      ],
      body: [
        'local.get $p local.get $bytes i32.add local.set $end',
        'f32.const 0 f32x4.splat local.set $s',
        'block loop local.get $p local.get $end i32.ge_u br_if 1',
        'local.get $s local.get $p v128.load f32x4.add local.get $p v128.load offset=16 f32x4.add local.get $p v128.load offset=32 f32x4.add local.get $p v128.load offset=48 f32x4.add local.set $s',
        'local.get $p i32.const 64 i32.add local.set $p br 0 end end',
        'local.get $s f32x4.extract_lane 0',
      ].join('\n'),
    },
  ],
};

const WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.once('message', ({ memory, module }) => {
  const sum = new WebAssembly.Instance(module, { env: { memory } }).exports.sum;
  const flag = new Int32Array(memory.buffer, 0, 2);
  parentPort.postMessage('ready');
  for (let seen = 0; ; ) {
    Atomics.wait(flag, 0, seen);
    seen = Atomics.load(flag, 0);
    if (seen < 0) return;
    sum(${BYTES / 2 + 64}, ${BYTES / 2});
    Atomics.store(flag, 1, seen);
    Atomics.notify(flag, 1);
  }
});
`;

/** Bytes per second two threads read. */
export async function twoThreadBandwidth(): Promise<number> {
  const module = await WebAssembly.compile(encodeModule(SUM));
  const memory = new WebAssembly.Memory({ initial: Math.ceil((BYTES + 128) / 65536), maximum: MAX_PAGES, shared: true });
  const sum = (await WebAssembly.instantiate(module, { env: { memory } })).exports.sum as (p: number, bytes: number) => void;
  const worker = new Worker(WORKER, { eval: true });
  await new Promise((resolve) => {
    worker.once('message', resolve);
    worker.postMessage({ memory, module });
  });
  const flag = new Int32Array(memory.buffer, 0, 2);
  let generation = 0;
  const timing = measure(
    () => {
      Atomics.store(flag, 0, ++generation);
      Atomics.notify(flag, 0);
      sum(64, BYTES / 2);
      while (Atomics.load(flag, 1) !== generation) Atomics.wait(flag, 1, generation - 1);
    },
    { minRuns: 10, targetSeconds: 1 },
  );
  Atomics.store(flag, 0, -1);
  Atomics.notify(flag, 0);
  await worker.terminate();
  return BYTES / timing.best;
}
