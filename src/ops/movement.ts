// Reshaping, transposing, broadcasting, slicing and joining, with numpy conventions (negative axes count from
// the end, `-1` in a reshape is inferred, slices clamp like Python's).

import { broadcastShapes, formatShape, IRError, numel, resolveAxis, sameShape, type Shape } from '../ir/index.js';
import { scalarIn } from './creation.js';
import { prim, Tensor } from './tensor.js';
import { typed } from './typed.js';

export function axisOf(t: Tensor, axis: number, op: string): number {
  const a = resolveAxis(axis, t.rank);
  if (a === undefined) throw new RangeError(`${op}: axis ${axis} out of range for ${t} (rank ${t.rank})`);
  return a;
}

export function axesOf(t: Tensor, axes: number | readonly number[] | undefined, op: string): number[] {
  const list = axes === undefined ? t.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : axes;
  const resolved = [...new Set(list.map((a) => axisOf(t, a, op)))].sort((a, b) => a - b);
  if (resolved.length !== list.length) throw new RangeError(`${op}: repeated axis in ${JSON.stringify(list)}`);
  return resolved;
}

export const reshape = typed('reshape', {
  'Tensor, Array': (x: Tensor, shape: readonly number[]): Tensor => {
    const inferred = shape.filter((d) => d === -1).length;
    if (inferred > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) throw new RangeError(`reshape: invalid shape ${formatShape(shape)} for ${x}`);
    const known = numel(shape.filter((d) => d !== -1));
    const resolved = shape.map((d) => (d === -1 ? (known === 0 ? 0 : numel(x.shape) / known) : d));
    if (!Number.isInteger(resolved[shape.indexOf(-1)] ?? 0) || numel(resolved) !== numel(x.shape))
      throw new RangeError(`reshape: cannot reshape ${x} (${numel(x.shape)} elements) to ${formatShape(shape)}`);
    return sameShape(resolved, x.shape) ? x : prim(x, 'reshape', [x], { shape: resolved });
  },
});

export const permute = typed('permute', {
  'Tensor, Array': (x: Tensor, perm: readonly number[]): Tensor => {
    const resolved = perm.map((p) => axisOf(x, p, 'permute'));
    return resolved.every((p, i) => p === i) && resolved.length === x.rank ? x : prim(x, 'permute', [x], { perm: resolved });
  },
});

/** Swaps two axes (default: the last two). */
export const transpose = typed('transpose', {
  Tensor: (x: Tensor): Tensor => transpose(x, -2, -1),
  'Tensor, number, number': (x: Tensor, a: number, b: number): Tensor => {
    const perm = x.shape.map((_, i) => i);
    const [i, j] = [axisOf(x, a, 'transpose'), axisOf(x, b, 'transpose')];
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    return permute(x, perm);
  },
});

/** Numpy broadcast_to: prepends axes as needed, then expands size-1 axes. */
export const broadcastTo = typed('broadcastTo', {
  'Tensor, Array': (x: Tensor, shape: Shape): Tensor => {
    const out = broadcastShapes(x.shape, shape);
    if (!out || !sameShape(out, shape)) throw new IRError(`broadcastTo: cannot broadcast ${x} to ${formatShape(shape)}`);
    const lifted = x.rank < shape.length ? reshape(x, [...new Array<number>(shape.length - x.rank).fill(1), ...x.shape]) : x;
    return sameShape(lifted.shape, shape) ? lifted : prim(lifted, 'broadcast', [lifted], { shape: [...shape] });
  },
});

/** Broadcasts operands against each other with numpy rules. */
export function broadcastAll(op: string, ...xs: Tensor[]): Tensor[] {
  let shape: Shape = [];
  for (const x of xs) {
    const s = broadcastShapes(shape, x.shape);
    if (!s) throw new IRError(`${op}: shapes ${xs.map((t) => formatShape(t.shape)).join(', ')} do not broadcast`);
    shape = s;
  }
  return xs.map((x) => broadcastTo(x, shape));
}

export const unsqueeze = (x: Tensor, axis: number): Tensor => {
  const a = resolveAxis(axis, x.rank + 1);
  if (a === undefined) throw new RangeError(`unsqueeze: axis ${axis} out of range for ${x}`);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
};

export const squeeze = (x: Tensor, axis: number): Tensor => {
  const a = axisOf(x, axis, 'squeeze');
  if (x.shape[a] !== 1) throw new RangeError(`squeeze: axis ${axis} of ${x} has size ${x.shape[a]}, expected 1`);
  return reshape(x, x.shape.filter((_, i) => i !== a));
};

/** Python-style slice along one axis: negative bounds count from the end and are clamped. */
export const slice = typed('slice', {
  'Tensor, number, number': (x: Tensor, axis: number, start: number): Tensor => slice(x, axis, start, Infinity, 1),
  'Tensor, number, number, number': (x: Tensor, axis: number, start: number, end: number): Tensor => slice(x, axis, start, end, 1),
  'Tensor, number, number, number, number': (x: Tensor, axis: number, start: number, end: number, step: number): Tensor => {
    const a = axisOf(x, axis, 'slice');
    const d = x.shape[a]!;
    if (!Number.isInteger(start) || !(Number.isInteger(end) || end === Infinity) || !Number.isInteger(step) || step < 1)
      throw new RangeError(`slice: start ${start}, end ${end}, step ${step} must be integers with step >= 1`);
    const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + d : i, 0), d);
    const s = clamp(start);
    const e = Math.max(clamp(end), s);
    if (s === 0 && e === d && step === 1) return x;
    const starts = x.shape.map(() => 0);
    const ends = [...x.shape];
    const steps = x.shape.map(() => 1);
    [starts[a], ends[a], steps[a]] = [s, e, step];
    return prim(x, 'slice', [x], { starts, ends, steps });
  },
});

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (!Array.isArray(xs) || xs.length === 0 || !xs.every((x) => x instanceof Tensor)) throw new TypeError('concat: expected a non-empty array of Tensors');
  if (xs.length === 1) return xs[0]!;
  return prim(xs[0]!, 'concat', xs, { axis: axisOf(xs[0]!, axis, 'concat') });
}

/** Splits along `axis` into pieces of the given sizes (which must add up to the axis length). */
export function split(x: Tensor, sizes: readonly number[], axis: number): Tensor[] {
  const a = axisOf(x, axis, 'split');
  const total = sizes.reduce((s, n) => s + n, 0);
  if (total !== x.shape[a] || sizes.some((n) => !Number.isInteger(n) || n < 0))
    throw new RangeError(`split: sizes ${JSON.stringify(sizes)} must be non-negative integers adding up to ${x.shape[a]} (axis ${axis} of ${x})`);
  let start = 0;
  return sizes.map((n) => slice(x, a, start, (start += n)));
}

export function pad(x: Tensor, lo: readonly number[], hi: readonly number[], value = 0): Tensor {
  return prim(x, 'pad', [x], { lo: [...lo], hi: [...hi], value: scalarIn(x.dtype, value, 'pad') });
}
