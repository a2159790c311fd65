// One finite-difference case per primitive: a small graph around the op, random shapes and values drawn through
// fast-check (so a failure shrinks), and what to differentiate with respect to. Ops whose result is not
// differentiable (comparisons, logic, integer ops, topk's indices) are checked in the graph that uses them: a `where`
// they steer, a product with their cast, the values their indices pick.

import type fc from 'fast-check';
import type { F64Tensor } from '../../src/backends/reference/index.js';
import { GraphBuilder, numel, type DType, type Shape, type Value } from '../../src/ir/index.js';
import type { GradientCheck } from './finite-difference-check.js';

type Gen = fc.GeneratorValue;
type Domain = (u: number) => number;

const any: Domain = (u) => u;
const positive: Domain = (u) => 0.2 + Math.abs(u);
const awayFromZero: Domain = (u) => (u < 0 ? -0.2 + u : 0.2 + u);
/** At least 0.1 from every integer (floor, ceil and integer casts are constant there). */
const offInteger: Domain = (u) => Math.floor(u) + 0.1 + 0.8 * (u - Math.floor(u));

type Operand = readonly [name: string, dtype: DType, tensor: F64Tensor];

/** What a case draws with: fast-check's generator behind small helpers. */
export class Draw {
  constructor(private readonly fcApi: typeof fc, private readonly g: Gen) {}

  int(min: number, max: number): number {
    return this.g(this.fcApi.integer, { min, max });
  }
  bool(): boolean {
    return this.g(this.fcApi.boolean);
  }
  shape(minRank = 0, maxRank = 3): number[] {
    return Array.from({ length: this.int(minRank, maxRank) }, () => this.int(1, 3));
  }
  /**
   * Values uniform in [-2, 2] (steps of 2^-19) mapped through `domain`. Not fast-check's double: it is uniform over
   * the representable doubles, so most draws would be tiny (1e-300), and every derivative check on them vacuous.
   */
  floats(shape: Shape, domain: Domain = any): F64Tensor {
    const uniform = this.fcApi.noBias(this.fcApi.integer({ min: -(2 ** 20), max: 2 ** 20 }));
    const data = Float64Array.from({ length: numel(shape) }, () => domain(this.g(() => uniform) / 2 ** 19));
    return { shape: [...shape], data };
  }
  /** Values at least 0.1 apart (no ties for a max, a min or topk to split, whatever the shrinking does). */
  distinct(shape: Shape): F64Tensor {
    const n = numel(shape);
    const jitter = this.floats(shape);
    return { shape: [...shape], data: Float64Array.from(this.permutation(n), (rank, i) => (rank - n / 2) * 0.3 + jitter.data[i]! * 0.05) };
  }
  ints(shape: Shape, min: number, max: number): F64Tensor {
    return { shape: [...shape], data: Float64Array.from({ length: numel(shape) }, () => this.int(min, max)) };
  }
  /** A permutation of 0 .. n − 1. */
  permutation(n: number): number[] {
    const left = Array.from({ length: n }, (_, i) => i);
    return Array.from({ length: n }, () => left.splice(this.int(0, left.length - 1), 1)[0]!);
  }
  /** A non-empty increasing subset of the axes of a rank. */
  axes(rank: number): number[] {
    const axes = Array.from({ length: rank }, (_, i) => i).filter(() => this.bool());
    return axes.length ? axes : [this.int(0, rank - 1)];
  }

  /**
   * The check of `build` on `operands` (graph inputs), differentiated with respect to `wrt` (default: every f32
   * operand), with weights `weights` (all differentiated) and a random cotangent.
   */
  check(operands: readonly Operand[], build: (b: GraphBuilder, xs: Value[]) => Value, wrt?: readonly string[], weights: Readonly<Record<string, F64Tensor>> = {}): GradientCheck {
    const b = new GraphBuilder('rule_case');
    const xs = operands.map(([name, dtype, t]) => b.input(name, { dtype, shape: t.shape }));
    const out = build(b, xs);
    return {
      graph: b.build({ out }),
      inputs: Object.fromEntries(operands.map(([name, , t]) => [name, t])),
      weights,
      wrt: { inputs: wrt ?? operands.filter(([, dtype]) => dtype === 'f32').map(([name]) => name), weights: Object.keys(weights) },
      cotangent: this.floats(out.shape),
    };
  }
}

