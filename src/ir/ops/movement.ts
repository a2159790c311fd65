// Movement ops: change which elements sit where, never their values.

import { fail } from '../errors.js';
import { formatType, type TensorType, type Value } from '../graph.js';
import type { GraphBuilder } from '../builder.js';
import type { OpDef, VjpRule } from '../op.js';
import { formatShape, isValidShape, numel } from '../shape.js';
import { checkRepresentable } from './representable.js';
import { filled } from './vjp-building.js';

function checkAxis(axis: number, x: TensorType): void {
  if (!Number.isInteger(axis) || axis < 0 || axis >= x.shape.length) fail(`axis ${axis} out of range for ${formatType(x)}`);
}

function checkPerAxis(name: string, list: readonly number[], x: TensorType): void {
  if (list.length !== x.shape.length) fail(`${name} ${JSON.stringify(list)} must have one entry per axis of ${formatType(x)}`);
}

function checkStart(start: TensorType): void {
  if (start.dtype !== 'i32' || start.shape.length !== 0) fail(`start must be an i32 scalar, got ${formatType(start)}`);
}

/** `v` with `count` zeros after its end along `axis`. */
function padAfter(b: GraphBuilder, v: Value, axis: number, count: number): Value {
  return b.op('pad', [v], { lo: v.shape.map(() => 0), hi: v.shape.map((_, i) => (i === axis ? count : 0)), value: 0 });
}

/** `v` cut to [start, end) along `axis`. */
function sliceAxis(b: GraphBuilder, v: Value, axis: number, start: number, end: number): Value {
  return b.op('slice', [v], { starts: v.shape.map((_, i) => (i === axis ? start : 0)), ends: v.shape.map((d, i) => (i === axis ? end : d)), steps: v.shape.map(() => 1) });
}

/**
 * slice: the cotangent goes back to the positions read, zeros elsewhere. A step s > 1 first spreads g's elements s
 * apart (each followed by s − 1 zeros, cut to the axis), then padding places the run at `start`.
 */
const sliceRule: VjpRule = (b, node, g) => {
  const x = node.inputs[0]!;
  const starts = node.attrs.starts as readonly number[];
  const steps = node.attrs.steps as readonly number[];
  let t = g;
  steps.forEach((step, axis) => {
    const n = t.shape[axis]!;
    if (step === 1 || n === 0) return;
    const split = t.shape.flatMap((d, i) => (i === axis ? [d, 1] : [d]));
    const spaced = padAfter(b, b.op('reshape', [t], { shape: split }), axis + 1, step - 1);
    const merged = b.op('reshape', [spaced], { shape: t.shape.map((d, i) => (i === axis ? n * step : d)) });
    t = sliceAxis(b, merged, axis, 0, Math.min(n * step, x.shape[axis]! - starts[axis]!));
  });
  return [b.op('pad', [t], { lo: [...starts], hi: x.shape.map((d, i) => d - starts[i]! - t.shape[i]!), value: 0 })];
};

