// Programs from the compiler run on WebGPU equal the compiled CPU backend: one small graph per kernel kind, with
// shapes that leave partial tiles and workgroups. Exact ops agree bit for bit; float sums within the shadow tolerance.

import { describe, it } from 'vitest';
import * as ops from '../../../src/ops/index.js';
import { tensorData, type DType, type Shape, type TensorData } from '../../../src/ir/index.js';
import { expectAgree, useWebGpuBackend } from './program-harness.js';

const gpu = useWebGpuBackend();

/** Deterministic values in about [-scale, scale] (no two equal, so argmax-like results are stable). */
const wave = (shape: Shape, scale = 1, phase = 0): TensorData => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensorData('f32', shape, Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + phase) * scale));
};
const ints = (shape: Shape, f: (i: number) => number): TensorData =>
  tensorData('i32', shape, Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)));
const f32 = (shape: Shape) => ({ dtype: 'f32' as DType, shape });

describe('map kernels', () => {
  it('elementwise arithmetic, comparisons and selection (exact)', async () => {
    const g = ops.trace('map', { x: f32([3, 5]), y: f32([3, 5]) }, ({ x, y }) => ({
      out: ops.mul(ops.add(x!, y!), x!),
      quotient: ops.div(x!, ops.sub(y!, 0.25)),
      chosen: ops.where(ops.less(x!, y!), ops.maximum(x!, y!), ops.neg(ops.abs(y!))),
      floors: ops.add(ops.floor(ops.mul(x!, 4)), ops.ceil(ops.mul(y!, 3))),
      roots: ops.sqrt(ops.abs(x!)),
    }));
    await expectAgree(await gpu(), g, { x: wave([3, 5]), y: wave([3, 5], 2, 1) });
  });

  it('special values follow IEEE even against constants (no finite-math folding) and in comparisons', async () => {
    const g = ops.trace('specials', { x: f32([6]), y: f32([6]) }, ({ x, y }) => ({
      timesZero: ops.mul(x!, 0),
      plusZero: ops.add(x!, 0),
      timesInf: ops.mul(x!, Infinity),
      minusSelf: ops.sub(x!, x!),
      overSelf: ops.div(x!, x!),
      below: ops.less(x!, Infinity),
      atMost: ops.lessEqual(x!, y!),
      equal: ops.equal(x!, y!),
      differ: ops.notEqual(x!, y!),
    }));
    const x = tensorData('f32', [6], Float32Array.of(Infinity, -0, NaN, 0, -Infinity, 1));
    const y = tensorData('f32', [6], Float32Array.of(Infinity, 0, NaN, NaN, 2, 1));
    await expectAgree(await gpu(), g, { x, y });
  });

  it('bool comparisons', async () => {
    const g = ops.trace('bools', { a: { dtype: 'bool', shape: [4] }, b: { dtype: 'bool', shape: [4] } }, ({ a, b }) => ({
      lt: ops.less(a!, b!),
      le: ops.lessEqual(a!, b!),
      eq: ops.equal(a!, b!),
      ne: ops.notEqual(a!, b!),
    }));
    await expectAgree(await gpu(), g, { a: tensorData('bool', [4], Uint8Array.of(0, 0, 1, 1)), b: tensorData('bool', [4], Uint8Array.of(0, 1, 0, 1)) });
  });

  it('transcendentals (within tolerance)', async () => {
    const g = ops.trace('transcendental', { x: f32([4, 7]) }, ({ x }) => ({
      e: ops.exp(x!),
      l: ops.log(ops.add(ops.abs(x!), 0.5)),
      s: ops.sin(x!),
      c: ops.cos(x!),
      sig: ops.sigmoid(x!),
    }));
    await expectAgree(await gpu(), g, { x: wave([4, 7], 3) }, 'tolerance');
  });

  it('transcendentals of special values: NaN in, NaN out; sin and cos of infinities are NaN', async () => {
    const g = ops.trace('special_transcendental', { x: f32([7]) }, ({ x }) => ({
      e: ops.exp(x!),
      e2: ops.exp2(x!),
      l: ops.log(x!),
      l2: ops.log2(x!),
      r: ops.sqrt(x!),
      s: ops.sin(x!),
      c: ops.cos(x!),
    }));
    const x = tensorData('f32', [7], Float32Array.of(NaN, Infinity, -Infinity, 0, -0, -1, 1));
    await expectAgree(await gpu(), g, { x }, 'tolerance');
  });

  it('integer arithmetic wraps and divides as the spec says', async () => {
    const g = ops.trace('ints', { a: { dtype: 'i32', shape: [8] }, b: { dtype: 'i32', shape: [8] } }, ({ a, b }) => ({
      sum: ops.add(a!, b!),
      product: ops.mul(a!, b!),
      quotient: ops.div(a!, b!),
      remainder: ops.mod(a!, b!),
      negated: ops.neg(a!),
      absolute: ops.abs(a!),
    }));
    const a = Int32Array.of(-(2 ** 31), 2 ** 31 - 1, 7, -7, 7, -7, 0, 123456789);
    const b = Int32Array.of(-1, 1, 2, 2, -2, 0, 5, 1000);
    await expectAgree(await gpu(), g, { a: tensorData('i32', [8], a), b: tensorData('i32', [8], b) });
  });

  it('movement: transpose, slice with steps, concat, pad, broadcast', async () => {
    const g = ops.trace('movement', { x: f32([4, 6]), y: f32([4, 1]) }, ({ x, y }) => ({
      t: ops.transpose(x!, 0, 1),
      s: ops.slice(ops.slice(x!, 0, 1, 4), 1, 0, 6, 2),
      c: ops.concat([x!, ops.broadcastTo(y!, [4, 6])], 0),
      p: ops.pad(x!, [1, 2], [0, 1], -1),
    }));
    await expectAgree(await gpu(), g, { x: wave([4, 6]), y: wave([4, 1], 1, 2) });
  });

  it('a kernel reading more buffers than the device binds is split', async () => {
    const backend = await gpu();
    const n = backend.device.context.gpu.limits.maxStorageBuffersPerShaderStage + 4;
    const inputs = Object.fromEntries(Array.from({ length: n }, (_, i) => [`x${i}`, f32([2, 3])]));
    const g = ops.trace('wide', inputs, (xs) => ({ total: Object.values(xs).reduce((a, b) => ops.add(a, ops.mul(b, b))) }));
    const values = Object.fromEntries(Object.keys(inputs).map((name, i) => [name, wave([2, 3], 1, i)]));
    await expectAgree(backend, g, values);
  });

  it('take and gather with index tensors', async () => {
    const g = ops.trace('indexing', { x: f32([5, 3]), i: { dtype: 'i32', shape: [4] }, j: { dtype: 'i32', shape: [5, 2] } }, ({ x, i, j }) => ({
      taken: ops.take(x!, i!, 0),
      gathered: ops.gather(x!, j!, 1),
    }));
    await expectAgree(await gpu(), g, { x: wave([5, 3]), i: ints([4], (k) => (k * 3) % 5), j: ints([5, 2], (k) => (k * 2) % 3) });
  });
});