type RuleCase = (d: Draw) => GradientCheck;

const unary = (op: string, domain: Domain = any): RuleCase => (d) => d.check([['x', 'f32', d.floats(d.shape(), domain)]], (b, [x]) => b.op(op, [x!]));

const binary = (op: string, domain: Domain = any): RuleCase => (d) => {
  const shape = d.shape();
  return d.check([['a', 'f32', d.floats(shape)], ['b', 'f32', d.floats(shape, domain)]], (b, [x, y]) => b.op(op, [x!, y!]));
};

/** a and b at least 0.2 apart, so no finite difference moves a comparison between them. */
function apart(d: Draw, shape: Shape): [Operand, Operand] {
  const a = d.floats(shape);
  const gap = d.floats(shape, awayFromZero);
  return [['a', 'f32', a], ['b', 'f32', { shape: a.shape, data: a.data.map((v, i) => v + gap.data[i]!) }]];
}

/** max or min of two operands that never tie (ties are a unit test: each gets half). */
const extremum = (op: string): RuleCase => (d) => d.check(apart(d, d.shape()), (b, [x, y]) => b.op(op, [x!, y!]));

/** where(cond(a, b, c1, c2), a, b): a comparison or logic op steering a selection. */
const steering = (cond: (b: GraphBuilder, a: Value, y: Value, c1: Value, c2: Value) => Value): RuleCase => (d) => {
  const shape = d.shape();
  const bools = (): F64Tensor => d.ints(shape, 0, 1);
  return d.check([...apart(d, shape), ['c1', 'bool', bools()], ['c2', 'bool', bools()]], (b, [x, y, c1, c2]) => b.op('where', [cond(b, x!, y!, c1!, c2!), x!, y!]));
};

const compare = (op: string): RuleCase => steering((b, x, y) => b.op(op, [x, y]));

const reduction = (op: string): RuleCase => (d) => {
  const shape = d.shape(1);
  return d.check([['x', 'f32', d.distinct(shape)]], (b, [x]) => b.op(op, [x!], { axes: d.axes(shape.length), keepdims: d.bool() }));
};

/** Along one axis of a tensor of rank ≥ 1: the shape and the axis. */
function alongAxis(d: Draw): [number[], number] {
  const shape = d.shape(1);
  return [shape, d.int(0, shape.length - 1)];
}

/** Index cases (take, gather, scatter_add) index along `axis`; their indices are a graph input. */
const indices = (d: Draw, shape: Shape, bound: number): Operand => ['idx', 'i32', d.ints(shape, 0, bound - 1)];

const start = (d: Draw, dim: number): Operand => ['start', 'i32', d.ints([], -1, dim + 1)];

