// Suite `webgpu`: dsv3's generated WebGPU kernels next to tfjs-backend-webgpu and jax-js's webgpu backend, on the
// same adapter in the same run: f32 matmul 256/512/1024, a decode matvec 1x4096 @ 4096x4096, and the DeepSeek
// decoder block at v3-tiny sizes. Every system keeps its operands on the device, and each timed call computes and
// reads its result back. Calls are interleaved round by round, so a busy machine slows every system alike; the
// figures are the best call of each. On a software adapter (lavapipe, SwiftShader) they are CPU figures: compare
// the ratios.

import os from 'node:os';
import { BackendUnavailableError, openBackend } from '../src/backends/registry.js';
import type { WebGpuBackend } from '../src/backends/webgpu/backend.js';
import { environmentGpu } from '../src/backends/webgpu/device.js';
import { formatNumber, printTable } from './harness.js';
import { blockWorkload } from './webgpu-block.js';
import { loadPeers, type Peer } from './webgpu-peers.js';
import { matmulWorkload, type System, type Workload } from './webgpu-workload.js';

interface Measured {
  readonly workload: Workload;
  /** Best seconds per call, by system name. */
  readonly seconds: ReadonlyMap<string, number>;
  /** Largest |output - dsv3's| relative to the largest |dsv3 output|, by peer name. */
  readonly deviation: ReadonlyMap<string, number>;
}

const WORKLOADS: readonly (() => Promise<Workload>)[] = [
  async () => matmulWorkload('gemm 256', 256, 256, 256),
  async () => matmulWorkload('gemm 512', 512, 512, 512),
  async () => matmulWorkload('gemm 1024', 1024, 1024, 1024),
  async () => matmulWorkload('matvec 1x4096 @ 4096^2', 1, 4096, 4096),
  blockWorkload,
];

/** Calls per system: enough for a stable best, fewer for the slow ones. */
const roundsFor = (secondsPerCall: number): number => Math.max(6, Math.min(20, Math.round(8 / Math.max(secondsPerCall, 1e-3))));

async function timeOnce(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

function deviationFrom(reference: Float32Array, other: Float32Array): number {
  let [diff, scale] = [0, 0];
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs(reference[i]! - other[i]!));
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return diff / scale;
}

async function measureWorkload(workload: Workload, systems: readonly System[]): Promise<Measured> {
  const prepared = await Promise.all(systems.map((s) => s.prepare(workload)));
  try {
    // Warm-up: pipelines compile on first use.
    const first = await Promise.all(prepared.map(async (p) => timeOnce(p.run)));
    const best = first.map((t) => t);
    const rounds = roundsFor(Math.max(...first));
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < prepared.length; i++) best[i] = Math.min(best[i]!, await timeOnce(prepared[i]!.run));
    }
    const outputs = await Promise.all(prepared.map((p) => p.output()));
    return {
      workload,
      seconds: new Map(systems.map((s, i) => [s.name, best[i]!])),
      deviation: new Map(systems.slice(1).map((s, i) => [s.name, deviationFrom(outputs[0]!, outputs[i + 1]!)])),
    };
  } finally {
    for (const p of prepared) p.dispose();
  }
}

function report(results: readonly Measured[], peers: readonly Peer[]): void {
  const header = ['workload', 'dsv3 GFLOP/s', ...peers.map((p) => `${p.name} GFLOP/s`), ...peers.map((p) => `dsv3 / ${p.name}`), 'ms per call (dsv3)', 'agree (max rel. deviation)'];
  const rows = results.map((m) => {
    const gflops = (name: string) => m.workload.flops / m.seconds.get(name)! / 1e9;
    return [
      m.workload.name,
      gflops('dsv3'),
      ...peers.map((p) => gflops(p.name)),
      ...peers.map((p) => `${formatNumber(m.seconds.get(p.name)! / m.seconds.get('dsv3')!)}x`),
      m.seconds.get('dsv3')! * 1000,
      peers.map((p) => `${p.name} ${m.deviation.get(p.name)!.toExponential(1)}`).join(', '),
    ];
  });
  printTable(header, rows);
}

export async function webgpuSuite(): Promise<void> {
  let dsv3: WebGpuBackend;
  try {
    dsv3 = (await openBackend('webgpu')) as WebGpuBackend;
  } catch (e) {
    if (e instanceof BackendUnavailableError) return console.log(`skipped: no ${e.what} (${e.reason})`);
    throw e;
  }
  const adapter = dsv3.device.context.gpu.adapter;
  console.log(`adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description || adapter.device}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const { peers, missing } = await loadPeers(await environmentGpu());
  for (const m of missing) console.log(`peer missing: ${m}`);
  const systems: System[] = [dsv3System(dsv3), ...peers];
  const results: Measured[] = [];
  try {
    for (const make of WORKLOADS) results.push(await measureWorkload(await make(), systems));
  } finally {
    for (const p of peers) p.dispose();
    dsv3.dispose();
  }
  console.log('best call of each system (interleaved rounds, each call computes and reads its result back); GFLOP/s from the workload\'s multiply-adds');
  report(results, peers);
}

function dsv3System(backend: WebGpuBackend): System {
  return {
    name: 'dsv3',
    async prepare(w) {
      const exe = await backend.compile(w.graph, w.weights);
      const inputs = Object.fromEntries(Object.entries(w.inputs).map(([k, t]) => [k, backend.upload(t)]));
      let last: Float32Array | undefined;
      return {
        run: async () => {
          const { outputs } = await exe.run(inputs);
          last = outputs[w.output]!.data as Float32Array;
        },
        output: async () => last!,
        dispose: () => {
          for (const t of Object.values(inputs)) t.dispose();
          exe.dispose();
        },
      };
    },
  };
}
