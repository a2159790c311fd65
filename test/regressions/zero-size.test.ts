// Zero-size tensors (an empty prompt chunk, an expert no token reached) are valid values: every backend compiles and
// runs graphs over them. Reproducers from issue 18, each on every registered backend (spec/ops.md: an empty reduction
// gives the op's identity; moves of nothing are nothing).

import { describe, expect, it } from 'vitest';
import { parseGraph, tensorData, weightMap, zeros, type TensorData } from '../../src/ir/index.js';
import { backendEntries } from '../../src/backends/registry.js';
import { compile } from '../../src/compiler/compile.js';
import { useOptionalResource } from '../support/optional-resource.js';
import { backendUnderTest } from '../conformance/backends.js';

interface ZeroSizeCase {
  readonly name: string;
  readonly graph: string;
  readonly inputs: Readonly<Record<string, TensorData>>;
  /** Inputs the run donates (a cache updated in place). */
  readonly donate?: readonly string[];
  /** The output `y`, as the spec defines it from the inputs. */
  readonly expected: TensorData;
}

const f16x3 = tensorData('f16', [3], new Uint16Array([0x3c00, 0xc000, 0x3555]));
const f32x3 = tensorData('f32', [3], new Float32Array([1.5, -2, 3]));
const zeroIndex = tensorData('i32', [], new Int32Array([0]));
const F16_NEG_INF = 0xfc00;

const CASES: readonly ZeroSizeCase[] = [
  {
    name: 'concat of two empty tensors',
    graph: 'graph g(%x: f32[0,1]) {\n  %0 = concat(%x, %x) {axis=0} : f32[0,1]\n  return y = %0\n}',
    inputs: { x: zeros('f32', [0, 1]) },
    expected: zeros('f32', [0, 1]),
  },
  {
    name: 'cast to bf16 after an empty concat',
    graph: 'graph g(%x: f32[0,2]) {\n  %0 = concat(%x, %x) {axis=0} : f32[0,2]\n  %1 = cast(%0) {dtype="bf16"} : bf16[0,2]\n  return y = %1\n}',
    inputs: { x: zeros('f32', [0, 2]) },
    expected: zeros('bf16', [0, 2]),
  },
  {
    name: 'f16 dynamic_update_slice with an empty update',
    graph: 'graph g(%x: f16[3], %u: f16[0], %s: i32[]) {\n  %0 = dynamic_update_slice(%x, %u, %s) {axis=0} : f16[3]\n  return y = %0\n}',
    inputs: { x: f16x3, u: zeros('f16', [0]), s: zeroIndex },
    expected: f16x3,
  },
  {
    name: 'f32 dynamic_update_slice with an empty update',
    graph: 'graph g(%x: f32[3], %u: f32[0], %s: i32[]) {\n  %0 = dynamic_update_slice(%x, %u, %s) {axis=0} : f32[3]\n  return y = %0\n}',
    inputs: { x: f32x3, u: zeros('f32', [0]), s: zeroIndex },
    expected: f32x3,
  },
  {
    name: 'in-place dynamic_update_slice of a donated cache with an empty update',
    graph: 'graph g(%x: f32[3], %u: f32[0], %s: i32[]) {\n  %0 = dynamic_update_slice(%x, %u, %s) {axis=0} : f32[3]\n  return y = %0\n}',
    inputs: { x: f32x3, u: zeros('f32', [0]), s: zeroIndex },
    donate: ['x'],
    expected: f32x3,
  },
  {
    name: 'neg of an empty tensor',
    graph: 'graph g(%x: f32[2,0]) {\n  %0 = neg(%x) : f32[2,0]\n  return y = %0\n}',
    inputs: { x: zeros('f32', [2, 0]) },
    expected: zeros('f32', [2, 0]),
  },
  {
    name: 'slice to nothing',
    graph: 'graph g(%x: f32[3]) {\n  %0 = slice(%x) {starts=[1], ends=[1], steps=[1]} : f32[0]\n  return y = %0\n}',
    inputs: { x: f32x3 },
    expected: zeros('f32', [0]),
  },
  {
    name: 'reduce_max over an empty axis gives -inf',
    graph: 'graph g(%x: f16[0,1,4]) {\n  %0 = reduce_max(%x) {axes=[0], keepdims=false} : f16[1,4]\n  return y = %0\n}',
    inputs: { x: zeros('f16', [0, 1, 4]) },
    expected: tensorData('f16', [1, 4], new Uint16Array(4).fill(F16_NEG_INF)),
  },
  {
    name: 'reduce_sum over an empty axis gives 0',
    graph: 'graph g(%x: f32[2,0]) {\n  %0 = reduce_sum(%x) {axes=[1], keepdims=true} : f32[2,1]\n  return y = %0\n}',
    inputs: { x: zeros('f32', [2, 0]) },
    expected: zeros('f32', [2, 1]),
  },
  {
    name: 'reduce_max to an empty tensor',
    graph: 'graph g(%x: f16[0,1,4]) {\n  %0 = reduce_max(%x) {axes=[1], keepdims=false} : f16[0,4]\n  return y = %0\n}',
    inputs: { x: zeros('f16', [0, 1, 4]) },
    expected: zeros('f16', [0, 4]),
  },
  {
    name: 'matmul over an empty contraction axis gives 0',
    graph: 'graph g(%a: f32[2,0], %b: f32[0,3]) {\n  %0 = matmul(%a, %b) : f32[2,3]\n  return y = %0\n}',
    inputs: { a: zeros('f32', [2, 0]), b: zeros('f32', [0, 3]) },
    expected: zeros('f32', [2, 3]),
  },
  {
    name: 'scatter_add of nothing',
    graph: 'graph g(%x: f32[3], %i: i32[0], %u: f32[0]) {\n  %0 = scatter_add(%x, %i, %u) {axis=0} : f32[3]\n  return y = %0\n}',
    inputs: { x: f32x3, i: zeros('i32', [0]), u: zeros('f32', [0]) },
    expected: f32x3,
  },
  {
    name: 'take of no rows',
    graph: 'graph g(%x: f32[3], %i: i32[0]) {\n  %0 = take(%x, %i) {axis=0} : f32[0]\n  return y = %0\n}',
    inputs: { x: f32x3, i: zeros('i32', [0]) },
    expected: zeros('f32', [0]),
  },
  {
    name: 'gather_matmul of no rows',
    graph: 'graph g(%x: f32[0,2], %w: f32[2,2,3], %i: i32[0]) {\n  %0 = gather_matmul(%x, %w, %i) : f32[0,3]\n  return y = %0\n}',
    inputs: { x: zeros('f32', [0, 2]), w: tensorData('f32', [2, 2, 3], new Float32Array(12).fill(1)), i: zeros('i32', [0]) },
    expected: zeros('f32', [0, 3]),
  },
  {
    name: 'cumsum of nothing',
    graph: 'graph g(%x: f32[2,0]) {\n  %0 = cumsum(%x) {axis=1} : f32[2,0]\n  return y = %0\n}',
    inputs: { x: zeros('f32', [2, 0]) },
    expected: zeros('f32', [2, 0]),
  },
  {
    name: 'pad of an empty tensor is all padding',
    graph: 'graph g(%x: f32[0]) {\n  %0 = pad(%x) {hi=[1], lo=[2], value=1.5} : f32[3]\n  return y = %0\n}',
    inputs: { x: zeros('f32', [0]) },
    expected: tensorData('f32', [3], new Float32Array(3).fill(1.5)),
  },
  {
    name: 'topk of no element',
    graph: 'graph g(%x: f32[2,0]) {\n  %0 = topk(%x) {axis=1, k=0} : i32[2,0]\n  return y = %0\n}',
    inputs: { x: zeros('f32', [2, 0]) },
    expected: zeros('i32', [2, 0]),
  },
];