export const MOVEMENT_OPS: readonly OpDef[] = [
  {
    name: 'reshape',
    family: 'movement',
    operands: 1,
    attrs: { shape: { kind: 'ints' } },
    infer: ([x], attrs) => {
      const shape = attrs.shape as readonly number[];
      if (!isValidShape(shape)) fail(`shape ${JSON.stringify(shape)} must be a list of non-negative integers`);
      if (numel(shape) !== numel(x!.shape)) fail(`cannot reshape ${formatType(x!)} (${numel(x!.shape)} elements) to ${formatShape(shape)} (${numel(shape)} elements)`);
      return { dtype: x!.dtype, shape };
    },
    vjp: (b, node, g) => [b.op('reshape', [g], { shape: [...node.inputs[0]!.shape] })],
  },
  {
    name: 'permute',
    family: 'movement',
    operands: 1,
    attrs: { perm: { kind: 'ints' } },
    infer: ([x], attrs) => {
      const perm = attrs.perm as readonly number[];
      const rank = x!.shape.length;
      if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i))
        fail(`perm ${JSON.stringify(perm)} is not a permutation of the ${rank} axes of ${formatType(x!)}`);
      return { dtype: x!.dtype, shape: perm.map((p) => x!.shape[p]!) };
    },
    // The inverse permutation: input axis perm[j] is output axis j.
    vjp: (b, node, g) => {
      const perm = node.attrs.perm as readonly number[];
      const inverse = perm.map((_, i) => perm.indexOf(i));
      return [b.op('permute', [g], { perm: inverse })];
    },
  },
  {
    name: 'broadcast',
    family: 'movement',
    operands: 1,
    attrs: { shape: { kind: 'ints' } },
    infer: ([x], attrs) => {
      const shape = attrs.shape as readonly number[];
      if (!isValidShape(shape) || shape.length !== x!.shape.length || x!.shape.some((d, i) => d !== 1 && d !== shape[i]))
        fail(`cannot broadcast ${formatType(x!)} to ${formatShape(shape)}: ranks must match and each dimension must equal the target or be 1`);
      return { dtype: x!.dtype, shape };
    },
    // Every copy's cotangent sums back into the element it repeats.
    vjp: (b, node, g) => {
      const x = node.inputs[0]!;
      const axes = x.shape.flatMap((d, i) => (d !== g.shape[i] ? [i] : []));
      return [axes.length ? b.op('reduce_sum', [g], { axes, keepdims: true }) : g];
    },
  },
  {
    name: 'slice',
    family: 'movement',
    operands: 1,
    attrs: { starts: { kind: 'ints' }, ends: { kind: 'ints' }, steps: { kind: 'ints' } },
    infer: ([x], attrs) => {
      const starts = attrs.starts as readonly number[];
      const ends = attrs.ends as readonly number[];
      const steps = attrs.steps as readonly number[];
      checkPerAxis('starts', starts, x!);
      checkPerAxis('ends', ends, x!);
      checkPerAxis('steps', steps, x!);
      const shape = x!.shape.map((d, i) => {
        const [s, e, st] = [starts[i]!, ends[i]!, steps[i]!];
        if (!(0 <= s && s <= e && e <= d)) fail(`axis ${i}: need 0 <= start <= end <= ${d}, got start ${s}, end ${e}`);
        if (st < 1) fail(`axis ${i}: step must be >= 1, got ${st}`);
        return Math.ceil((e - s) / st);
      });
      return { dtype: x!.dtype, shape };
    },
    vjp: sliceRule,
  },
  {
    name: 'concat',
    family: 'movement',
    operands: 'variadic',
    attrs: { axis: { kind: 'int' } },
    infer: (xs, attrs) => {
      const axis = attrs.axis as number;
      const first = xs[0]!;
      checkAxis(axis, first);
      let size = 0;
      for (const x of xs) {
        if (x.dtype !== first.dtype || x.shape.length !== first.shape.length || x.shape.some((d, i) => i !== axis && d !== first.shape[i]))
          fail(`operands ${xs.map(formatType).join(', ')} must share dtype and all dimensions but axis ${axis}`);
        size += x.shape[axis]!;
      }
      return { dtype: first.dtype, shape: first.shape.map((d, i) => (i === axis ? size : d)) };
    },
    // Each operand's part of the cotangent.
    vjp: (b, node, g) => {
      const axis = node.attrs.axis as number;
      let start = 0;
      return node.inputs.map((x) => sliceAxis(b, g, axis, start, (start += x.shape[axis]!)));
    },
  },
  {
    name: 'pad',
    family: 'movement',
    operands: 1,
    attrs: { lo: { kind: 'ints' }, hi: { kind: 'ints' }, value: { kind: 'float' } },
    infer: ([x], attrs) => {
      const lo = attrs.lo as readonly number[];
      const hi = attrs.hi as readonly number[];
      checkPerAxis('lo', lo, x!);
      checkPerAxis('hi', hi, x!);
      if ([...lo, ...hi].some((p) => p < 0)) fail(`padding must be non-negative (lo ${JSON.stringify(lo)}, hi ${JSON.stringify(hi)}); use slice to crop`);
      checkRepresentable(attrs.value as number, x!.dtype, 'pad value');
      return { dtype: x!.dtype, shape: x!.shape.map((d, i) => lo[i]! + d + hi[i]!) };
    },
    // The padding is an attribute: only the operand's own positions pass the cotangent back.
    vjp: (b, node, g) => {
      const x = node.inputs[0]!;
      const lo = node.attrs.lo as readonly number[];
      return [b.op('slice', [g], { starts: [...lo], ends: x.shape.map((d, i) => lo[i]! + d), steps: x.shape.map(() => 1) })];
    },
  },
  {
    name: 'dynamic_slice',
    family: 'movement',
    operands: 2,
    attrs: { axis: { kind: 'int' }, size: { kind: 'int' } },
    infer: ([x, start], attrs) => {
      const axis = attrs.axis as number;
      const size = attrs.size as number;
      checkAxis(axis, x!);
      checkStart(start!);
      if (size < 0 || size > x!.shape[axis]!) fail(`size ${size} out of range for axis ${axis} of ${formatType(x!)}`);
      return { dtype: x!.dtype, shape: x!.shape.map((d, i) => (i === axis ? size : d)) };
    },
    // The window read gets g (the same clamped start), the rest zeros.
    vjp: (b, node, g) => {
      const [x, start] = node.inputs as [Value, Value];
      return [b.op('dynamic_update_slice', [filled(b, 0, x.type), g, start], { axis: node.attrs.axis! }), null];
    },
  },
  {
    name: 'dynamic_update_slice',
    family: 'movement',
    operands: 3,
    attrs: { axis: { kind: 'int' } },
    infer: ([x, update, start], attrs) => {
      const axis = attrs.axis as number;
      checkAxis(axis, x!);
      checkStart(start!);
      const u = update!;
      if (u.dtype !== x!.dtype || u.shape.length !== x!.shape.length || u.shape.some((d, i) => (i === axis ? d > x!.shape[i]! : d !== x!.shape[i])))
        fail(`update ${formatType(u)} must match ${formatType(x!)} in dtype and in every dimension but axis ${axis} (where it may be smaller)`);
      return x!;
    },
    // The window overwritten passes nothing to x; the update gets that window of g.
    vjp: (b, node, g) => {
      const [, u, start] = node.inputs as [Value, Value, Value];
      const axis = node.attrs.axis as number;
      return [b.op('dynamic_update_slice', [g, filled(b, 0, u.type), start], { axis }), b.op('dynamic_slice', [g, start], { axis, size: u.shape[axis]! }), null];
    },
  },
];
