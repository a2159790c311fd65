// The elementwise entries (src/ir/ops/elementwise.ts) are data the compiler trusts: each entry's scalar semantics
// must cover every dtype it accepts, and each algebraic fact it states must hold, bit for bit, on the special
// values of every such dtype (signed zeros, infinities, NaN, subnormals, integer extremes).

import { describe, expect, expectTypeOf, it } from 'vitest';
import { ELEMENTWISE_OPS, evaluateElementwise, isFloat, PRIMITIVES, type DType, type ElementwiseDef, type ElementwiseOpAccepting } from '../../src/ir/index.js';
import { roundToDType } from '../../src/numerics/index.js';

const F32_SPECIALS = [0, -0, 1, -1, 0.5, 3, -2.75, 1e-40, -(2 ** -149), 3.4e38, -3.4e38, Infinity, -Infinity, NaN];

/** Special values of dtype `d`, each a value of that dtype. */
function specials(d: DType): number[] {
  if (isFloat(d)) return [...new Set(F32_SPECIALS.map((x) => roundToDType(Math.fround(x), d)))];
  if (d === 'i32') return [0, 1, -1, 7, -13, 2 ** 31 - 1, -(2 ** 31)];
  if (d === 'u8') return [0, 1, 200, 255];
  return [0, 1];
}

const INTEGER_RANGES: Readonly<Partial<Record<DType, readonly [number, number]>>> = { i32: [-(2 ** 31), 2 ** 31 - 1], u8: [0, 255], bool: [0, 1] };

/** Whether v is a value of dtype d (so -0 is no integer's value). */
function isValueOf(v: number, d: DType): boolean {
  if (isFloat(d)) return Object.is(roundToDType(v, d), v);
  const [lo, hi] = INTEGER_RANGES[d]!;
  return Object.is(v, v | 0) && v >= lo && v <= hi;
}

const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

const elementwiseOps = ELEMENTWISE_OPS.filter((d) => d.family !== 'ternary');
const cases = elementwiseOps.flatMap((def) => def.dtypes.map((dtype) => ({ def, dtype, name: `${def.name} on ${dtype}` })));

/** Every pair (or single value) of specials of `dtype`. */
const operandTuples = (def: ElementwiseDef, dtype: DType): number[][] =>
  def.family === 'unary' ? specials(dtype).map((a) => [a]) : specials(dtype).flatMap((a) => specials(dtype).map((b) => [a, b]));

