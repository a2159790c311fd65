// Every one of the 2^32 f32 bit patterns through the CPU codec's fp8 casts (e4m3fn and e5m2, saturate and torch
// modes), compared byte for byte with an independent reference. Not part of `npm test` (it takes minutes). Run it with
//
//   npm run test:exhaustive [-- --chunks=FIRST-LAST] [--workers=N]
//
// (that is: npm run build && node dist/test/exhaustive/cpu-fp8-all-f32.js). Chunk k holds the patterns
// k * 2^24 ... (k + 1) * 2^24 - 1; the default is all 256 chunks, spread over N worker threads (default: one per
// available core). Exits 1 on the first chunk with a mismatch, listing the first ones.
//
// The codec (src/numerics/fp8.ts) rounds with integer operations on the bit pattern. The reference here works on
// values instead: it finds the grid spacing of the format at |x| from log2, rounds |x| / spacing to the nearest
// integer (ties to even) in float64, where the division by a power of two is exact, applies the overflow rule of
// the mode to the rounded value, and looks the value's byte up in a table built from the format's definition.

import os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Fp8CastMode, Fp8Format } from '../../src/numerics/index.js';
import { encodeFp8 } from '../../src/numerics/index.js';

const CHUNK_LOG2 = 24;
const CHUNK = 2 ** CHUNK_LOG2;
const CHUNKS = 2 ** (32 - CHUNK_LOG2);

interface Format {
  readonly name: Fp8Format;
  readonly mantBits: number;
  readonly bias: number;
  /** The largest finite magnitude and its code. */
  readonly max: number;
  readonly maxCode: number;
  /** What torch's cast gives on overflow: NaN (e4m3fn) or infinity (e5m2). */
  readonly overflowCode: number;
}

const FORMATS: readonly Format[] = [
  { name: 'f8e4m3fn', mantBits: 3, bias: 7, max: 448, maxCode: 0x7e, overflowCode: 0x7f },
  { name: 'f8e5m2', mantBits: 2, bias: 15, max: 57344, maxCode: 0x7b, overflowCode: 0x7c },
];
const MODES: readonly Fp8CastMode[] = ['saturate', 'torch'];

/** What the reference makes of a magnitude besides a finite code. */
const OVERFLOW = -1;
const NOT_A_NUMBER = -2;

/** Powers of two 2^-160 ... 2^160, so the hot loop never calls Math.pow. */
const POW2_BIAS = 160;
const POW2 = Float64Array.from({ length: 2 * POW2_BIAS + 1 }, (_, i) => 2 ** (i - POW2_BIAS));

/** The reference for one format: magnitude code of |x|, OVERFLOW or NOT_A_NUMBER. */
class Reference {
  private readonly codes = new Map<number, number>();
  /** Half the smallest subnormal: this or less rounds to zero (a tie goes to the even 0). */
  private readonly zeroUpTo: number;
  /** Twice the largest finite value: this or more overflows whatever the rounding. */
  private readonly overflowFrom: number;
  private readonly minNormalExponent: number;

  constructor(private readonly f: Format) {
    for (let code = 0; code <= f.maxCode; code++) {
      const [e, m] = [code >> f.mantBits, code & ((1 << f.mantBits) - 1)];
      this.codes.set(e === 0 ? m * 2 ** (1 - f.bias - f.mantBits) : (1 + m / 2 ** f.mantBits) * 2 ** (e - f.bias), code);
    }
    this.zeroUpTo = 2 ** (-f.bias - f.mantBits);
    this.overflowFrom = 2 * f.max;
    this.minNormalExponent = 1 - f.bias;
  }

  magnitude(x: number): number {
    const a = Math.abs(x);
    if (a !== a) return NOT_A_NUMBER;
    if (a <= this.zeroUpTo) return 0;
    if (a >= this.overflowFrom) return OVERFLOW;
    // floor(log2 a), corrected where Math.log2 rounds across an integer.
    let e = Math.floor(Math.log2(a));
    if (POW2[e + POW2_BIAS]! > a) e--;
    else if (POW2[e + 1 + POW2_BIAS]! <= a) e++;
    // Round a / spacing to the nearest integer, ties to even; dividing by a power of two is exact.
    const spacing = POW2[Math.max(e, this.minNormalExponent) - this.f.mantBits + POW2_BIAS]!;
    const t = a / spacing;
    const below = Math.floor(t);
    const rest = t - below;
    const v = (rest > 0.5 || (rest === 0.5 && below % 2 === 1) ? below + 1 : below) * spacing;
    return v > this.f.max ? OVERFLOW : this.codes.get(v)!;
  }

