// Algebraic laws the shape rules obey: broadcasting is a commutative, associative, idempotent operation with the
// scalar shape as identity; permutations compose; reshapes, slices and pads undo each other.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { broadcastShapes, numel, type Shape, type TensorType } from '../../src/ir/index.js';
import { typeOf } from '../support/type-of.js';
import { shapeOf } from '../support/valid-op-cases.js';

const f32 = (shape: Shape): TensorType => ({ dtype: 'f32', shape });

/** Shapes that often broadcast together: a base shape with some dimensions set to 1 and some leading ones dropped. */
const relatedShapes = (count: number) =>
  shapeOf(0, 4, 1).chain((base) =>
    fc.tuple(
      ...Array.from({ length: count }, () =>
        fc.tuple(fc.nat(base.length), fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }), fc.boolean()).chain(([drop, ones, unrelated]) =>
          unrelated ? shapeOf(0, 4, 1) : fc.constant(base.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d))),
        ),
      ),
    ),
  );

const permutation = (rank: number) => fc.shuffledSubarray([...Array(rank).keys()], { minLength: rank, maxLength: rank });

describe('broadcastShapes', () => {
  test('is commutative', () => {
    fc.assert(fc.property(relatedShapes(2), ([a, b]) => void expect(broadcastShapes(a, b)).toEqual(broadcastShapes(b, a))));
  });

  test('is associative', () => {
    fc.assert(
      fc.property(relatedShapes(3), ([a, b, c]) => {
        const ab = broadcastShapes(a, b);
        const bc = broadcastShapes(b, c);
        expect(ab && broadcastShapes(ab, c)).toEqual(bc && broadcastShapes(a, bc));
      }),
    );
  });

  test('has the scalar shape as identity and is idempotent', () => {
    fc.assert(
      fc.property(shapeOf(), (a) => {
        expect(broadcastShapes(a, [])).toEqual(a);
        expect(broadcastShapes(a, a)).toEqual(a);
      }),
    );
  });

  test('gives a shape each operand reaches with reshape (leading 1s) and the broadcast op', () => {
    fc.assert(
      fc.property(relatedShapes(2), ([a, b]) => {
        const out = broadcastShapes(a, b);
        fc.pre(out !== undefined);
        for (const s of [a, b]) {
          const lifted = typeOf('reshape', [f32(s)], { shape: [...Array(out!.length - s.length).fill(1), ...s] });
          expect(typeOf('broadcast', [lifted], { shape: out! })).toEqual(f32(out!));
        }
      }),
    );
  });

  test('fails exactly when two aligned dimensions differ and neither is 1', () => {
    fc.assert(
      fc.property(relatedShapes(2), ([a, b]) => {
        const rank = Math.max(a.length, b.length);
        const clash = [...Array(rank).keys()].some((i) => {
          const [da, db] = [a[a.length - rank + i] ?? 1, b[b.length - rank + i] ?? 1];
          return da !== db && da !== 1 && db !== 1;
        });
        expect(broadcastShapes(a, b) === undefined).toBe(clash);
      }),
    );
  });
});

