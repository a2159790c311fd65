// Source ops: full, literal and iota values, and weights checked against the store exactly.

import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src/backends/reference/index.js';
import { GraphBuilder, tensorData, weightMap, type Attrs, type DType, type TensorData } from '../../../src/ir/index.js';
import { encodeF32, expectSameBits, flatIndex, multiIndices, roundedValue, runOp, storageBitsOf, tensorOf, valueAt } from './harness.js';

const source = (op: string, attrs: Attrs): TensorData => runOp(op, [], attrs);

describe('full and literal', () => {
  it.each<[DType, number, number]>([
    ['f32', -0, 0x80000000],
    ['f32', -Infinity, 0xff800000],
    ['f16', 65504, 0x7bff],
    ['bf16', -2, 0xc000],
    ['f8e4m3fn', 448, 0x7e],
    ['f8e5m2', -57344, 0xfb],
    ['i32', -(2 ** 31), -(2 ** 31)],
    ['u8', 255, 255],
    ['bool', 1, 1],
  ])('full %s %s stores bits %s', (dtype, value, bits) => {
    expect(storageBitsOf(source('full', { dtype, shape: [2, 2], value }))).toEqual([bits, bits, bits, bits]);
  });

  it('literal stores its values in row-major order', () => {
    const values = [1.5, -0, 65504, -(2 ** -24), NaN, Infinity];
    const got = source('literal', { dtype: 'f16', shape: [2, 3], values });
    expectSameBits(got, tensorOf('f16', [2, 3], values.map((v) => encodeF32(v, 'f16'))));
  });
});

describe('iota', () => {
  it.each<DType>(['i32', 'f32', 'f16', 'bf16'])('%s: each element is its index along the axis', (dtype) => {
    const shape = [3, 4, 2];
    for (const axis of [0, 1, 2]) {
      const got = source('iota', { dtype, shape, axis });
      for (const idx of multiIndices(shape)) expect(valueAt(got, flatIndex(shape, idx))).toBe(idx[axis]);
    }
  });

  it('rounds large indices once in narrow floats (bf16: 257 -> 256, 259 -> 260)', () => {
    const got = source('iota', { dtype: 'bf16', shape: [300], axis: 0 });
    for (let i = 0; i < 300; i++) expect(valueAt(got, i)).toBe(roundedValue(i, 'bf16'));
    expect([valueAt(got, 257), valueAt(got, 259)]).toEqual([256, 260]);
  });
});

describe('weight', () => {
  const graph = (dtype: DType, shape: number[]) => {
    const b = new GraphBuilder('w');
    return b.build({ out: b.op('weight', [], { name: 'layer.w', dtype, shape }) });
  };
  const stored = tensorData('f32', [2, 3], new Float32Array([1, 2, 3, 4, 5, 6]));
  const store = weightMap({ 'layer.w': stored });

  it('returns the stored tensor, in storage of its own', () => {
    const out = evaluate(graph('f32', [2, 3]), {}, store).out!;
    expect(Array.from(out.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(out.data).not.toBe(stored.data);
  });

  it('fails naming the weight when the dtype or shape differs', () => {
    expect(() => evaluate(graph('f16', [2, 3]), {}, store)).toThrow(/weight "layer.w": the store holds f32\[2,3\], the graph expects f16\[2,3\]/);
    expect(() => evaluate(graph('f32', [3, 2]), {}, store)).toThrow(/weight "layer.w": the store holds f32\[2,3\], the graph expects f32\[3,2\]/);
  });

  it('fails naming the weight when there is no store or no such tensor', () => {
    expect(() => evaluate(graph('f32', [2, 3]), {})).toThrow(/weight "layer.w": .*no weight store/);
    expect(() => evaluate(graph('f32', [2, 3]), {}, weightMap({}))).toThrow(/weight "layer.w" not found/);
  });
});
