// Cases for `cast`: from every dtype to every other (both fp8 modes), bit for bit. Sources of up to 16 bits take
// every code; f32 takes the rounding points of every narrow format (each code, each midpoint between neighbours and
// the floats either side of it), the integer saturation edges, and random bit patterns.

import { isFp8, tensorData, type DType, type TensorData, type Value } from '../../ir/index.js';
import { decodeToF32, type Fp8CastMode } from '../../numerics/index.js';
import { conformanceCase, type ConformanceCase } from '../case.js';
import { allCodes, Rng, seedOf } from '../data.js';

const DTYPES: readonly DType[] = ['f32', 'f16', 'bf16', 'f8e4m3fn', 'f8e5m2', 'i32', 'u8', 'bool'];

/** The f32 values on either side of x (x itself included). */
function around(x: number): number[] {
  const bits = new Uint32Array(new Float32Array([x]).buffer)[0]!;
  const f = new Float32Array(new Uint32Array([bits - 1, bits, bits + 1]).buffer);
  return Array.from(f);
}

/** Every code of `dtype`, the midpoints between consecutive positive codes, and their neighbours, with both signs. */
function roundingPoints(dtype: DType, stride = 1): number[] {
  const values = Array.from(decodeToF32(allCodes(dtype).data, dtype)).filter((v) => Number.isFinite(v) && v >= 0);
  values.sort((a, b) => a - b);
  const points: number[] = [];
  for (let i = 0; i + 1 < values.length; i += stride) points.push(...around(values[i]!), ...around((values[i]! + values[i + 1]!) / 2));
  const top = values[values.length - 1]!;
  points.push(...around(top), ...around(top * 1.0625), ...around(top * 2));
  return points.flatMap((v) => [v, -v]);
}

function f32Sources(): TensorData {
  const rng = new Rng(seedOf('cast f32 random bits'));
  const integerEdges = [2 ** 31, 2 ** 31 - 128, -(2 ** 31), -(2 ** 31) - 256, 255, 255.5, 256, -0.5, 0.99, -1.5].flatMap(around);
  const specials = [0, -0, Infinity, -Infinity, NaN, 2 ** -149, -(2 ** -149), 2 ** -126];
  const randomBits = new Float32Array(new Uint32Array(Array.from({ length: 8192 }, () => rng.int(2 ** 32))).buffer);
  const values = [
    ...roundingPoints('f8e4m3fn'),
    ...roundingPoints('f8e5m2'),
    ...roundingPoints('f16', 61),
    ...roundingPoints('bf16', 53),
    ...integerEdges,
    ...specials,
    ...randomBits,
  ];
  return tensorData('f32', [values.length], Float32Array.from(values));
}

function sourcesOf(dtype: DType): TensorData {
  if (dtype === 'f32') return f32Sources();
  if (dtype === 'i32') {
    const rng = new Rng(seedOf('cast i32 sources'));
    const edges = [0, 1, -1, 255, 256, -256, 2 ** 24 + 1, -(2 ** 24) - 3, 2 ** 31 - 1, -(2 ** 31), 16777217, 2147483520];
    const values = [...edges, ...Array.from({ length: 4096 }, () => rng.int(2 ** 32) | 0)];
    return tensorData('i32', [values.length], Int32Array.from(values));
  }
  if (dtype === 'bool') return tensorData('bool', [2], Uint8Array.from([0, 1]));
  return allCodes(dtype);
}

interface CastTarget {
  readonly name: string;
  readonly dtype: DType;
  readonly mode?: Fp8CastMode;
}

const targets = (from: DType): CastTarget[] =>
  DTYPES.filter((d) => d !== from).flatMap((dtype): CastTarget[] =>
    isFp8(dtype) ? (['saturate', 'torch'] as const).map((mode) => ({ name: `${dtype}_${mode}`, dtype, mode })) : [{ name: dtype, dtype }],
  );

const castCase = (from: DType): ConformanceCase =>
  conformanceCase(
    `cast from ${from}`,
    (s) => {
      const sources = sourcesOf(from);
      const x = s.input('x', from, sources.shape, sources);
      return Object.fromEntries(targets(from).map((t): [string, Value] => [t.name, s.b.op('cast', [x], t.mode ? { dtype: t.dtype, mode: t.mode } : { dtype: t.dtype })]));
    },
    // The quick pass takes the sources with rounding to do: f32, and every code of bf16 and of both fp8 formats.
    { nanBits: true, quick: from === 'f32' || from === 'bf16' || isFp8(from) },
  );

export const CAST_CASES: readonly ConformanceCase[] = DTYPES.map(castCase);
