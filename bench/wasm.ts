// Suite `wasm`: the wasm backend on one and two threads against its WebAssembly peers (onnxruntime-web on one and
// two threads, tfjs-backend-wasm on one: tfjs runs no Wasm threads in Node), each peer in a child process of its own
// (wasm-peer.ts), and against the JavaScript CPU backend, all in one run:
// - C = A @ W, W a weight (packed once by everyone who packs), gemm256..2048, GFLOP/s;
// - the matrix-vector product 1x4096 by 4096x4096, as bytes of W read per second, next to the memory bandwidth two
//   threads reach in the same run (memory-bandwidth.ts);
// - whole models through a Session: v3-tiny (a 32-token prefill) and the dim-1024 synthetic model (4 layers, 64
//   experts, a 64-token prefill), and a decode step, wasm (two threads) against cpu.
// The machine's load average is printed before and after: these machines are shared.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../src/backends/backend.js';
import { cpuBackend } from '../src/backends/cpu/backend.js';
import { wasmBackend } from '../src/backends/wasm/backend.js';
import { directoryFiles } from '../src/io/local-files.js';
import { parseGraph, tensorData, weightMap, type Graph, type TensorData } from '../src/ir/index.js';
import { loadModel, type LoadedModel } from '../src/models/deepseek/loaded-model.js';
import { Session } from '../src/models/deepseek/session.js';
import { mulberry32 } from '../src/numerics/index.js';
import { measureAsync, printTable } from './harness.js';
import { twoThreadBandwidth } from './memory-bandwidth.js';
import { SYNTHETIC_V3 } from './model.js';
import { writeSyntheticCheckpoint } from './synthetic-checkpoint.js';

type Shape = readonly [number, number, number];
const GEMMS: readonly Shape[] = [256, 512, 1024, 2048].map((n) => [n, n, n] as const);
const MATVEC: Shape = [1, 4096, 4096];
/** The JavaScript backend is left out above this size (minutes per run). */
const CPU_MAX = 1024;

const random = (shape: readonly number[], seed: number): TensorData => {
  const next = mulberry32(seed);
  return tensorData('f32', [...shape], Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next() * 2 - 1));
};

const gemmGraph = ([m, k, n]: Shape): Graph =>
  parseGraph(`graph g(%a: f32[${m},${k}]) {\n  %w = weight() {dtype="f32", name="w", shape=[${k},${n}]} : f32[${k},${n}]\n  %0 = matmul(%a, %w) : f32[${m},${n}]\n  return y = %0\n}`);

/** Best wall seconds of whole runs (inputs in, outputs out) of C = A @ W on `backend`. */
async function timeGemm(backend: Backend, shape: Shape): Promise<number> {
  const exe = await backend.compile(gemmGraph(shape), weightMap({ w: random([shape[1], shape[2]], 2) }));
  const inputs = { a: random([shape[0], shape[1]], 1) };
  return (await measureAsync(async () => void (await exe.run(inputs)), { targetSeconds: 1, minRuns: 3 })).best;
}

