// Reductions over a set of axes, and the running-sum scan.

import { fail } from '../errors.js';
import { formatType, type Node, type TensorType, type Value } from '../graph.js';
import type { GraphBuilder } from '../builder.js';
import type { DType } from '../dtype.js';
import type { OpDef, VjpRule } from '../op.js';
import { filled } from './vjp-building.js';

const NUMBERS: readonly DType[] = ['f32', 'f16', 'bf16', 'i32'];

function checkNumeric(x: TensorType): void {
  if (!NUMBERS.includes(x.dtype)) fail(`dtype ${x.dtype} not supported; expected ${NUMBERS.join(', ')}`);
}

/** Axes must be canonical: non-negative, strictly increasing, in range (the ops layer resolves negative axes). */
export function checkAxes(axes: readonly number[], rank: number): void {
  if (axes.length === 0) fail('axes must not be empty');
  axes.forEach((a, i) => {
    if (a < 0 || a >= rank) fail(`axis ${a} out of range for rank ${rank}`);
    if (i > 0 && a <= axes[i - 1]!) fail(`axes ${JSON.stringify(axes)} must be strictly increasing`);
  });
}

/** `v` (a reduction's result or its cotangent) spread back over the operand's shape: reduced axes kept as 1, broadcast. */
function spread(b: GraphBuilder, node: Node, v: Value): Value {
  const x = node.inputs[0]!;
  const axes = node.attrs.axes as readonly number[];
  const kept = b.op('reshape', [v], { shape: x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) });
  return b.op('broadcast', [kept], { shape: [...x.shape] });
}

const sumRule: VjpRule = (b, node, g) => [spread(b, node, g)];

/** reduce_max / reduce_min: the cotangent is shared evenly among the elements equal to the result (as torch's amax). */
const extremumRule: VjpRule = (b, node, g) => {
  const x = node.inputs[0]!;
  const attrs = { axes: node.attrs.axes!, keepdims: true };
  const chosen = b.op('eq', [x, spread(b, node, node.outputs[0]!)]);
  const count = b.op('reduce_sum', [b.op('cast', [chosen], { dtype: x.dtype })], attrs);
  const keptShape = count.shape;
  const share = b.op('div', [b.op('reshape', [g], { shape: [...keptShape] }), count]);
  return [b.op('where', [chosen, b.op('broadcast', [share], { shape: [...x.shape] }), filled(b, 0, x.type)])];
};

/** cumsum: each element feeds every later running total, so its cotangent is the reversed running sum of g. */
const cumsumRule: VjpRule = (b, node, g) => {
  const axis = node.attrs.axis as number;
  const n = g.shape[axis]!;
  const reversed = b.op('literal', [], { dtype: 'i32', shape: [n], values: Array.from({ length: n }, (_, i) => n - 1 - i) });
  const flip = (v: Value) => b.op('take', [v, reversed], { axis });
  return [flip(b.op('cumsum', [flip(g)], { axis }))];
};

function reduction(name: string, vjp: VjpRule): OpDef {
  return {
    name,
    family: 'reduce',
    operands: 1,
    attrs: { axes: { kind: 'ints' }, keepdims: { kind: 'bool' } },
    infer: ([x], attrs) => {
      checkNumeric(x!);
      const axes = attrs.axes as readonly number[];
      checkAxes(axes, x!.shape.length);
      const shape = attrs.keepdims
        ? x!.shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : x!.shape.filter((_, i) => !axes.includes(i));
      return { dtype: x!.dtype, shape };
    },
    vjp,
  };
}

export const REDUCE_OPS: readonly OpDef[] = [
  reduction('reduce_sum', sumRule),
  reduction('reduce_max', extremumRule),
  reduction('reduce_min', extremumRule),
  {
    name: 'cumsum',
    family: 'scan',
    operands: 1,
    attrs: { axis: { kind: 'int' } },
    infer: ([x], attrs) => {
      checkNumeric(x!);
      const axis = attrs.axis as number;
      if (axis < 0 || axis >= x!.shape.length) fail(`axis ${axis} out of range for ${formatType(x!)}`);
      return x!;
    },
    vjp: cumsumRule,
  },
];
