// Suite `gemm`: the CPU backend's f32 matmul kernels against a naive triple loop timed in the same run.

import { denseView, gemmPacked, matmulF32, packB, SMALL_M_MAX, transposedView, type MatView } from '../src/backends/reference/kernels/gemm.js';
import { chooseClock, formatNumber, measure, printTable, type Timing, type TimingOptions } from './harness.js';

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
  console.log('f32 matmul, single thread, best of N runs; naive = i,j,k triple loop summing in float64, timed in the same run');
  const results = CASES.map(runCase);
  const weights = randomF32(4096 * 4096);
  const stream = measure(() => sumLoop(weights));
  const clock = chooseClock([...results.flatMap((r) => [r.mine, r.naive]), stream]);
  console.log(clock.note);
  const header = ['case', 'dsv3 GFLOP/s', 'GB/s of B', 'naive GFLOP/s', 'x naive', 'exact', 'goal', 'met'];
  printTable(header, results.map((r) => tableRow(r, clock.seconds)));
  const streamGbps = (weights.length * 4) / clock.seconds(stream) / 1e9;
  console.log(`peer for the GB/s column: a plain Float32Array sum loop over 64 MB reads ${formatNumber(streamGbps)} GB/s in this run`);
}

interface Result {
  c: Case;
  mine: Timing;
  naive: Timing;
  exact: boolean;
}

function runCase(c: Case): Result {
  const a = denseView(randomF32(c.M * c.K), c.M, c.K);
  const b = c.layout === 'kn' ? denseView(randomF32(c.K * c.N), c.K, c.N) : transposedView(denseView(randomF32(c.N * c.K), c.N, c.K));
  const out = denseView(new Float32Array(c.M * c.N), c.M, c.N);
  const expected = denseView(new Float32Array(c.M * c.N), c.M, c.N);

  let kernel = () => matmulF32(a, b, out);
  if (c.prepacked) {
    const packed = packB(b);
    kernel = () => gemmPacked(a, packed, out);
  }
  const mine = measure(kernel, { targetSeconds: 1 });
  // The naive loop takes seconds on the big cases: time it once there, without warm-up (the same
  // function was compiled by the first cases).
  const slow: TimingOptions = flops(c) > 2e8 ? { warmupRuns: 0, minRuns: 1, targetSeconds: 0 } : { minRuns: 3 };
  const naive = measure(() => naiveMatmul(a, b, expected), slow);
  return { c, mine, naive, exact: sameValues(out.data, expected.data) };
}

function tableRow({ c, mine, naive, exact }: Result, seconds: (t: Timing) => number): (string | number)[] {
  const gflops = flops(c) / seconds(mine) / 1e9;
  const gbps = (c.K * c.N * 4) / seconds(mine) / 1e9;
  const achieved = c.goal?.unit === 'GB/s' ? gbps : gflops;
  return [
    c.name,
    gflops,
    c.M <= SMALL_M_MAX ? gbps : '',
    flops(c) / seconds(naive) / 1e9,
    seconds(naive) / seconds(mine),
    exact ? 'yes' : 'NO',
    c.goal ? `>= ${c.goal.atLeast} ${c.goal.unit}` : '',
    c.goal ? (achieved >= c.goal.atLeast ? 'yes' : 'NO') : '',
  ];
}

function flops(c: Case): number {
  return 2 * c.M * c.N * c.K;
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

/** The fastest plain-JS read of a Float32Array: what a memory-bound matvec could reach at best. */
function sumLoop(data: Float32Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = 0; i + 4 <= data.length; i += 4) {
    s0 += data[i]; s1 += data[i + 1]; s2 += data[i + 2]; s3 += data[i + 3];
  }
  return s0 + s1 + s2 + s3;
}

function randomF32(length: number): Float32Array {
  const data = new Float32Array(length);
  for (let i = 0; i < length; i++) data[i] = Math.random() * 2 - 1;
  return data;
}

function sameValues(x: Float32Array, y: Float32Array): boolean {
  return x.every((v, i) => Object.is(v, y[i]));
}
