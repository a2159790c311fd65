// Source ops: values that come from attributes alone (constants, index ramps, named weights).

import { hasArithmetic, type DType } from '../dtype.js';
import { fail } from '../errors.js';
import type { Attrs, TensorType } from '../graph.js';
import type { OpDef } from '../op.js';
import { formatShape, isValidShape, numel, resolveAxis } from '../shape.js';
import { checkRepresentable } from './representable.js';
import { noGradient } from './vjp-building.js';

function shapeAttr(attrs: Attrs): number[] {
  const shape = attrs.shape;
  if (!isValidShape(shape)) fail(`shape ${JSON.stringify(shape)} must be a list of non-negative integers`);
  return [...shape];
}

export const SOURCE_OPS: readonly OpDef[] = [
  {
    name: 'full',
    family: 'source',
    operands: 0,
    attrs: { dtype: { kind: 'dtype' }, shape: { kind: 'ints' }, value: { kind: 'float' } },
    infer: (_, attrs) => {
      const dtype = attrs.dtype as DType;
      checkRepresentable(attrs.value as number, dtype);
      return { dtype, shape: shapeAttr(attrs) };
    },
    vjp: noGradient,
  },
  {
    name: 'literal',
    family: 'source',
    operands: 0,
    attrs: { dtype: { kind: 'dtype' }, shape: { kind: 'ints' }, values: { kind: 'floats' } },
    infer: (_, attrs) => {
      const dtype = attrs.dtype as DType;
      const shape = shapeAttr(attrs);
      const values = attrs.values as readonly number[];
      if (values.length !== numel(shape)) fail(`${values.length} values given for shape ${formatShape(shape)} (${numel(shape)} elements)`);
      values.forEach((v) => checkRepresentable(v, dtype));
      return { dtype, shape };
    },
    vjp: noGradient,
  },
  {
    name: 'iota',
    family: 'source',
    operands: 0,
    attrs: { dtype: { kind: 'dtype' }, shape: { kind: 'ints' }, axis: { kind: 'int' } },
    infer: (_, attrs) => {
      const dtype = attrs.dtype as DType;
      const shape = shapeAttr(attrs);
      if (!hasArithmetic(dtype)) fail(`dtype ${dtype} has no arithmetic; iota needs f32, f16, bf16 or i32`);
      if (resolveAxis(attrs.axis as number, shape.length) !== attrs.axis) fail(`axis ${attrs.axis} out of range for shape ${formatShape(shape)}`);
      return { dtype, shape };
    },
    vjp: noGradient,
  },
  {
    name: 'weight',
    family: 'source',
    operands: 0,
    attrs: { name: { kind: 'string' }, dtype: { kind: 'dtype' }, shape: { kind: 'ints' } },
    infer: (_, attrs) => {
      if (attrs.name === '') fail('weight name must not be empty');
      return { dtype: attrs.dtype as DType, shape: shapeAttr(attrs) } satisfies TensorType;
    },
    vjp: noGradient,
  },
];
