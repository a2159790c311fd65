// What an op recipe builds with: the graph so far, the values it can use, and a stream of integer choices.
// Recipes read every decision from the choices, so shrinking a choice to 0 picks the first (simplest) option.

import { GraphBuilder, numel, sameShape, type Attrs, type DType, type Shape, type TensorType, type Value } from '../../src/ir/index.js';
import { roundToDType } from '../../src/numerics/index.js';
import { Tensor } from '../../src/ops/index.js';

/** Results may not grow past this many elements, so graphs stay cheap to run op by op. */
const MAX_ELEMENTS = 1024;
export const MAX_RANK = 4;

export const FLOATS: readonly DType[] = ['f32', 'f16', 'bf16'];
export const NUMBERS: readonly DType[] = [...FLOATS, 'i32'];

/** Integer decisions, each reduced modulo its number of options; an exhausted list answers 0. */
export class Choices {
  private next = 0;
  constructor(private readonly ints: readonly number[]) {}
  pick(options: number): number {
    const x = this.ints[this.next++] ?? 0;
    return options <= 1 ? 0 : x % options;
  }
  pickFrom<T>(options: readonly T[]): T {
    return options[this.pick(options.length)]!;
  }
}

/** Adds the nodes of one kind of op (or nothing, when no operand fits) to a workspace. */
export type Recipe = (ws: Workspace, c: Choices) => void;

export interface WorkspaceOptions {
  /** Whether constants may be -0, ±inf or NaN. */
  readonly specialConstants: boolean;
  /** Whether recipes may make zero-size tensors (empty slices, sources, index lists, top-0). */
  readonly emptyTensors: boolean;
}

const CONSTANTS = [0, 1, -1, 2, 0.5, -3.25, 448, -0, Infinity, -Infinity, NaN];

/** Whether `x` is exactly a value of `dtype` (what the IR asks of constants in attributes). */
function isExactIn(x: number, dtype: DType): boolean {
  const r = roundToDType(x, dtype, 'torch');
  return Object.is(r, x) || (Number.isNaN(r) && Number.isNaN(x));
}

export class Workspace {
  /** Every value made so far (inputs and op results), oldest first. */
  readonly values: Value[] = [];
  private start: Value | undefined;
  private operands = 0;

  constructor(
    readonly b: GraphBuilder,
    readonly options: WorkspaceOptions,
  ) {}

  op(op: string, inputs: readonly Value[], attrs: Attrs = {}): Value {
    return this.record(this.b.op(op, inputs, attrs));
  }

  record<T extends Value>(v: T): T {
    this.values.push(v);
    return v;
  }

  /** A value satisfying `ok`, counting back from the newest (so choice 0 chains onto the latest result). */
  pick(c: Choices, ok: (v: Value) => boolean): Value | undefined {
    const candidates = this.values.filter(ok);
    return candidates.length ? candidates[candidates.length - 1 - c.pick(candidates.length)] : undefined;
  }

  /** Like pick, for ops that need an axis: a scalar comes back reshaped to [1] (so shrunk scalar inputs still serve). */
  pickRanked(c: Choices, ok: (v: Value) => boolean): Value | undefined {
    const v = this.pick(c, ok);
    return v && v.shape.length === 0 ? this.op('reshape', [v], { shape: [1] }) : v;
  }

  /** Like pickRanked, as a matrix [rows, last axis]; undefined when no value fits or its last axis is empty. */
  pickMatrix(c: Choices, ok: (v: Value) => boolean): Value | undefined {
    const x = this.pickRanked(c, ok);
    const k = x?.shape[x.shape.length - 1];
    if (!x || !k) return undefined;
    return x.shape.length === 2 ? x : this.op('reshape', [x], { shape: [numel(x.shape) / k, k] });
  }

  /** The rank-0 i32 graph input that dynamic slices start from, declared on first use. */
  startScalar(): Value {
    this.start ??= this.record(this.b.input('start', { dtype: 'i32', shape: [] }));
    return this.start;
  }

  /** A new graph input (named w0, w1, ...): an operand such as a weight that no existing value fits. */
  input(type: TensorType): Value {
    return this.record(this.b.input(`w${this.operands++}`, type));
  }

  /** An operand of exactly `type`: an existing value of that type, or a new graph input. */
  operand(c: Choices, type: TensorType): Value {
    const existing = c.pick(2) === 1 ? this.pick(c, (v) => v.dtype === type.dtype && sameShape(v.shape, type.shape)) : undefined;
    return existing ?? this.input(type);
  }

  /** The op library's view of `v`, for recipes that build through src/ops. */
  tensor(v: Value): Tensor {
    return new Tensor(this.b, v);
  }

  /** The length of a new axis: 1 to `max`, or 0 to `max` with empty tensors. */
  length(c: Choices, max: number): number {
    return this.options.emptyTensors ? c.pick(max + 1) : 1 + c.pick(max);
  }

  /** Constants exactly representable in `dtype`, the plainest first. */
  constants(dtype: DType): number[] {
    return CONSTANTS.filter((x) => isExactIn(x, dtype) && (this.options.specialConstants || (Number.isFinite(x) && !Object.is(x, -0))));
  }

  full(c: Choices, dtype: DType, shape: Shape): Value {
    return this.op('full', [], { dtype, shape: [...shape], value: c.pickFrom(this.constants(dtype)) });
  }

  fits(shape: Shape): boolean {
    return numel(shape) <= MAX_ELEMENTS && shape.length <= MAX_RANK;
  }

  /** A second operand of x's type: x itself, another value, a constant, or a value broadcast up to it. */
  partner(c: Choices, x: Value): Value {
    switch (c.pick(4)) {
      case 0:
        return x;
      case 1:
        return this.pick(c, (u) => u.dtype === x.dtype && sameShape(u.shape, x.shape))!;
      case 2:
        return this.full(c, x.dtype, x.shape);
      default: {
        const small = this.pick(c, (u) => u.dtype === x.dtype && u.shape.length === x.shape.length && u.shape.every((d, i) => d === 1 || d === x.shape[i]));
        return sameShape(small!.shape, x.shape) ? small! : this.op('broadcast', [small!], { shape: [...x.shape] });
      }
    }
  }

  /**
   * An i32 tensor of `shape` with every element in [0, bound): a literal, an iota, or data folded into range;
   * undefined when no index fits (a non-empty shape and bound 0).
   */
  indices(c: Choices, shape: Shape, bound: number): Value | undefined {
    if (bound === 0 && numel(shape) > 0) return undefined;
    const intoRange = (v: Value) => {
      const b = this.op('full', [], { dtype: 'i32', shape: [...shape], value: bound });
      return this.op('mod', [this.op('add', [this.op('mod', [v, b]), b]), b]);
    };
    const mode = bound === 0 ? 0 : c.pick(3);
    if (mode === 1 && shape.length > 0) {
      const axis = c.pick(shape.length);
      const ramp = this.op('iota', [], { dtype: 'i32', shape: [...shape], axis });
      return shape[axis]! <= bound ? ramp : intoRange(ramp);
    }
    const data = mode === 2 ? this.pick(c, (v) => sameShape(v.shape, shape)) : undefined;
    if (data) return intoRange(data.dtype === 'i32' ? data : this.op('cast', [data], { dtype: 'i32' }));
    return this.op('literal', [], { dtype: 'i32', shape: [...shape], values: Array.from({ length: numel(shape) }, () => c.pick(bound)) });
  }
}
