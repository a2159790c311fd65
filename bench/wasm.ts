// Suite `wasm`: the wasm backend's GEMMs against the JavaScript CPU backend, measured in the same run: C = A @ W
// with W a weight (packed once by both), whole executable runs (inputs in, outputs out). Also the time to encode
// and compile one kernel module, which `docs/adding-a-backend.md` cites for the choice of encoder.

import type { Backend } from '../src/backends/backend.js';
import { cpuBackend } from '../src/backends/cpu/backend.js';
import { wasmBackend } from '../src/backends/wasm/backend.js';
import { encodeModule } from '../src/backends/wasm/wasm-module.js';
import { kernelModule } from '../src/backends/wasm/program.js';
import { compile } from '../src/compiler/compile.js';
import { mulberry32 } from '../src/numerics/index.js';
import { parseGraph, tensorData, weightMap, type Graph, type TensorData } from '../src/ir/index.js';
import { chooseClock, measure, measureAsync, printTable, type Timing } from './harness.js';

const SIZES = [256, 512, 1024];

const random = (shape: number[], seed: number): TensorData => {
  const next = mulberry32(seed);
  return tensorData('f32', shape, Float32Array.from({ length: shape[0]! * shape[1]! }, () => next() * 2 - 1));
};

const gemmGraph = (n: number): Graph =>
  parseGraph(`graph g(%a: f32[${n},${n}]) {\n  %w = weight() {dtype="f32", name="w", shape=[${n},${n}]} : f32[${n},${n}]\n  %0 = matmul(%a, %w) : f32[${n},${n}]\n  return y = %0\n}`);

async function timeGemm(backend: Backend, n: number): Promise<Timing> {
  const exe = await backend.compile(gemmGraph(n), weightMap({ w: random([n, n], 2) }));
  const inputs = { a: random([n, n], 1) };
  return measureAsync(async () => void (await exe.run(inputs)), { targetSeconds: 1, minRuns: 3 });
}

export async function wasmSuite(): Promise<void> {
  const wasm = wasmBackend();
  const cpu = cpuBackend();
  console.log(`wasm backend: ${wasm.device.runsOn}; one thread; C = A @ W, W a weight, whole runs`);
  const rows: { n: number; wasm: Timing; cpu: Timing }[] = [];
  for (const n of SIZES) rows.push({ n, wasm: await timeGemm(wasm, n), cpu: await timeGemm(cpu, n) });
  const clock = chooseClock(rows.flatMap((r) => [r.wasm, r.cpu]));
  console.log(clock.note);
  const gflops = (n: number, t: Timing) => (2 * n ** 3) / clock.seconds(t) / 1e9;
  printTable(
    ['case', 'wasm GFLOP/s', 'cpu (JS) GFLOP/s', 'x cpu'],
    rows.map((r) => [`gemm${r.n}`, gflops(r.n, r.wasm), gflops(r.n, r.cpu), clock.seconds(r.cpu) / clock.seconds(r.wasm)]),
  );

  const kernel = compile(gemmGraph(512)).kernels[0]!;
  const encode = measure(() => void encodeModule(kernelModule(kernel, true).module));
  const bytes = encodeModule(kernelModule(kernel, true).module);
  const compileModule = await measureAsync(async () => void (await WebAssembly.compile(bytes)));
  console.log(`one GEMM kernel module (${bytes.length} bytes): rendered and encoded in ${(encode.best * 1e3).toFixed(3)} ms, compiled by the runtime in ${(compileModule.best * 1e3).toFixed(3)} ms`);
  wasm.dispose();
  cpu.dispose();
}
