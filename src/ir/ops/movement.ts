// Movement ops: change which elements sit where, never their values.

import { fail } from '../errors.js';
import { formatType, type TensorType } from '../graph.js';
import type { OpDef } from '../op.js';
import { formatShape, isValidShape, numel } from '../shape.js';
import { checkRepresentable } from './representable.js';

function checkAxis(axis: number, x: TensorType): void {
  if (!Number.isInteger(axis) || axis < 0 || axis >= x.shape.length) fail(`axis ${axis} out of range for ${formatType(x)}`);
}

function checkPerAxis(name: string, list: readonly number[], x: TensorType): void {
  if (list.length !== x.shape.length) fail(`${name} ${JSON.stringify(list)} must have one entry per axis of ${formatType(x)}`);
}

function checkStart(start: TensorType): void {
  if (start.dtype !== 'i32' || start.shape.length !== 0) fail(`start must be an i32 scalar, got ${formatType(start)}`);
}

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
  },
];
