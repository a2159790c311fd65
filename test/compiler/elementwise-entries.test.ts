// What the compiler derives from the elementwise entries (src/ir/ops/elementwise.ts): every elementwise primitive,
// in every dtype it accepts, folds on splats, is computed inline by the kernel that reads it (and joins a
// reduction's epilogue), costs what its entry says when fusion weighs recomputing it, and the expression builder
// and simplify apply the algebra it states. A primitive left out of any derived op set fails here.

import { describe, expect, it } from 'vitest';
import { ELEMENTWISE_OPS, evaluateElementwise, GraphBuilder, type DType, type ElementwiseDef, type Graph, type Value } from '../../src/ir/index.js';
import { compile } from '../../src/compiler/compile.js';
import { ExprContext, topoOrder } from '../../src/compiler/expr.js';
import type { Kernel } from '../../src/compiler/kernel.js';
import { deadCodeElimination, foldConstants, simplify } from '../../src/compiler/passes/index.js';

const SHAPE = [2, 3];
/** Two splat values of each dtype, in range of every op that accepts it (log and sqrt of positive floats). */
const SPLATS: Readonly<Partial<Record<DType, readonly [number, number]>>> = { f32: [1.5, 0.25], f16: [1.5, 0.25], bf16: [1.5, 0.25], i32: [7, -3], u8: [200, 3], bool: [1, 0] };

const unaryAndBinary = ELEMENTWISE_OPS.filter((d) => d.family !== 'ternary');
const cases = unaryAndBinary.flatMap((def) => def.dtypes.map((dtype) => ({ def, dtype, name: `${def.name} on ${dtype}` })));

/** `def` applied to operands made by `operand(i)` (one or two). */
const apply = (b: GraphBuilder, def: ElementwiseDef, operand: (i: number) => Value): Value => b.op(def.name, (def.family === 'unary' ? [0] : [0, 1]).map(operand));

/** Every expression kind a kernel's body computes. */
function exprKinds(k: Kernel): Set<string> {
  const b = k.body;
  if (b.kind === 'library') return new Set();
  const roots = b.kind === 'map' ? b.stores.map((s) => s.value) : b.kind === 'reduce' ? [...b.accumulators.map((a) => a.value), ...b.stores.map((s) => s.value)] : [b.a, b.b, ...b.stores.map((s) => s.value)];
  return new Set(topoOrder(roots).map((e) => e.kind));
}

describe('every elementwise primitive', () => {
  it.each(cases)('$name folds on splats to what its entry evaluates', ({ def, dtype }) => {
    const b = new GraphBuilder('fold');
    const splats = SPLATS[dtype]!;
    const y = apply(b, def, (i) => b.op('full', [], { dtype, shape: SHAPE, value: splats[i]! }));
    const folded = deadCodeElimination(foldConstants(b.build({ y })));
    expect(folded.nodes.map((n) => n.op)).toEqual(['full']);
    expect(folded.nodes[0]!.attrs.value).toBe(evaluateElementwise(def, dtype, def.family === 'unary' ? [splats[0]] : [...splats]));
  });

  it.each(cases)('$name is computed inline by the kernel that reads it', ({ def, dtype }) => {
    const b = new GraphBuilder('inline');
    const y = apply(b, def, (i) => b.input(`x${i}`, { dtype, shape: SHAPE }));
    // Were it not inline, it would be a kernel of its own and the reshape reading it another.
    expect(compile(b.build({ y: b.op('reshape', [y], { shape: [6] }) })).kernels.map((k) => k.body.kind)).toEqual(['map']);
  });

  it.each(cases.filter(({ dtype }) => dtype === 'f32'))('$name joins the epilogue of a reduction', ({ def }) => {
    const b = new GraphBuilder('epilogue');
    const sum = b.op('reduce_sum', [b.input('x', { dtype: 'f32', shape: [4, 8] })], { axes: [1], keepdims: false });
    const y = apply(b, def, (i) => (i === 0 ? sum : b.input('y', { dtype: 'f32', shape: [4] })));
    const program = compile(b.build({ y }));
    expect(program.kernels.map((k) => k.body.kind)).toEqual(['reduce']);
    expect(exprKinds(program.kernels[0]!).has(def.name)).toBe(true);
  });

  // Four ops in a chain cost 4 (cheap) or 32 (expensive): recomputed by both readers below fusion's limit of 24,
  // stored once above it.
  it.each(cases.filter(({ def, dtype }) => def.family === 'unary' && dtype === 'f32'))('$name costs what its entry says when two kernels read it', ({ def }) => {
    const b = new GraphBuilder('recompute');
    let t = b.input('x', { dtype: 'f32', shape: [4, 8] });
    for (let i = 0; i < 4; i++) t = b.op(def.name, [t]);
    const rows = b.op('reduce_sum', [t], { axes: [1], keepdims: false });
    const cols = b.op('reduce_sum', [t], { axes: [0], keepdims: false });
    expect(compile(b.build({ rows, cols })).kernels.length).toBe(def.cost > 1 ? 3 : 2);
  });
});