/** Best seconds of each shape on a peer at a thread count, from its own process. */
function peerSeconds(peer: 'ort' | 'tfjs', threads: number, shapes: readonly Shape[]): number[] {
  const script = fileURLToPath(new URL('./wasm-peer.js', import.meta.url));
  const out = execFileSync(process.execPath, ['--expose-gc', script, peer, String(threads), JSON.stringify(shapes)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!) as number[];
}

const load = () => `load average ${os.loadavg().map((x) => x.toFixed(2)).join(', ')} on ${os.availableParallelism()} cores`;

interface Kernels {
  readonly wasm1: number[];
  readonly wasm2: number[];
  readonly cpu: (number | undefined)[];
  readonly ort1: number[];
  readonly ort2: number[];
  readonly tfjs1: number[];
}

async function measureKernels(shapes: readonly Shape[]): Promise<Kernels> {
  const [wasm1, wasm2, cpu] = [wasmBackend({ threads: 1 }), wasmBackend({ threads: 2 }), cpuBackend()];
  console.log(`wasm backend: ${wasm2.device.runsOn}; best wall time of whole runs (inputs in, outputs out), W a weight`);
  try {
    const result: Kernels = { wasm1: [], wasm2: [], cpu: [], ort1: peerSeconds('ort', 1, shapes), ort2: peerSeconds('ort', 2, shapes), tfjs1: peerSeconds('tfjs', 1, shapes) };
    for (const shape of shapes) {
      result.wasm1.push(await timeGemm(wasm1, shape));
      result.wasm2.push(await timeGemm(wasm2, shape));
      result.cpu.push(shape[0] * shape[1] * shape[2] <= CPU_MAX ** 3 ? await timeGemm(cpu, shape) : undefined);
    }
    return result;
  } finally {
    for (const b of [wasm1, wasm2, cpu]) b.dispose();
  }
}

function printGemms(k: Kernels): void {
  const rate = (s: Shape, t: number) => (2 * s[0] * s[1] * s[2]) / t / 1e9;
  printTable(
    ['case', 'wasm 1T', 'ort 1T', 'x ort', 'tfjs 1T', 'x tfjs', 'wasm 2T', 'ort 2T', 'x ort', 'cpu (JS)', 'x cpu'],
    GEMMS.map((s, i) => {
      const cpu = k.cpu[i];
      return [`gemm${s[0]} GFLOP/s`, rate(s, k.wasm1[i]!), rate(s, k.ort1[i]!), k.ort1[i]! / k.wasm1[i]!, rate(s, k.tfjs1[i]!), k.tfjs1[i]! / k.wasm1[i]!, rate(s, k.wasm2[i]!), rate(s, k.ort2[i]!), k.ort2[i]! / k.wasm2[i]!, cpu === undefined ? '-' : rate(s, cpu), cpu === undefined ? '-' : cpu / k.wasm2[i]!];
    }),
  );
}

function printMatvec(k: Kernels, i: number, bandwidth: number): void {
  const bytes = MATVEC[1] * MATVEC[2] * 4;
  const gbs = (t: number) => bytes / t / 1e9;
  console.log(`two-thread memory bandwidth (WebAssembly SIMD reads, this run): ${(bandwidth / 1e9).toFixed(2)} GB/s`);
  printTable(
    ['matvec 1x4096 @ 4096x4096', 'GB/s of W', '% of 2T bandwidth', 'x ort same threads'],
    [
      ['wasm 1T', gbs(k.wasm1[i]!), (100 * bytes) / k.wasm1[i]! / bandwidth, k.ort1[i]! / k.wasm1[i]!],
      ['wasm 2T', gbs(k.wasm2[i]!), (100 * bytes) / k.wasm2[i]! / bandwidth, k.ort2[i]! / k.wasm2[i]!],
      ['ort 1T', gbs(k.ort1[i]!), (100 * bytes) / k.ort1[i]! / bandwidth, 1],
      ['ort 2T', gbs(k.ort2[i]!), (100 * bytes) / k.ort2[i]! / bandwidth, 1],
      ['tfjs 1T', gbs(k.tfjs1[i]!), (100 * bytes) / k.tfjs1[i]! / bandwidth, '-'],
      ['cpu (JS)', gbs(k.cpu[i]!), (100 * bytes) / k.cpu[i]! / bandwidth, '-'],
    ],
  );
}

/** Best seconds of a `prompt`-token prefill and of one decode step after it. */
async function timeModel(model: LoadedModel, backend: Backend, prompt: number): Promise<{ prefill: number; decode: number }> {
  const tokens = [Array.from({ length: prompt }, (_, i) => (i * 7919 + 3) % model.config.vocabSize)];
  const session = new Session(model, backend, { batch: 1 });
  try {
    await session.forward(tokens);
    await session.forward([[5]]);
    const prefill = await measureAsync(
      async () => {
        session.reset();
        await session.forward(tokens);
      },
      { warmupRuns: 0, minRuns: 3, maxRuns: 10, targetSeconds: 2 },
    );
    const room = model.settings.maxSeqLen - prompt - 1;
    const decode = await measureAsync(() => session.forward([[5]]).then(() => undefined), { warmupRuns: 0, minRuns: 3, maxRuns: room, targetSeconds: 2 });
    return { prefill: prefill.best, decode: decode.best };
  } finally {
    session.dispose();
  }
}

async function models(): Promise<void> {
  const tmp = fs.mkdtempSync(join(os.tmpdir(), 'dsv3-bench-wasm-'));
  const [wasm, cpu] = [wasmBackend({ threads: 2 }), cpuBackend()];
  try {
    const synthetic = await writeSyntheticCheckpoint(join(tmp, 'synthetic'), { ...SYNTHETIC_V3, num_hidden_layers: 4, num_attention_heads: 16 }, 'bf16', 1 << 30);
    // v3-tiny holds 64 positions (max_position_embeddings).
    const cases = [
      { name: 'v3-tiny (golden)', dir: 'spec/golden/v3-tiny-f32', prompt: 32 },
      { name: 'synthetic dim 1024, 4 layers, 64 experts', dir: synthetic.dir, prompt: 64 },
    ];
    const rows: (string | number)[][] = [];
    for (const c of cases) {
      const model = loadModel(directoryFiles(c.dir), { maxSeqLen: c.prompt + 16 });
      try {
        const [w, j] = [await timeModel(model, wasm, c.prompt), await timeModel(model, cpu, c.prompt)];
        rows.push([`${c.name}, ${c.prompt} tokens`, w.prefill, j.prefill, j.prefill / w.prefill, w.decode * 1e3, j.decode * 1e3, j.decode / w.decode]);
      } finally {
        model.weights.close();
      }
    }
    console.log('whole model, batch 1, f32 compute: a prefill and a decode step after it; wasm on 2 threads');
    printTable(['model', 'prefill s wasm', 'prefill s cpu', 'x cpu', 'decode ms wasm', 'decode ms cpu', 'x cpu'], rows);
  } finally {
    wasm.dispose();
    cpu.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export async function wasmSuite(): Promise<void> {
  console.log(load());
  const kernels = await measureKernels([...GEMMS, MATVEC]);
  printGemms(kernels);
  printMatvec(kernels, GEMMS.length, await twoThreadBandwidth());
  await models();
  console.log(`after: ${load()}`);
}
