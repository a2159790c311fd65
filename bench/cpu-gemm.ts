// Suite `gemm`: the CPU backend's f32 matmul kernels against a naive triple loop timed in the same run.

import { denseView, gemmPacked, matmulF32, packB, SMALL_M_MAX, transposedView, type MatView } from '../src/backends/cpu/kernels/gemm.js';
import { describeCpuShare, measure, printTable, type Timing, type TimingOptions } from './harness.js';

interface Case {
  name: string;
  M: number;
  K: number;
  N: number;
  /** 'kn': B is row-major [K, N]; 'nk': B is the transpose of a row-major [N, K] weight. */
  layout: 'kn' | 'nk';
  /** Time the kernel with B packed once outside the timed call (a compiled graph's constant weight). */
  prepacked?: boolean;
  goal?: { unit: 'GFLOP/s' | 'GB/s'; atLeast: number };
}

const CASES: Case[] = [
  { name: 'gemm 256', M: 256, K: 256, N: 256, layout: 'kn' },
  { name: 'gemm 512', M: 512, K: 512, N: 512, layout: 'kn' },
  { name: 'gemm 1024', M: 1024, K: 1024, N: 1024, layout: 'kn', goal: { unit: 'GFLOP/s', atLeast: 2.5 } },
  { name: 'gemm 1024, B = W^T', M: 1024, K: 1024, N: 1024, layout: 'nk' },
  { name: 'matvec 1x4096 @ 4096^2, B [K,N]', M: 1, K: 4096, N: 4096, layout: 'kn', goal: { unit: 'GB/s', atLeast: 4 } },
  { name: 'matvec 1x4096 @ 4096^2, B = W^T', M: 1, K: 4096, N: 4096, layout: 'nk', goal: { unit: 'GB/s', atLeast: 4 } },
  { name: 'matvec, B packed once', M: 1, K: 4096, N: 4096, layout: 'nk', prepacked: true },
  { name: 'decode 2x4096 @ 4096^2, B = W^T', M: 2, K: 4096, N: 4096, layout: 'nk' },
  { name: 'decode 16x4096 @ 4096^2, B = W^T', M: 16, K: 4096, N: 4096, layout: 'nk' },
  { name: 'decode 16x4096, B packed once', M: 16, K: 4096, N: 4096, layout: 'nk', prepacked: true },
];

export function gemmSuite(): void {
  console.log('f32 matmul, single thread; best of N runs; naive = i,j,k triple loop, float64 sum, same run');
  const results = CASES.map(runCase);
  printTable(['case', 'dsv3 GFLOP/s', 'GB/s of B', 'naive GFLOP/s', 'x naive', 'exact', 'goal', 'met'], results.map((r) => r.row));
  console.log(describeCpuShare(results.flatMap((r) => r.timings)));
}

function runCase(c: Case): { row: (string | number)[]; timings: Timing[] } {
  const a = denseView(randomF32(c.M * c.K), c.M, c.K);
  const b = c.layout === 'kn' ? denseView(randomF32(c.K * c.N), c.K, c.N) : transposedView(denseView(randomF32(c.N * c.K), c.N, c.K));
  const out = denseView(new Float32Array(c.M * c.N), c.M, c.N);
  const expected = denseView(new Float32Array(c.M * c.N), c.M, c.N);

  let kernel = () => matmulF32(a, b, out);
  if (c.prepacked) {
    const packed = packB(b);
    kernel = () => gemmPacked(a, packed, out);
  }
  const mine = measure(kernel);
  const flops = 2 * c.M * c.N * c.K;
  // The naive loop takes seconds on the big cases: time it once there, without warm-up (the same
  // function was compiled by the first cases).
  const slow: TimingOptions = flops > 2e8 ? { warmupRuns: 0, minRuns: 1, targetSeconds: 0 } : { minRuns: 3 };
  const naive = measure(() => naiveMatmul(a, b, expected), slow);

  const gflops = flops / mine.best / 1e9;
  const gbps = (c.K * c.N * 4) / mine.best / 1e9;
  const achieved = c.goal?.unit === 'GB/s' ? gbps : gflops;
  const row = [
    c.name,
    gflops,
    c.M <= SMALL_M_MAX ? gbps : '',
    flops / naive.best / 1e9,
    naive.best / mine.best,
    sameValues(out.data, expected.data) ? 'yes' : 'NO',
    c.goal ? `>= ${c.goal.atLeast} ${c.goal.unit}` : '',
    c.goal ? (achieved >= c.goal.atLeast ? 'yes' : 'NO') : '',
  ];
  return { row, timings: [mine, naive] };
}

/** The textbook loop over views, summing in float64 in k order: the reference the kernels must equal. */
function naiveMatmul(a: MatView, b: MatView, out: MatView): void {
  for (let m = 0; m < a.rows; m++) {
    for (let n = 0; n < b.cols; n++) {
      let sum = 0;
      for (let k = 0; k < a.cols; k++) {
        sum += a.data[a.offset + m * a.rowStride + k * a.colStride] * b.data[b.offset + k * b.rowStride + n * b.colStride];
      }
      out.data[out.offset + m * out.rowStride + n * out.colStride] = sum;
    }
  }
}

function randomF32(length: number): Float32Array {
  const data = new Float32Array(length);
  for (let i = 0; i < length; i++) data[i] = Math.random() * 2 - 1;
  return data;
}

function sameValues(x: Float32Array, y: Float32Array): boolean {
  return x.every((v, i) => Object.is(v, y[i]));
}
