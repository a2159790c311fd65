// Every normal positive f32 scale s (254 · 2^23 = 2^31 - 2^24 bit patterns) through the ue8m0 rounding: the table lookup
// WebGPU performs (ue8m0Limits, one limit per exponent) against the CPU backends' exp2(ceil(log2 s)), bit for bit.
// This is the proof that the table, found by a binary search per binade, is right everywhere. Not part of `npm test`
// (about 2.5 minutes on 2 cores). Run it with
//
//   npm run build && node dist/test/exhaustive/ue8m0-limits.js [--workers=N]
//
// Exits 1 on the first exponent with a mismatch, listing the first ones.

import os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ue8m0Limits } from '../../src/numerics/index.js';
import { cpuUe8m0, ue8m0FromLimits } from '../numerics/ue8m0-definitions.js';

const MANTISSAS = 0x800000;

/** The mismatches of exponent field e (normal: 1 ... 254), described. */
function checkExponent(e: number, limits: Uint32Array): string[] {
  const value = new Float32Array(1);
  const bits = new Uint32Array(value.buffer);
  const bad: string[] = [];
  for (let m = 0; m < MANTISSAS && bad.length < 10; m++) {
    bits[0] = (e << 23) | m;
    const want = cpuUe8m0(value[0]!);
    const got = ue8m0FromLimits(bits[0]!, limits);
    value[0] = want;
    if (got !== bits[0]) bad.push(`s = 0x${((e << 23) | m).toString(16)}: table 0x${got.toString(16)}, CPU 0x${bits[0]!.toString(16)}`);
  }
  return bad;
}

interface ExponentResult {
  readonly e: number;
  readonly bad: readonly string[];
}

function work({ index, stride }: { index: number; stride: number }): void {
  const limits = ue8m0Limits();
  for (let e = 1 + index; e < 255; e += stride) parentPort!.postMessage({ e, bad: checkExponent(e, limits) } satisfies ExponentResult);
}

async function main(): Promise<number> {
  const arg = process.argv.find((a) => a.startsWith('--workers='));
  const workers = arg === undefined ? os.availableParallelism() : Number(arg.slice('--workers='.length));
  if (!Number.isSafeInteger(workers) || workers < 1) throw new Error(`${arg}: expected --workers=N with N >= 1`);
  console.log(`ue8m0 rounding of every normal positive f32 scale: table vs the CPU's exp2(ceil(log2 s)), ${workers} worker(s)`);
  const start = performance.now();
  const pool = Array.from({ length: workers }, (_, index) => new Worker(new URL(import.meta.url), { workerData: { index, stride: workers } }));
  let done = 0;
  const failure = await new Promise<string | undefined>((resolve, reject) => {
    for (const w of pool) {
      w.on('error', reject);
      w.on('message', ({ e, bad }: ExponentResult) => {
        if (bad.length > 0) return resolve(`MISMATCH at exponent field ${e}:\n  ${bad.join('\n  ')}`);
        if (++done % 32 === 0 || done === 254) console.log(`  ${done}/254 exponents agree, ${((performance.now() - start) / 1000).toFixed(1)} s`);
        if (done === 254) resolve(undefined);
      });
    }
  });
  await Promise.all(pool.map((w) => w.terminate()));
  if (failure !== undefined) {
    console.error(failure);
    return 1;
  }
  console.log(`OK: ${254 * MANTISSAS} scales agree in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return 0;
}

if (isMainThread) process.exitCode = await main();
else work(workerData);
