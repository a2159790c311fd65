// The WGSL f32 arithmetic on integers (wgsl-f32-arithmetic.ts) against JavaScript, bit for bit: a · b, a + b and
// a / b against Math.fround of the float64 result (a float64 +, ·, / of two f32 values rounded to f32 is the
// correctly rounded f32 result: 53 >= 2·24 + 2), and the scaled 64-bit integer conversion against an exact one, on
// operand pairs built to reach every path: specials, subnormal operands and results, overflow, cancellation, every
// exponent distance, rounding ties. One shader for all four functions.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wgslNumerics } from '../../../src/backends/webgpu/index.js';
import { f32Bits, f32FromBits } from '../../../src/numerics/f32-bits.js';
import { mulberry32Bits } from '../../../src/numerics/index.js';
import { GpuJobRunner, type GpuJob } from '../../support/gpu-job.js';
import { useWebGpu } from '../../support/webgpu.js';
import { SPECIAL_BITS } from './encode-inputs.js';

const gpu = useWebGpu();
const BATCH = 1 << 16;
const WORKGROUP = 64;
const QUIET_NAN = 0x7fc00000;


/** Operand pairs (bits): random patterns, specials, close exponents, near-cancellations, tiny and huge magnitudes. */
function operandPairs(seed: number, n: number): { a: Uint32Array; b: Uint32Array } {
  const next = mulberry32Bits(seed);
  const a = new Uint32Array(n);
  const b = new Uint32Array(n);
  const withExponent = (e: number) => ((next() & 0x807fffff) | (Math.max(0, Math.min(254, e)) << 23)) >>> 0;
  for (let i = 0; i < n; i++) {
    const x = next();
    switch (i % 8) {
      case 0: // any bits
        [a[i], b[i]] = [x, next()];
        break;
      case 1: // a special against anything
        [a[i], b[i]] = [SPECIAL_BITS[x % SPECIAL_BITS.length]!, i % 16 === 1 ? SPECIAL_BITS[next() % SPECIAL_BITS.length]! : next()];
        break;
      case 2: // exponents at every distance 0..40
        a[i] = withExponent(1 + (x % 253));
        b[i] = withExponent(((a[i]! >>> 23) & 0xff) - (next() % 41));
        break;
      case 3: // near cancellation: b = -a give or take a few ulps
        a[i] = x;
        b[i] = ((x ^ 0x80000000) + (next() % 9) - 4) >>> 0;
        break;
      case 4: // subnormal and tiny normal operands
        [a[i], b[i]] = [x & 0x80ffffff, next() & 0x80ffffff];
        break;
      case 5: // products and quotients near the subnormal range and near overflow
        a[i] = withExponent(x % 2 ? 20 + (next() % 60) : 190 + (next() % 64));
        b[i] = withExponent(x % 4 < 2 ? 20 + (next() % 60) : 190 + (next() % 64));
        break;
      case 6: // short significands: exact results and ties
        [a[i], b[i]] = [(x & 0xfff00000) >>> 0, next() & 0xffc00000];
        break;
      default: // ordinary magnitudes
        [a[i], b[i]] = [withExponent(100 + (x % 56)), withExponent(100 + (next() % 56))];
    }
  }
  return { a, b };
}

const JOB_WGSL = `@group(0) @binding(0) var<storage, read> a: array<u32>;
@group(0) @binding(1) var<storage, read> b: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
struct Params {
  n: u32,
}
@group(0) @binding(3) var<uniform> params: Params;

${wgslNumerics(['f32_mul', 'f32_add', 'f32_div', 'f32_from_i64_scaled'])}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = ((wid.z * nwg.y + wid.y) * nwg.x + wid.x) * ${WORKGROUP}u + lid;
  let n = params.n;
  if (i >= n) {
    return;
  }
  out[i] = f32_mul(a[i], b[i]);
  out[n + i] = f32_add(a[i], b[i]);
  out[2u * n + i] = f32_div(a[i], b[i]);
  // a:b as a 64-bit integer (a the high word), scaled by 2^e for e = (b mod 256) - 200.
  out[3u * n + i] = f32_from_i64_scaled(a[i], b[i], i32(b[i] & 255u) - 200);
}
`;

const bytesOf = (x: Uint32Array): Uint8Array => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);

