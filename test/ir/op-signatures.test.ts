// The op API's TypeScript signatures are its typed-function implementations' own (src/ops/typed.ts), and a
// composite's attributes have the types its schema gives: each call below is refused by the type checker (its
// `@ts-expect-error` fails `tsc` otherwise) and at run time by typed-function or the builder.

import { expect, test } from 'vitest';
import { SOFTMAX } from '../../src/composites/softmax.js';
import { IRError } from '../../src/ir/index.js';
import { add, cast, fp8Quantize, reshape, slice, softmax, sum, Trace, where } from '../../src/ops/index.js';
import { compose } from '../../src/ops/tensor.js';

const x = new Trace('t').input('x', 'f32', [2, 3]);

test('a call no implementation takes is a type error and a TypeError', () => {
  // @ts-expect-error two numbers: add takes a Tensor on at least one side
  expect(() => add(1, 2)).toThrow(TypeError);
  // @ts-expect-error softmax's axis is a number
  expect(() => softmax(x, 'last')).toThrow(TypeError);
  // @ts-expect-error slice needs a start
  expect(() => slice(x, 0)).toThrow(TypeError);
  // @ts-expect-error a reduction's axes are a number or an array of numbers
  expect(() => sum(x, 'rows')).toThrow(TypeError);
  // @ts-expect-error reshape takes a shape array
  expect(() => reshape(x, 6)).toThrow(TypeError);
  // @ts-expect-error where's two branches cannot both be numbers
  expect(() => where(x, 1, 2)).toThrow(TypeError);
  // @ts-expect-error cast takes a dtype name
  expect(() => cast(x, 'float64')).toThrow(TypeError);
});

test('the overloads accept what the implementations accept', () => {
  expect(add(x, 1).shape).toEqual([2, 3]);
  expect(add(1, x).shape).toEqual([2, 3]);
  expect(sum(x, [0, 1], true).shape).toEqual([1, 1]);
  expect(softmax(x).shape).toEqual([2, 3]);
});

test("a composite's attributes have its schema's types", () => {
  // @ts-expect-error softmax's axis attribute is an int
  expect(() => compose(x, SOFTMAX, [x], { axis: 'last' })).toThrow(IRError);
  // @ts-expect-error softmax has no attribute eps
  expect(() => compose(x, SOFTMAX, [x], { axis: 1, eps: 1e-6 })).toThrow(IRError);
  // @ts-expect-error the scale format is one of the values of fp8_quantize's scale_fmt enum
  expect(() => fp8Quantize(x, 3, 'ue4m3')).toThrow(TypeError);
});
