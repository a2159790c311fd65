// The sign of a zero sum is unspecified (spec/ops.md, *Reductions*): a sum of one or more terms that comes out zero
// may be +0 or −0, an empty sum is +0. Reproducer from issue 18 (fuzzer finding C, webgpu-anything-8002/8006): a
// K = 1 projection whose product underflows is −0 on the CPU reference (a float64 sum rounded once) and +0 on
// WebGPU (an f32 sum from +0), and the judge called the element exact. The judge's side first (bounds.ts,
// element-bounds.ts, compare.ts), then every backend that runs kernels against the oracle.

import { describe, expect, it } from 'vitest';
import { parseGraph, tensorData, type TensorData } from '../../src/ir/index.js';
import { boundOutputs, type BoundedOutput } from '../../src/conformance/bounds.js';
import type { ConformanceCase } from '../../src/conformance/case.js';
import { compareOutput } from '../../src/conformance/compare.js';
import { UNDETERMINED } from '../../src/conformance/element-bounds.js';
import { checkCase, describeVerdict, passed } from '../../src/conformance/run.js';
import { TOLERANCE } from '../../src/conformance/tolerance.js';
import { useOptionalResource } from '../support/optional-resource.js';
import { BACKENDS_UNDER_TEST } from '../conformance/backends.js';

const f32 = (shape: number[], values: number[]): TensorData => tensorData('f32', shape, Float32Array.from(values));

// x·w with x = −2^-100 and w = 2^-60, both normal: the product −2^-160 underflows to −0 in f32; 3·2^-60 does not.
const underflowing = { x: f32([2, 1], [-(2 ** -100), 3]), w: f32([1, 1], [2 ** -60]) };
const product = '%0 = matmul(%x, %w) : f32[2,1]';

function sumCase(name: string, body: readonly string[], outputs: string, inputs: Readonly<Record<string, TensorData>>): ConformanceCase {
  const params = Object.entries(inputs).map(([n, t]) => `%${n}: ${t.dtype}[${t.shape.join(',')}]`).join(', ');
  return { name, graph: parseGraph(`graph g(${params}) {\n${body.map((l) => `  ${l}\n`).join('')}  return ${outputs}\n}`), inputs, weights: {} };
}

const CASES: readonly ConformanceCase[] = [
  sumCase('a K = 1 product that underflows', [product], 's = %0', underflowing),
  sumCase(
    'ops after it: recip, a product by +0, a cast to f16, a comparison, an addition',
    [
      product,
      '%1 = recip(%0) : f32[2,1]',
      '%2 = full() {dtype="f32", shape=[2, 1], value=0} : f32[2,1]',
      '%3 = mul(%0, %2) : f32[2,1]',
      '%4 = cast(%0) {dtype="f16"} : f16[2,1]',
      '%5 = full() {dtype="f32", shape=[2, 1], value=1} : f32[2,1]',
      '%6 = lt(%0, %5) : bool[2,1]',
      '%7 = add(%0, %5) : f32[2,1]',
    ],
    'recip = %1, times_zero = %3, half = %4, below_one = %6, plus_one = %7',
    underflowing,
  ),
  sumCase('a one-term reduce_sum of -0', ['%0 = reduce_sum(%x) {axes=[1], keepdims=false} : f32[2]'], 's = %0', { x: f32([2, 1], [-0, 5]) }),
  sumCase('an empty matmul (K = 0)', ['%0 = matmul(%x, %w) : f32[2,1]'], 's = %0', { x: f32([2, 0], []), w: f32([0, 1], []) }),
];

const caseNamed = (name: string) => CASES.find((c) => c.name.startsWith(name))!;
const bounds = (c: ConformanceCase): Record<string, BoundedOutput> => boundOutputs(c.graph, c.inputs);
const withZero = (t: TensorData, at: number, zero: number): TensorData => {
  const data = Float32Array.from(t.data);
  data[at] = zero;
  return { ...t, data };
};

describe('the judge leaves the sign of a zero sum open', () => {
  it('gives a zero sum of one term the bound zeroOfEitherSign, and accepts either zero there', () => {
    for (const name of ['a K = 1 product', 'a one-term reduce_sum']) {
      const { s } = bounds(caseNamed(name));
      expect(s!.bound[0], name).toBe(TOLERANCE.zeroOfEitherSign);
      expect(s!.bound[1], `${name}: a nonzero one-term sum stays exact`).toBe(0);
      for (const zero of [0, -0]) expect(compareOutput('s', withZero(s!.value, 0, zero), s!).mismatches, `${name}: ${Object.is(zero, -0) ? '-0' : '+0'}`).toBe(0);
    }
    expect(Object.is(bounds(caseNamed('a K = 1 product')).s!.value.data[0], -0), 'the reference sums in float64: −0').toBe(true);
  });

  it('keeps an empty sum +0, exactly', () => {
    const { s } = bounds(caseNamed('an empty matmul'));
    expect([...s!.bound]).toEqual([0, 0]);
    expect(compareOutput('s', withZero(s!.value, 0, -0), s!).mismatches).toBe(1);
  });

  it('carries both signs through the ops after it', () => {
    const b = bounds(caseNamed('ops after it'));
    expect(b.recip!.bound[0], '1/±0 is ±inf').toBe(UNDETERMINED);
    expect(b.times_zero!.bound[0], '±0 · +0 keeps the sign').toBeGreaterThan(0);
    expect(b.half!.bound[0], 'a cast keeps the sign').toBeGreaterThan(0);
    expect(b.below_one!.bound[0], 'either zero is below 1').toBe(0);
    expect(b.plus_one!.bound[0], '±0 + 1 is 1 within its bound').toBeLessThan(UNDETERMINED);
    for (const out of ['times_zero', 'half', 'below_one']) expect(b[out]!.bound[1], `${out} of a nonzero product`).toBe(0);
  });

  it('keeps a product by an exact -0 exact when the other operand keeps its sign', () => {
    // 1 + 2 summed has a bound (two terms), but every value near 3 times −0 is −0.
    const c = sumCase('', ['%0 = reduce_sum(%x) {axes=[0], keepdims=false} : f32[]', '%1 = mul(%0, %z) : f32[]'], 'y = %1', { x: f32([2], [1, 2]), z: f32([], [-0]) });
    const { y } = bounds(c);
    expect(Object.is(y!.value.data[0], -0)).toBe(true);
    expect(y!.bound[0]).toBe(0);
  });

  it('says which zero it found and which it expected', () => {
    const expected = { value: f32([1], [-0]), bound: new Float32Array(1) };
    expect(compareOutput('y', f32([1], [0]), expected).examples).toEqual(['[0] 0 vs expected -0, bound exact']);
  });
});

for (const target of BACKENDS_UNDER_TEST) {
  describe(`zero sums of either sign on ${target.name}`, () => {
    const backend = useOptionalResource(target.resource);
    for (const c of CASES) {
      it(c.name, async () => {
        const verdict = await checkCase(backend(), c);
        if (!passed(verdict)) expect.fail(describeVerdict(verdict));
      });
    }
  });
}