export const RULE_CASES: Readonly<Record<string, RuleCase>> = {
  full: (d) => d.check([['x', 'f32', d.floats(d.shape())]], (b, [x]) => b.op('mul', [x!, b.op('full', [], { dtype: 'f32', shape: [...x!.shape], value: 1.5 })])),
  literal: (d) =>
    d.check([['x', 'f32', d.floats([3])]], (b, [x]) => b.op('mul', [x!, b.op('literal', [], { dtype: 'f32', shape: [3], values: [0.5, -2, 3] })])),
  iota: (d) => {
    const [shape, axis] = alongAxis(d);
    return d.check([['x', 'f32', d.floats(shape)]], (b, [x]) => b.op('mul', [x!, b.op('iota', [], { dtype: 'f32', shape, axis })]));
  },
  weight: (d) => {
    const shape = d.shape();
    return d.check([['x', 'f32', d.floats(shape)]], (b, [x]) => b.op('mul', [x!, b.op('weight', [], { name: 'w', dtype: 'f32', shape })]), undefined, { w: d.floats(shape) });
  },
  neg: unary('neg'),
  abs: unary('abs', awayFromZero),
  exp: unary('exp'),
  exp2: unary('exp2'),
  log: unary('log', positive),
  log2: unary('log2', positive),
  sqrt: unary('sqrt', positive),
  recip: unary('recip', awayFromZero),
  sin: unary('sin'),
  cos: unary('cos'),
  floor: unary('floor', offInteger),
  ceil: unary('ceil', offInteger),
  not: steering((b, _, __, c1) => b.op('not', [c1])),
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  div: binary('div', awayFromZero),
  mod: (d) => {
    const shape = d.shape();
    const ints = d.ints(shape, -9, 9);
    return d.check([['x', 'f32', d.floats(shape)], ['i', 'i32', ints], ['j', 'i32', d.ints(shape, -4, 4)]], (b, [x, i, j]) =>
      b.op('mul', [x!, b.op('cast', [b.op('mod', [i!, j!])], { dtype: 'f32' })]),
    );
  },
  max: extremum('max'),
  min: extremum('min'),
  lt: compare('lt'),
  le: compare('le'),
  eq: steering((b, x) => b.op('eq', [x, x])),
  ne: compare('ne'),
  and: steering((b, _, __, c1, c2) => b.op('and', [c1, c2])),
  or: steering((b, _, __, c1, c2) => b.op('or', [c1, c2])),
  where: (d) => {
    const shape = d.shape();
    return d.check([['c', 'bool', d.ints(shape, 0, 1)], ['a', 'f32', d.floats(shape)], ['b', 'f32', d.floats(shape)]], (b, [c, x, y]) => b.op('where', [c!, x!, y!]));
  },
  // The identity cast passes g; through i32 (x away from integers) nothing passes: d/dx = 1 + trunc(x).
  cast: (d) =>
    d.check([['x', 'f32', d.floats(d.shape(), offInteger)]], (b, [x]) => {
      const truncated = b.op('cast', [b.op('cast', [x!], { dtype: 'i32' })], { dtype: 'f32' });
      return b.op('add', [b.op('cast', [x!], { dtype: 'f32' }), b.op('mul', [x!, truncated])]);
    }),
  reduce_sum: reduction('reduce_sum'),
  reduce_max: reduction('reduce_max'),
  reduce_min: reduction('reduce_min'),
  cumsum: (d) => {
    const [shape, axis] = alongAxis(d);
    return d.check([['x', 'f32', d.floats(shape)]], (b, [x]) => b.op('cumsum', [x!], { axis }));
  },
  matmul: (d) => {
    const batch = d.shape(0, 1);
    const [m, k, n] = [d.int(1, 3), d.int(1, 3), d.int(1, 3)];
    return d.check([['a', 'f32', d.floats([...batch, m, k])], ['b', 'f32', d.floats([...batch, k, n])]], (b, [x, y]) => b.op('matmul', [x!, y!]));
  },
  gather_matmul: (d) => {
    const [rows, k, n, experts] = [d.int(1, 4), d.int(1, 3), d.int(1, 3), d.int(1, 3)];
    return d.check([['x', 'f32', d.floats([rows, k])], ['w', 'f32', d.floats([experts, k, n])], indices(d, [rows], experts)], (b, [x, w, ids]) =>
      b.op('gather_matmul', [x!, w!, ids!]),
    );
  },
  reshape: (d) => {
    const shape = d.shape();
    return d.check([['x', 'f32', d.floats(shape)]], (b, [x]) => b.op('reshape', [x!], { shape: d.bool() ? [numel(shape)] : [...shape].reverse() }));
  },
  permute: (d) => {
    const shape = d.shape();
    return d.check([['x', 'f32', d.floats(shape)]], (b, [x]) => b.op('permute', [x!], { perm: d.permutation(shape.length) }));
  },
  broadcast: (d) => {
    const target = d.shape();
    return d.check([['x', 'f32', d.floats(target.map((t) => (d.bool() ? 1 : t)))]], (b, [x]) => b.op('broadcast', [x!], { shape: target }));
  },
  slice: (d) => {
    const shape = d.shape();
    const starts = shape.map((dim) => d.int(0, dim));
    const ends = starts.map((s, i) => d.int(s, shape[i]!));
    const steps = shape.map(() => d.int(1, 3));
    return d.check([['x', 'f32', d.floats(shape)]], (b, [x]) => b.op('slice', [x!], { starts, ends, steps }));
  },
  concat: (d) => {
    const [shape, axis] = alongAxis(d);
    const parts = Array.from({ length: d.int(1, 3) }, (_, i): Operand => [`x${i}`, 'f32', d.floats(shape.map((dim, a) => (a === axis ? d.int(1, 3) : dim)))]);
    return d.check(parts, (b, xs) => b.op('concat', xs, { axis }));
  },
  pad: (d) => {
    const shape = d.shape();
    const [lo, hi] = [shape.map(() => d.int(0, 2)), shape.map(() => d.int(0, 2))];
    return d.check([['x', 'f32', d.floats(shape)]], (b, [x]) => b.op('pad', [x!], { lo, hi, value: d.bool() ? 0 : 1.5 }));
  },
  dynamic_slice: (d) => {
    const [shape, axis] = alongAxis(d);
    return d.check([['x', 'f32', d.floats(shape)], start(d, shape[axis]!)], (b, [x, s]) => b.op('dynamic_slice', [x!, s!], { axis, size: d.int(0, shape[axis]!) }));
  },
  dynamic_update_slice: (d) => {
    const [shape, axis] = alongAxis(d);
    const update = shape.map((dim, a) => (a === axis ? d.int(0, dim) : dim));
    return d.check([['x', 'f32', d.floats(shape)], ['u', 'f32', d.floats(update)], start(d, shape[axis]!)], (b, [x, u, s]) =>
      b.op('dynamic_update_slice', [x!, u!, s!], { axis }),
    );
  },
  take: (d) => {
    const [shape, axis] = alongAxis(d);
    return d.check([['x', 'f32', d.floats(shape)], indices(d, d.shape(0, 2), shape[axis]!)], (b, [x, idx]) => b.op('take', [x!, idx!], { axis }));
  },
  gather: (d) => {
    const [shape, axis] = alongAxis(d);
    const idxShape = shape.map((dim, a) => (a === axis ? d.int(1, 3) : dim));
    return d.check([['x', 'f32', d.floats(shape)], indices(d, idxShape, shape[axis]!)], (b, [x, idx]) => b.op('gather', [x!, idx!], { axis }));
  },
  scatter_add: (d) => {
    const [shape, axis] = alongAxis(d);
    const idxShape = shape.map((dim, a) => (a === axis ? d.int(1, 3) : dim));
    return d.check([['x', 'f32', d.floats(shape)], indices(d, idxShape, shape[axis]!), ['src', 'f32', d.floats(idxShape)]], (b, [x, idx, src]) =>
      b.op('scatter_add', [x!, idx!, src!], { axis }),
    );
  },
  // The top-k values: topk passes nothing, the gather of its indices carries the gradient.
  topk: (d) => {
    const [shape, axis] = alongAxis(d);
    const k = d.int(0, shape[axis]!);
    return d.check([['x', 'f32', d.distinct(shape)]], (b, [x]) => b.op('gather', [x!, b.op('topk', [x!], { k, axis })], { axis }));
  },
};
