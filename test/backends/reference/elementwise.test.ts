// Elementwise primitives against naive definitions written here: floats through the independent rounding grid,
// i32 through BigInt, on generated shapes and values (NaN, ±inf, ±0, subnormals, f16/bf16 bit patterns).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType, TensorData } from '../../../src/ir/index.js';
import {
  encodeF32,
  expectSameBits,
  expectSameTensor,
  f32FromBits,
  maxOf,
  minOf,
  roundedValue,
  runOp,
  storageBitsOf,
  tensorArb,
  tensorOf,
  tensorsArb,
  ulp,
  valueAt,
} from './harness.js';

type FloatD = 'f32' | 'f16' | 'bf16';
const FLOATS: FloatD[] = ['f32', 'f16', 'bf16'];
const RUNS = { numRuns: 40 };

/** A float op computed as for f32 (one rounding from the exact or double result), then rounded to the dtype. */
const viaF32 = (exact: number, d: DType): number => encodeF32(roundedValue(exact, 'f32'), d);


const FLOAT_UNARY: Record<string, (x: number) => number> = {
  sqrt: Math.sqrt,
  recip: (x) => 1 / x,
  floor: Math.floor,
  ceil: Math.ceil,
};

const TRANSCENDENTAL: Record<string, (x: number) => number> = {
  exp: Math.exp,
  exp2: (x) => Math.pow(2, x),
  log: Math.log,
  log2: Math.log2,
  sin: Math.sin,
  cos: Math.cos,
};

const FLOAT_BINARY: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: maxOf,
  min: minOf,
};

const wrap = (x: bigint): number => Number(BigInt.asIntN(32, x));
const I32_UNARY: Record<string, (x: number) => number> = {
  neg: (x) => wrap(-BigInt(x)),
  abs: (x) => wrap(x < 0 ? -BigInt(x) : BigInt(x)),
};
const I32_BINARY: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => wrap(BigInt(a) + BigInt(b)),
  sub: (a, b) => wrap(BigInt(a) - BigInt(b)),
  mul: (a, b) => wrap(BigInt(a) * BigInt(b)),
  div: (a, b) => (b === 0 ? a : wrap(BigInt(a) / BigInt(b))),
  mod: (a, b) => (b === 0 ? 0 : wrap(BigInt(a) % BigInt(b))),
  max: (a, b) => (a > b ? a : b),
  min: (a, b) => (a < b ? a : b),
};

const COMPARISONS: Record<string, (a: number, b: number) => boolean> = {
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
};

/** The expected tensor: `f` maps operand values (decoded) to a storage element of `dtype`. */
function expected(dtype: DType, operands: readonly TensorData[], f: (...xs: number[]) => number): TensorData {
  const n = operands[0]!.data.length;
  return tensorOf(dtype, operands[0]!.shape, Array.from({ length: n }, (_, i) => f(...operands.map((t) => valueAt(t, i)))));
}

describe('float unary ops', () => {
  for (const [op, f] of Object.entries(FLOAT_UNARY)) {
    it.each(FLOATS)(`${op} %s`, (d) => {
      fc.assert(
        fc.property(tensorsArb(d, 1), ([x]) => {
          expectSameTensor(runOp(op, [x!]), expected(d, [x!], (v) => viaF32(f(v), d)));
        }),
        RUNS,
      );
    });
  }
});

describe('neg and abs act on the sign bit (zeros and NaNs included)', () => {
  const SIGN: Record<FloatD, number> = { f32: 0x80000000, f16: 0x8000, bf16: 0x8000 };
  it.each(FLOATS)('%s', (d) => {
    fc.assert(
      fc.property(tensorsArb(d, 1), ([x]) => {
        const sign = SIGN[d];
        expect(storageBitsOf(runOp('neg', [x!]))).toEqual(storageBitsOf(x!).map((b) => (b ^ sign) >>> 0));
        expect(storageBitsOf(runOp('abs', [x!]))).toEqual(storageBitsOf(x!).map((b) => (b & ~sign) >>> 0));
      }),
      RUNS,
    );
  });
});

describe('transcendentals: within one ulp of the float64 function', () => {
  const maxFinite: Record<FloatD, number> = { f32: 3.4028234663852886e38, f16: 65504, bf16: 3.3895313892515355e38 };
  for (const [op, f] of Object.entries(TRANSCENDENTAL)) {
    it.each(FLOATS)(`${op} %s`, (d) => {
      fc.assert(
        fc.property(tensorsArb(d, 1), ([x]) => {
          const got = runOp(op, [x!]);
          for (let i = 0; i < x!.data.length; i++) {
            const [a, e] = [valueAt(got, i), f(valueAt(x!, i))];
            const overflow = !Number.isFinite(a) && Math.abs(e) >= maxFinite[d] && Math.sign(a) === Math.sign(e);
            const ok = Object.is(a, e) || (a !== a && e !== e) || overflow || Math.abs(a - e) <= ulp(e, d);
            expect(ok, `${op}(${valueAt(x!, i)}) = ${a}, float64 gives ${e}`).toBe(true);
          }
        }),
        RUNS,
      );
    });
  }

  it('exp2 of every integer with an f32 result is exactly 2^n, and log2 of it gives n back', () => {
    const n = Array.from({ length: 277 }, (_, i) => i - 149);
    const powers = runOp('exp2', [tensorOf('f32', [n.length], n)]);
    expect(Array.from(powers.data)).toEqual(n.map((k) => 2 ** k));
    expect(Array.from(runOp('log2', [powers]).data)).toEqual(n);
  });
});