describe('reduce kernels', () => {
  it('sum, max and min over inner and outer axes', async () => {
    const g = ops.trace('reduce', { x: f32([3, 37, 5]) }, ({ x }) => ({
      inner: ops.sum(x!, 2),
      outer: ops.max(x!, [0, 1]),
      middle: ops.min(x!, 1, true),
    }));
    await expectAgree(await gpu(), g, { x: wave([3, 37, 5]) }, 'tolerance');
  });

  it('row kernels: softmax and rms_norm', async () => {
    const g = ops.trace('rows', { x: f32([6, 40]) }, ({ x }, t) => ({
      probs: ops.softmax(x!, -1),
      normed: ops.rmsNorm(x!, t.weight('w', 'f32', [40]), 1e-6),
    }));
    const w = wave([40], 1, 3);
    await expectAgree(await gpu(), g, { x: wave([6, 40], 4) }, 'tolerance', { get: () => w });
  });

  it('integer sums wrap', async () => {
    const g = ops.trace('isum', { a: { dtype: 'i32', shape: [3, 4] } }, ({ a }) => ({ s: ops.sum(a!, 1) }));
    await expectAgree(await gpu(), g, { a: ints([3, 4], (i) => (i % 2 ? 2 ** 30 : -(2 ** 29)) + i) });
  });
});

describe('contraction kernels', () => {
  for (const [m, k, n] of [
    [1, 33, 19],
    [5, 16, 7],
    [9, 64, 33],
  ] as const) {
    it(`matmul ${m}x${k} @ ${k}x${n} with a residual epilogue`, async () => {
      const g = ops.trace('matmul', { a: f32([m, k]), b: f32([k, n]), r: f32([m, n]) }, ({ a, b, r }) => ({ y: ops.add(ops.silu(ops.matmul(a!, b!)), r!) }));
      await expectAgree(await gpu(), g, { a: wave([m, k]), b: wave([k, n], 0.5, 1), r: wave([m, n], 1, 2) }, 'tolerance');
    });
  }

  it('batched matmul with a transposed operand and a weight', async () => {
    const g = ops.trace('batched', { a: f32([2, 3, 5, 8]) }, ({ a }, t) => ({ y: ops.matmul(a!, ops.transpose(t.weight('w', 'f32', [2, 1, 6, 8]), 2, 3)) }));
    const w = wave([2, 1, 6, 8], 1, 5);
    await expectAgree(await gpu(), g, { a: wave([2, 3, 5, 8]) }, 'tolerance', { get: () => w });
  });
});