  /** The byte for a value of sign bit `sign` (0 or 0x80) and reference magnitude `m` under `mode`. */
  byte(sign: number, m: number, mode: Fp8CastMode): number {
    if (m === NOT_A_NUMBER) return sign | 0x7f;
    if (m === OVERFLOW) return sign | (mode === 'saturate' ? this.f.maxCode : this.f.overflowCode);
    return sign | m;
  }
}

function parseArgs(args: readonly string[]): { first: number; last: number; workers: number } {
  const chunks = args.find((a) => a.startsWith('--chunks='));
  const workers = args.find((a) => a.startsWith('--workers='));
  const match = chunks === undefined ? ['', '0', String(CHUNKS - 1)] : /^--chunks=(\d+)-(\d+)$/.exec(chunks);
  const [first, last] = match === null ? [NaN, NaN] : [Number(match[1]), Number(match[2])];
  if (!(first <= last && last < CHUNKS)) throw new Error(`${chunks}: expected --chunks=FIRST-LAST with 0 <= FIRST <= LAST < ${CHUNKS}`);
  const n = workers === undefined ? os.availableParallelism() : Number(workers.slice('--workers='.length));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${workers}: expected --workers=N with N >= 1`);
  return { first, last, workers: Math.min(n, last - first + 1) };
}

const hex = (x: number, digits: number): string => `0x${x.toString(16).padStart(digits, '0')}`;

/** Checks one chunk; returns the first mismatches, described (none when the codec agrees). */
function checkChunk(chunk: number, references: readonly Reference[], bits: Uint32Array, got: readonly Uint8Array[]): string[] {
  const values = new Float32Array(bits.buffer);
  for (let i = 0; i < CHUNK; i++) bits[i] = chunk * CHUNK + i;
  const bad: string[] = [];
  for (const [k, f] of FORMATS.entries()) {
    MODES.forEach((mode, j) => encodeFp8(values, f.name, mode, got[j]));
    const ref = references[k]!;
    const [saturated, torch] = got as [Uint8Array, Uint8Array];
    for (let i = 0; i < CHUNK && bad.length < 10; i++) {
      const sign = (bits[i]! >>> 24) & 0x80;
      const m = ref.magnitude(values[i]!);
      if (saturated[i] === ref.byte(sign, m, 'saturate') && torch[i] === ref.byte(sign, m, 'torch')) continue;
      for (const [j, mode] of MODES.entries()) {
        const want = ref.byte(sign, m, mode);
        if (got[j]![i] !== want) bad.push(`${f.name} ${mode} (${hex(bits[i]!, 8)} = ${values[i]}): codec ${hex(got[j]![i]!, 2)}, reference ${hex(want, 2)}`);
      }
    }
  }
  return bad;
}

interface ChunkResult {
  readonly chunk: number;
  readonly bad: readonly string[];
}

/** A worker: checks chunks first + index, first + index + stride, ... through last, posting each result. */
function work({ first, last, index, stride }: { first: number; last: number; index: number; stride: number }): void {
  const references = FORMATS.map((f) => new Reference(f));
  const bits = new Uint32Array(CHUNK);
  const got = MODES.map(() => new Uint8Array(CHUNK));
  for (let chunk = first + index; chunk <= last; chunk += stride) parentPort!.postMessage({ chunk, bad: checkChunk(chunk, references, bits, got) } satisfies ChunkResult);
}

async function main(): Promise<number> {
  const { first, last, workers } = parseArgs(process.argv.slice(2));
  const total = last - first + 1;
  console.log(`fp8 casts of all f32 bit patterns on the CPU codec, chunks ${first}-${last} of ${CHUNKS} (2^${CHUNK_LOG2} patterns each), ${workers} worker(s)`);
  const start = performance.now();
  const pool = Array.from({ length: workers }, (_, index) => new Worker(new URL(import.meta.url), { workerData: { first, last, index, stride: workers } }));
  let done = 0;
  const failure = await new Promise<string | undefined>((resolve, reject) => {
    for (const w of pool) {
      w.on('error', reject);
      w.on('message', ({ chunk, bad }: ChunkResult) => {
        if (bad.length > 0) return resolve(`MISMATCH in chunk ${chunk}:\n  ${bad.join('\n  ')}`);
        if (++done % 16 === 0 || done === total) console.log(`  ${done}/${total} chunks agree, ${((performance.now() - start) / 1000).toFixed(1)} s`);
        if (done === total) resolve(undefined);
      });
    }
  });
  await Promise.all(pool.map((w) => w.terminate()));
  if (failure !== undefined) {
    console.error(failure);
    return 1;
  }
  const patterns = total * CHUNK;
  console.log(`OK: ${patterns} patterns x ${FORMATS.length * MODES.length} casts agree with the reference in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return 0;
}

if (isMainThread) process.exitCode = await main();
else work(workerData);
