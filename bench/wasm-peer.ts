// One WebAssembly peer at one thread count, run as a child process of the `wasm` suite (onnxruntime-web fixes its
// thread count once per process): `node wasm-peer.js ort|tfjs THREADS SHAPES_JSON` prints the best seconds of each
// C = A @ W shape ([m, k, n], W a constant the peer may pack once) as JSON.

import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { mulberry32 } from '../src/numerics/index.js';
import { measureAsync } from './harness.js';
import { onnxMatmul } from './onnx-matmul.js';

type Shape = readonly [number, number, number];
type Runner = (shape: Shape, a: Float32Array, w: Float32Array) => Promise<() => Promise<void>>;

const random = (n: number, seed: number) => {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
};

async function ortRunner(threads: number): Promise<Runner> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  return async ([m, k, n], a, w) => {
    const session = await ort.InferenceSession.create(onnxMatmul(m, k, n, w), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = { A: new ort.Tensor('float32', a, [m, k]) };
    return async () => void (await session.run(feeds));
  };
}

async function tfjsRunner(threads: number): Promise<Runner> {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  wasm.setWasmPaths(`${join(dist, '/')}`);
  wasm.setThreadsCount(threads);
  await tf.setBackend('wasm');
  return async ([m, k, n], a, w) => {
    const [ta, tw] = [tf.tensor2d(a, [m, k]), tf.tensor2d(w, [k, n])];
    return async () => {
      const y = tf.matMul(ta, tw);
      await y.data();
      y.dispose();
    };
  };
}

const [peer, threadsText, shapesJson] = process.argv.slice(2);
const threads = Number(threadsText);
const runner = peer === 'ort' ? await ortRunner(threads) : peer === 'tfjs' ? await tfjsRunner(threads) : undefined;
if (!runner) throw new Error(`wasm-peer: unknown peer "${peer}"; expected ort or tfjs`);
const seconds: number[] = [];
for (const shape of JSON.parse(shapesJson!) as Shape[]) {
  const run = await runner(shape, random(shape[0] * shape[1], 1), random(shape[1] * shape[2], 2));
  seconds.push((await measureAsync(run, { targetSeconds: 1, minRuns: 3 })).best);
}
console.log(JSON.stringify(seconds));
