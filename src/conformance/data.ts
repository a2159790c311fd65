// Deterministic test data for conformance cases: a seeded generator, and element mixes per dtype that reach the
// cases where backends differ (signed zeros, infinities, NaN, subnormals, the edges of each format's range).

import { allocStorage, isFloat, numel, tensorData, type DType, type Shape, type TensorData } from '../ir/index.js';
import { encodeFloats, mulberry32 } from '../numerics/index.js';

/** Seeded draws (mulberry32). */
export class Rng {
  /** Uniform in [0, 1). */
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(options: readonly T[]): T {
    return options[this.int(options.length)]!;
  }
}

/** A seed from a case name, so each case's data stays the same when other cases change. */
export function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * plain: in [-4, 4], a quarter of them on the half-integer grid (exact in every float format, ties for rounding);
 * positive: magnitudes spread over 2^-20 .. 2^20; unit: in (-1, 1); specials: plain with one element in four
 * a special value (±0, ±inf, NaN, subnormals, the largest finite values of the narrow formats).
 */
export type Mix = 'plain' | 'positive' | 'unit' | 'specials';

const SPECIALS = [0, -0, Infinity, -Infinity, NaN, 2 ** -149, -(2 ** -130), 1e-40, 3.4028234663852886e38, -65504, 448, -57344, 464, 2 ** -126];

function floatElement(rng: Rng, mix: Mix): number {
  switch (mix) {
    case 'positive':
      return 2 ** (rng.next() * 40 - 20);
    case 'unit':
      return rng.next() * 2 - 1;
    case 'specials':
      if (rng.int(4) === 0) return rng.pick(SPECIALS);
      return floatElement(rng, 'plain');
    default:
      return rng.int(4) === 0 ? (rng.int(17) - 8) / 2 : rng.next() * 8 - 4;
  }
}

function intElement(rng: Rng, mix: Mix): number {
  if (mix === 'specials' && rng.int(4) === 0) return rng.pick([-(2 ** 31), 2 ** 31 - 1, 0, -1]);
  if (mix === 'positive') return rng.int(100);
  return rng.int(4) === 0 ? rng.int(2 ** 32) | 0 : rng.int(17) - 8;
}

/** A tensor of `dtype` and `shape` whose elements are drawn from `mix` (narrow floats round from f32, saturating). */
export function randomTensor(rng: Rng, dtype: DType, shape: Shape, mix: Mix = 'plain'): TensorData {
  const n = numel(shape);
  if (isFloat(dtype)) return tensorData(dtype, shape, encodeFloats(Float32Array.from({ length: n }, () => floatElement(rng, mix)), dtype, 'saturate'));
  const data = allocStorage(dtype, n);
  for (let i = 0; i < n; i++) data[i] = dtype === 'i32' ? intElement(rng, mix) : rng.int(dtype === 'bool' ? 2 : 256);
  return tensorData(dtype, shape, data);
}

/** Every code of a narrow format (or every u8), in order. */
export function allCodes(dtype: DType): TensorData {
  const n = dtype === 'f16' || dtype === 'bf16' ? 65536 : 256;
  const data = allocStorage(dtype, n);
  for (let i = 0; i < n; i++) data[i] = i;
  return tensorData(dtype, [n], data);
}
