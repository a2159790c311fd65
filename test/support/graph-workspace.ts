// What an op recipe builds with: the graph so far, the values it can use, and a stream of integer choices.
// Recipes read every decision from the choices, so shrinking a choice to 0 picks the first (simplest) option.

import { GraphBuilder, numel, type Attrs, type DType, type Shape, type Value } from '../../src/ir/index.js';
import { roundToDType } from '../../src/numerics/index.js';

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

  constructor(
    readonly b: GraphBuilder,
    /** Whether constants may be -0, ±inf or NaN. */
    private readonly specialConstants: boolean,
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

  /** The rank-0 i32 graph input that dynamic slices start from, declared on first use. */
  startScalar(): Value {
    this.start ??= this.record(this.b.input('start', { dtype: 'i32', shape: [] }));
    return this.start;
  }

  /** Constants exactly representable in `dtype`, the plainest first. */
  constants(dtype: DType): number[] {
    return CONSTANTS.filter((x) => isExactIn(x, dtype) && (this.specialConstants || (Number.isFinite(x) && !Object.is(x, -0))));
  }

  full(c: Choices, dtype: DType, shape: Shape): Value {
    return this.op('full', [], { dtype, shape: [...shape], value: c.pickFrom(this.constants(dtype)) });
  }

  fits(shape: Shape): boolean {
    return numel(shape) <= MAX_ELEMENTS && shape.length <= MAX_RANK;
  }
}