describe('elementwise entries', () => {
  it('are the primitives of their families, under their names', () => {
    for (const def of ELEMENTWISE_OPS) expect(PRIMITIVES.get(def.name)).toBe(def);
    expect(ELEMENTWISE_OPS.map((d) => d.family)).toEqual(expect.arrayContaining(['unary', 'binary', 'ternary']));
  });

  it.each(cases)('$name: the scalar semantics give a value of the result dtype for every special operand', ({ def, dtype }) => {
    for (const args of operandTuples(def, dtype)) {
      const r = evaluateElementwise(def, dtype, args);
      if (def.result === 'bool') expect([0, 1], `${def.name}(${args})`).toContain(r);
      else expect(isValueOf(r, dtype) || Number.isNaN(r), `${def.name}(${args}) = ${r} in ${dtype}`).toBe(true);
    }
  });

  it.each(cases)('$name: the stated algebra holds', ({ def, dtype }) => {
    const ev = (...args: number[]) => evaluateElementwise(def, dtype, args);
    const { commutative, idempotent, involution, identity, absorbing } = def.algebra;
    for (const a of specials(dtype)) {
      if (involution) expect(same(ev(ev(a)), a), `${def.name}(${def.name}(${a}))`).toBe(true);
      if (idempotent) expect(same(ev(a, a), a), `${def.name}(${a}, ${a})`).toBe(true);
      if (identity && isValueOf(identity.value, dtype)) {
        expect(same(ev(a, identity.value), a), `${def.name}(${a}, ${identity.value})`).toBe(true);
        if (identity.left) expect(same(ev(identity.value, a), a), `${def.name}(${identity.value}, ${a})`).toBe(true);
      }
      if (absorbing !== undefined) expect([ev(a, absorbing), ev(absorbing, a)]).toEqual([absorbing, absorbing]);
      if (commutative) for (const b of specials(dtype)) expect(same(ev(a, b), ev(b, a)), `${def.name}(${a}, ${b})`).toBe(true);
    }
  });

  it.each(cases.filter(({ def }) => def.algebra.overIntervals))('$name: a comparison decided over intervals holds at every point of them', ({ def, dtype }) => {
    const values = specials(dtype).filter((v) => !Number.isNaN(v));
    const intervals = values.flatMap((lo) => values.filter((hi) => hi >= lo).map((hi): [number, number] => [lo, hi]));
    const within = ([lo, hi]: readonly [number, number]) => values.filter((v) => v >= lo && v <= hi);
    const wrong: string[] = [];
    let decided = 0;
    for (const a of intervals) {
      for (const b of intervals) {
        const answer = def.algebra.overIntervals!(a, b);
        if (answer === undefined) continue;
        decided++;
        for (const x of within(a)) for (const y of within(b)) if (def.scalar.exact!(x, y) !== Number(answer)) wrong.push(`${x} ${def.name} ${y} in [${a}], [${b}]`);
      }
    }
    expect(wrong).toEqual([]);
    expect(decided).toBeGreaterThan(0);
  });

  it('name the ops that accept a dtype at the type level, for the per-op tables keyed by them', () => {
    expectTypeOf<ElementwiseOpAccepting<'u8'>>().toEqualTypeOf<'lt' | 'le' | 'eq' | 'ne'>();
    expectTypeOf<ElementwiseOpAccepting<'bool'>>().toEqualTypeOf<'not' | 'lt' | 'le' | 'eq' | 'ne' | 'and' | 'or'>();
    expectTypeOf<ElementwiseOpAccepting<'i32'>>().toEqualTypeOf<'neg' | 'abs' | 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'max' | 'min' | 'lt' | 'le' | 'eq' | 'ne'>();
    expectTypeOf<ElementwiseOpAccepting<'f8e4m3fn'>>().toEqualTypeOf<never>();
    const accepting = (d: DType) => elementwiseOps.filter((def) => def.dtypes.includes(d)).map((def) => def.name);
    expect(accepting('u8')).toEqual(['lt', 'le', 'eq', 'ne']);
  });

  it('narrow floats compute in f32 and round once to their dtype', () => {
    const add = ELEMENTWISE_OPS.find((d) => d.name === 'add')!;
    // 1 + 2^-8 is exact in f32 and halfway between two bf16 values (8 significant bits): ties go to the even one.
    expect(evaluateElementwise(add, 'f32', [1, 2 ** -8])).toBe(1 + 2 ** -8);
    expect(evaluateElementwise(add, 'bf16', [1, 2 ** -8])).toBe(1);
    expect(evaluateElementwise(add, 'bf16', [1 + 2 ** -7, 2 ** -8])).toBe(1 + 2 ** -6);
  });

  it('refuses a dtype the op has no semantics for, naming the op and its dtypes', () => {
    const exp = ELEMENTWISE_OPS.find((d) => d.name === 'exp')!;
    expect(() => evaluateElementwise(exp, 'i32', [1])).toThrow('elementwise exp: no semantics for i32; expected one of f32, f16, bf16');
  });

  it('where selects its second or third operand bit for bit', () => {
    const where = ELEMENTWISE_OPS.find((d) => d.name === 'where')!;
    expect(Object.is(evaluateElementwise(where, 'f32', [1, -0, 0]), -0)).toBe(true);
    expect(evaluateElementwise(where, 'i32', [0, 5, -7])).toBe(-7);
  });
});