describe('the algebra of the entries', () => {
  const graphOf = (dtype: DType, f: (b: GraphBuilder, x: Value) => Value): Graph => {
    const b = new GraphBuilder('algebra');
    return b.build({ y: f(b, b.input('x', { dtype, shape: SHAPE })) });
  };
  const splat = (b: GraphBuilder, dtype: DType, value: number) => b.op('full', [], { dtype, shape: SHAPE, value });

  it.each([
    ['x and true', 'bool', (b: GraphBuilder, x: Value) => b.op('and', [x, splat(b, 'bool', 1)])],
    ['false or x', 'bool', (b: GraphBuilder, x: Value) => b.op('or', [splat(b, 'bool', 0), x])],
    ['not (not x)', 'bool', (b: GraphBuilder, x: Value) => b.op('not', [b.op('not', [x])])],
    ['max(x, x)', 'f32', (b: GraphBuilder, x: Value) => b.op('max', [x, x])],
    ['1 * x', 'i32', (b: GraphBuilder, x: Value) => b.op('mul', [splat(b, 'i32', 1), x])],
  ] as const)('simplify removes %s', (_, dtype, f) => {
    expect(deadCodeElimination(simplify(graphOf(dtype, f))).nodes).toEqual([]);
  });

  it.each([
    ['x / x', 'f32', (b: GraphBuilder, x: Value) => b.op('div', [x, x])],
    ['0 - x', 'f32', (b: GraphBuilder, x: Value) => b.op('sub', [splat(b, 'f32', 0), x])],
    ['x + 0 on i32, whose −0 identity is no i32', 'i32', (b: GraphBuilder, x: Value) => b.op('add', [x, splat(b, 'i32', 0)])],
  ] as const)('simplify keeps %s', (_, dtype, f) => {
    expect(simplify(graphOf(dtype, f)).nodes.length).toBeGreaterThan(0);
  });

  it('the expression builder folds integer and bool constants by the entries, and never a float', () => {
    const c = new ExprContext([4]);
    expect(c.unary('neg', c.const(-(2 ** 31), 'i32'))).toBe(c.const(-(2 ** 31), 'i32'));
    expect(c.binary('div', c.const(7, 'i32'), c.const(0, 'i32'))).toBe(c.const(7, 'i32'));
    expect(c.binary('mod', c.const(-7, 'i32'), c.const(3, 'i32'))).toBe(c.const(-1, 'i32'));
    expect(c.unary('not', c.const(0, 'bool'))).toBe(c.const(1, 'bool'));
    expect(c.unary('exp', c.const(1, 'f32')).kind).toBe('exp');
    expect(c.binary('add', c.const(1, 'f32'), c.const(2, 'f32')).kind).toBe('add');
  });

  it('the expression builder applies identities, absorbing elements and commutativity', () => {
    const c = new ExprContext([4]);
    const x = c.load(0, 'f32', c.idx(0));
    const p = c.load(1, 'bool', c.idx(0));
    const q = c.load(2, 'bool', c.idx(0));
    expect(c.binary('mul', c.const(1, 'f32'), x)).toBe(x);
    expect(c.binary('add', x, c.const(-0, 'f32'))).toBe(x);
    expect(c.binary('add', x, c.const(0, 'f32')).kind).toBe('add');
    expect(c.binary('and', p, c.const(0, 'bool'))).toBe(c.const(0, 'bool'));
    expect(c.binary('or', c.const(1, 'bool'), p)).toBe(c.const(1, 'bool'));
    expect(c.binary('and', p, q)).toBe(c.binary('and', q, p));
    expect(c.binary('eq', p, q)).toBe(c.binary('eq', q, p));
    expect(c.binary('lt', p, q)).not.toBe(c.binary('lt', q, p));
    // i32 comparisons of a value with itself, and of disjoint ranges, are decided.
    const i = c.idx(0);
    expect(c.binary('le', i, i)).toBe(c.const(1, 'bool'));
    expect(c.binary('lt', i, c.int(4))).toBe(c.const(1, 'bool'));
  });

  it('bf16 arithmetic rounds its f32 result to bf16; comparisons have nothing to round', () => {
    for (const def of unaryAndBinary.filter((d) => d.dtypes.includes('bf16'))) {
      const b = new GraphBuilder('round');
      const y = apply(b, def, (i) => b.input(`x${i}`, { dtype: 'bf16', shape: SHAPE }));
      expect(exprKinds(compile(b.build({ y })).kernels[0]!).has('cast'), def.name).toBe(!def.scalar.exact);
    }
  });
});