function job(a: Uint32Array, b: Uint32Array): GpuJob {
  return {
    label: 'f32 arithmetic',
    wgsl: JOB_WGSL,
    buffers: [
      { kind: 'storage', data: bytesOf(a) },
      { kind: 'storage', data: bytesOf(b) },
      { kind: 'storage', byteLength: 16 * a.length, read: true },
      { kind: 'uniform', data: bytesOf(Uint32Array.of(a.length, 0, 0, 0)) },
    ],
    workgroups: Math.ceil(a.length / WORKGROUP),
  };
}

/** The f32 bits nearest to the 64-bit two's complement integer hi:lo times 2^e, exactly (BigInt, then one rounding). */
function i64Scaled(hi: number, lo: number, e: number): number {
  let v = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  const sign = v < 0n ? 0x80000000 : 0;
  if (v < 0n) v = -v;
  if (v === 0n) return sign;
  // Keep 26 significant bits and a sticky bit, then the float64 value of that is exact and rounds once to f32.
  const extra = Math.max(v.toString(2).length - 26, 0);
  const sticky = (v & ((1n << BigInt(extra)) - 1n)) !== 0n ? 1n : 0n;
  const kept = (v >> BigInt(extra)) | sticky;
  const magnitude = f32Bits(Math.fround(Number(kept) * 2 ** (e + extra)));
  return (sign | magnitude) >>> 0;
}

const OPS: readonly { name: string; cpu: (a: number, b: number) => number }[] = [
  { name: 'f32_mul', cpu: (a, b) => f32Bits(Math.fround(f32FromBits(a) * f32FromBits(b))) },
  { name: 'f32_add', cpu: (a, b) => f32Bits(Math.fround(f32FromBits(a) + f32FromBits(b))) },
  { name: 'f32_div', cpu: (a, b) => f32Bits(Math.fround(f32FromBits(a) / f32FromBits(b))) },
  { name: 'f32_from_i64_scaled', cpu: (a, b) => i64Scaled(a, b, (b & 255) - 200) },
];

const isNaNBits = (x: number): boolean => (x & 0x7fffffff) > 0x7f800000;
const hex = (x: number): string => `0x${(x >>> 0).toString(16).padStart(8, '0')}`;

function mismatches(a: Uint32Array, b: Uint32Array, got: Uint32Array): string[] {
  const n = a.length;
  const bad: string[] = [];
  OPS.forEach(({ name, cpu }, k) => {
    for (let i = 0; i < n && bad.length < 12; i++) {
      const want = cpu(a[i]!, b[i]!);
      const g = got[k * n + i]!;
      // NaN results must be the quiet NaN the functions promise.
      if (g === want || (isNaNBits(want) && g === QUIET_NAN)) continue;
      if (name === 'f32_from_i64_scaled' && (a[i]! | 0) === -(2 ** 31) && b[i] === 0) continue; // |v| = 2^63 is outside the contract
      bad.push(`${name}(${hex(a[i]!)}, ${hex(b[i]!)}): got ${hex(g)}, expected ${hex(want)}`);
    }
  });
  return bad;
}

describe('correctly rounded f32 arithmetic in WGSL', () => {
  it(`mul, add, div and the scaled i64 conversion match JavaScript bit for bit on batches of ${BATCH} operand pairs`, async () => {
    const runner = new GpuJobRunner(gpu());
    await fc.assert(
      fc.asyncProperty(fc.integer(), async (seed) => {
        const { a, b } = operandPairs(seed, BATCH);
        const out = (await runner.run(job(a, b)))[2]!;
        expect(mismatches(a, b, new Uint32Array(out.buffer, out.byteOffset, 4 * BATCH))).toEqual([]);
      }),
      { numRuns: 8, endOnFailure: true },
    );
  });

  it('every pair of specials', async () => {
    const pairs = SPECIAL_BITS.flatMap((x) => SPECIAL_BITS.map((y) => [x, y] as const));
    const a = Uint32Array.from(pairs, ([x]) => x);
    const b = Uint32Array.from(pairs, ([, y]) => y);
    const out = (await new GpuJobRunner(gpu()).run(job(a, b)))[2]!;
    expect(mismatches(a, b, new Uint32Array(out.buffer, out.byteOffset, 4 * a.length))).toEqual([]);
  });
});