for (const entry of backendEntries()) {
  const target = backendUnderTest(entry);
  describe(`zero-size tensors on ${target.name}`, () => {
    const backend = useOptionalResource(target.resource);
    for (const c of CASES) {
      it(c.name, async () => {
        const exe = await backend().compile(parseGraph(c.graph), weightMap({}), { donate: c.donate });
        try {
          // A donated input's buffer may be overwritten, so the run gets a copy.
          const inputs = Object.fromEntries(Object.entries(c.inputs).map(([name, t]) => [name, { ...t, data: t.data.slice() }]));
          const { y } = (await exe.run(inputs, { donate: c.donate })).outputs;
          expect(y!.dtype).toBe(c.expected.dtype);
          expect(y!.shape).toEqual(c.expected.shape);
          expect([...y!.data]).toEqual([...c.expected.data]);
        } finally {
          exe.dispose();
        }
      });
    }
  });
}

describe('the compiler emits no kernel that writes nothing', () => {
  it('drops the kernels of empty values and of an empty update in place', () => {
    const byName = new Map(CASES.map((c) => [c.name, c]));
    const kernelsOf = (name: string) => {
      const c = byName.get(name)!;
      return compile(parseGraph(c.graph), { donated: new Set(c.donate) }).kernels.map((k) => k.name);
    };
    expect(kernelsOf('neg of an empty tensor')).toEqual([]);
    expect(kernelsOf('concat of two empty tensors')).toEqual([]);
    expect(kernelsOf('in-place dynamic_update_slice of a donated cache with an empty update')).toEqual([]);
    // A reduction over an empty axis still writes its identity to every output element.
    expect(kernelsOf('reduce_max over an empty axis gives -inf')).toHaveLength(1);
  });
});