describe('movement ops', () => {
  test('permute of permute is permute by the composed permutation', () => {
    const arb = shapeOf().chain((s) => fc.tuple(fc.constant(s), permutation(s.length), permutation(s.length)));
    fc.assert(
      fc.property(arb, ([s, p, q]) => {
        const twice = typeOf('permute', [typeOf('permute', [f32(s)], { perm: p })], { perm: q });
        expect(twice).toEqual(typeOf('permute', [f32(s)], { perm: q.map((j) => p[j]!) }));
      }),
    );
  });

  test('permute by the inverse permutation restores the shape', () => {
    const arb = shapeOf().chain((s) => fc.tuple(fc.constant(s), permutation(s.length)));
    fc.assert(
      fc.property(arb, ([s, p]) => {
        const inverse = p.map((_, i) => p.indexOf(i));
        expect(typeOf('permute', [typeOf('permute', [f32(s)], { perm: p })], { perm: inverse })).toEqual(f32(s));
      }),
    );
  });

  test('reshape round trips and keeps the element count', () => {
    const arb = shapeOf().chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length })));
    fc.assert(
      fc.property(arb, ([s, shuffled]) => {
        const flat = typeOf('reshape', [f32(s)], { shape: [numel(s)] });
        const there = typeOf('reshape', [flat], { shape: shuffled });
        expect(numel(there.shape)).toBe(numel(s));
        expect(typeOf('reshape', [there], { shape: [...s] })).toEqual(f32(s));
      }),
    );
  });

  test('slicing everything with step 1 is the identity; pad then slice the interior restores the shape', () => {
    const arb = shapeOf().chain((s) => fc.tuple(fc.constant(s), fc.array(fc.nat(3), { minLength: s.length, maxLength: s.length })));
    fc.assert(
      fc.property(arb, ([s, lo]) => {
        const all = { starts: s.map(() => 0), ends: [...s], steps: s.map(() => 1) };
        expect(typeOf('slice', [f32(s)], all)).toEqual(f32(s));
        const padded = typeOf('pad', [f32(s)], { lo, hi: lo, value: 0 });
        expect(typeOf('slice', [padded], { starts: lo, ends: s.map((d, i) => lo[i]! + d), steps: s.map(() => 1) })).toEqual(f32(s));
      }),
    );
  });

  test('concatenating the pieces of a split restores the shape', () => {
    const arb = shapeOf(1, 4, 1).chain((s) => fc.tuple(fc.constant(s), fc.nat(s.length - 1)).chain(([s, axis]) => fc.tuple(fc.constant(s), fc.constant(axis), fc.nat(s[axis]!))));
    fc.assert(
      fc.property(arb, ([s, axis, cut]) => {
        const piece = (start: number, end: number) =>
          typeOf('slice', [f32(s)], { starts: s.map((_, i) => (i === axis ? start : 0)), ends: s.map((d, i) => (i === axis ? end : d)), steps: s.map(() => 1) });
        expect(typeOf('concat', [piece(0, cut), piece(cut, s[axis]!)], { axis })).toEqual(f32(s));
      }),
    );
  });

  test('take along an axis with every index keeps the shape', () => {
    const arb = shapeOf(1).chain((s) => fc.tuple(fc.constant(s), fc.nat(s.length - 1)));
    fc.assert(
      fc.property(arb, ([s, axis]) => {
        expect(typeOf('take', [f32(s), { dtype: 'i32', shape: [s[axis]!] }], { axis })).toEqual(f32(s));
      }),
    );
  });
});

describe('reductions and contractions', () => {
  test('reducing with keepdims then dropping the kept axes equals reducing without', () => {
    const arb = shapeOf(1).chain((s) => fc.tuple(fc.constant(s), fc.subarray([...s.keys()], { minLength: 1 })));
    fc.assert(
      fc.property(arb, ([s, axes]) => {
        const kept = typeOf('reduce_sum', [f32(s)], { axes, keepdims: true });
        const dropped = typeOf('reduce_sum', [f32(s)], { axes, keepdims: false });
        expect(typeOf('reshape', [kept], { shape: [...dropped.shape] })).toEqual(dropped);
        expect(numel(kept.shape)).toBe(numel(dropped.shape));
      }),
    );
  });

  test('matmul shapes are associative: (AB)C and A(BC) agree', () => {
    const d = fc.integer({ min: 0, max: 5 });
    fc.assert(
      fc.property(shapeOf(0, 2), d, d, d, d, (batch, m, k, n, p) => {
        const [a, b, c] = [f32([...batch, m, k]), f32([...batch, k, n]), f32([...batch, n, p])];
        expect(typeOf('matmul', [typeOf('matmul', [a, b]), c])).toEqual(typeOf('matmul', [a, typeOf('matmul', [b, c])]));
      }),
    );
  });
});