describe('float binary ops', () => {
  for (const [op, f] of Object.entries(FLOAT_BINARY)) {
    it.each(FLOATS)(`${op} %s`, (d) => {
      fc.assert(
        fc.property(tensorsArb(d, 2), ([a, b]) => {
          expectSameTensor(runOp(op, [a!, b!]), expected(d, [a!, b!], (x, y) => viaF32(f(x, y), d)));
        }),
        RUNS,
      );
    });
  }

  it('max/min order the zeros and propagate NaN', () => {
    const a = tensorOf('f32', [4], [0, -0, NaN, 1]);
    const b = tensorOf('f32', [4], [-0, 0, 1, NaN]);
    expectSameTensor(runOp('max', [a, b]), tensorOf('f32', [4], [0, 0, NaN, NaN]));
    expectSameTensor(runOp('min', [a, b]), tensorOf('f32', [4], [-0, -0, NaN, NaN]));
  });
});

describe('i32 ops wrap and follow the division rules', () => {
  for (const [op, f] of Object.entries(I32_UNARY)) {
    it(op, () => {
      fc.assert(fc.property(tensorsArb('i32', 1), ([x]) => expectSameTensor(runOp(op, [x!]), expected('i32', [x!], f))), RUNS);
    });
  }
  for (const [op, f] of Object.entries(I32_BINARY)) {
    it(op, () => {
      fc.assert(fc.property(tensorsArb('i32', 2), ([a, b]) => expectSameTensor(runOp(op, [a!, b!]), expected('i32', [a!, b!], f))), RUNS);
    });
  }

  it('handles the edge cases named in the spec', () => {
    const min = -(2 ** 31);
    const a = tensorOf('i32', [4], [min, 7, -7, min]);
    const b = tensorOf('i32', [4], [-1, 0, 2, -1]);
    expect(Array.from(runOp('div', [a, b]).data)).toEqual([min, 7, -3, min]);
    expect(Array.from(runOp('mod', [a, b]).data)).toEqual([0, 0, -1, 0]);
    expect(Array.from(runOp('neg', [a]).data)).toEqual([min, -7, 7, min]);
    expect(Array.from(runOp('abs', [a]).data)).toEqual([min, 7, 7, min]);
  });
});

describe('comparisons give bool', () => {
  for (const [op, f] of Object.entries(COMPARISONS)) {
    it.each<DType>(['f32', 'f16', 'bf16', 'i32', 'u8', 'bool'])(`${op} %s`, (d) => {
      fc.assert(
        fc.property(tensorsArb(d, 2), ([a, b]) => expectSameTensor(runOp(op, [a!, b!]), expected('bool', [a!, b!], (x, y) => (f(x, y) ? 1 : 0)))),
        RUNS,
      );
    });
  }
});

describe('logical ops', () => {
  it.each([
    ['not', (x: number) => (x ? 0 : 1)],
    ['and', (x: number, y: number) => (x && y ? 1 : 0)],
    ['or', (x: number, y: number) => (x || y ? 1 : 0)],
  ] as const)('%s', (op, f) => {
    const arity = f.length;
    fc.assert(
      fc.property(tensorsArb('bool', arity), (xs) => expectSameTensor(runOp(op, xs), expected('bool', xs, f as (...v: number[]) => number))),
      RUNS,
    );
  });
});

describe('where', () => {
  it.each<DType>(['f32', 'f16', 'bf16', 'f8e4m3fn', 'i32', 'u8', 'bool'])('selects bit for bit (%s)', (d) => {
    fc.assert(
      fc.property(
        tensorsArb(d, 2).chain(([a, b]) => tensorArb('bool', a!.shape).map((c) => [c, a!, b!] as const)),
        ([c, a, b]) => {
          const want = tensorOf(d, a.shape, Array.from(c.data, (ci, i) => (ci ? a.data[i]! : b.data[i]!)));
          expectSameBits(runOp('where', [c, a, b]), want);
        },
      ),
      RUNS,
    );
  });

  it('keeps f32 NaN payloads and signs', () => {
    const payloads = [0x7fc00001, 0xffa00000, 0x7f800001, 0x80000000];
    const a = f32FromBits([4], payloads);
    const b = f32FromBits([4], [0, 0, 0, 0]);
    expectSameBits(runOp('where', [tensorOf('bool', [4], [1, 1, 1, 1]), a, b]), a);
  });
});

describe('narrow floats compute in f32 and round once to their dtype', () => {
  it('f16 add rounds the f32 sum (2048 + 1 is a tie that stays at 2048)', () => {
    const a = tensorOf('f16', [2], [encodeF32(2048, 'f16'), encodeF32(65504, 'f16')]);
    const b = tensorOf('f16', [2], [encodeF32(1, 'f16'), encodeF32(32, 'f16')]);
    const got = runOp('add', [a, b]);
    expect([valueAt(got, 0), valueAt(got, 1)]).toEqual([2048, Infinity]);
  });
});
