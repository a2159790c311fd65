// Moves are exact for every value, NaN codes included (spec/ops.md): permute, slice, concat, pad, broadcast, take,
// gather, where, dynamic slices and reshape copy storage codes, on every backend. Issue 18 item 6: the compiled
// backends decoded narrow floats to f32 and encoded them again, so e5m2 0x7d came back as 0x7f and f16 0x7c04 as
// 0x7e00. Each case states its output codes in terms of the input codes c0..c3 of x = [[c0, c1], [c2, c3]].

import { describe, expect, it } from 'vitest';
import { allocStorage, isFp8, parseGraph, tensorData, weightMap, type DType, type TensorData } from '../../src/ir/index.js';
import { backendEntries } from '../../src/backends/registry.js';
import { useOptionalResource } from '../support/optional-resource.js';
import { backendUnderTest } from '../conformance/backends.js';

/** Per float dtype: two NaN codes with payloads or signs, 1.0, and -0 (f32 codes as unsigned bit patterns). */
const CODES: Readonly<Partial<Record<DType, readonly number[]>>> = {
  f32: [0x7fc00001, 0xffc00000, 0x7f800001, 0x80000000],
  f16: [0x7c04, 0xfe01, 0x3c00, 0x8000],
  bf16: [0x7f81, 0xffc1, 0x3f80, 0x8000],
  f8e4m3fn: [0x7f, 0xff, 0x38, 0x80],
  f8e5m2: [0x7d, 0xfe, 0x3c, 0x80],
};

/** The code of 2.0 per dtype (the computed branch of a mixed `where`). */
const TWO: Readonly<Partial<Record<DType, number>>> = { f32: 0x40000000, f16: 0x4000, bf16: 0x4000, f8e4m3fn: 0x40, f8e5m2: 0x40 };

function codeTensor(dtype: DType, shape: readonly number[], codes: readonly number[]): TensorData {
  const data = allocStorage(dtype, codes.length);
  const view = data instanceof Float32Array ? new Uint32Array(data.buffer) : data;
  codes.forEach((c, i) => (view[i] = c));
  return tensorData(dtype, shape, data);
}

const codesOf = (t: TensorData): number[] => [...(t.data instanceof Float32Array ? new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length) : t.data)];

interface MoveCase {
  readonly name: string;
  /** The graph's body over `%x: D[2,2]` (and the extra inputs it declares), returning `y`; D is the dtype. */
  readonly params?: string;
  readonly body: string;
  /** The extra inputs, given the dtype. */
  readonly inputs?: (d: DType) => Record<string, TensorData>;
  /** Output codes as indices into c0..c3, or 'two' for a computed 2.0, or 0 for the code 0 (+0 padding). */
  readonly expected: readonly (number | 'two' | 'zero')[];
  readonly shape: readonly number[];
}

const i32 = (shape: readonly number[], values: readonly number[]) => tensorData('i32', shape, Int32Array.from(values));
const bool = (shape: readonly number[], values: readonly number[]) => tensorData('bool', shape, Uint8Array.from(values));

const CASES: readonly MoveCase[] = [
  { name: 'permute', body: '%0 = permute(%x) {perm=[1,0]} : D[2,2]', expected: [0, 2, 1, 3], shape: [2, 2] },
  { name: 'slice', body: '%0 = slice(%x) {starts=[0,1], ends=[2,2], steps=[1,1]} : D[2,1]', expected: [1, 3], shape: [2, 1] },
  { name: 'concat', body: '%0 = concat(%x, %x) {axis=0} : D[4,2]', expected: [0, 1, 2, 3, 0, 1, 2, 3], shape: [4, 2] },
  { name: 'pad', body: '%0 = pad(%x) {hi=[0,0], lo=[0,1], value=0} : D[2,3]', expected: ['zero', 0, 1, 'zero', 2, 3], shape: [2, 3] },
  {
    name: 'broadcast',
    body: '%r = reshape(%x) {shape=[1,4]} : D[1,4]\n  %0 = broadcast(%r) {shape=[2,4]} : D[2,4]',
    expected: [0, 1, 2, 3, 0, 1, 2, 3],
    shape: [2, 4],
  },
  { name: 'reshape', body: '%0 = reshape(%x) {shape=[4]} : D[4]', expected: [0, 1, 2, 3], shape: [4] },
  { name: 'take', params: ', %i: i32[2]', body: '%0 = take(%x, %i) {axis=0} : D[2,2]', inputs: () => ({ i: i32([2], [1, 0]) }), expected: [2, 3, 0, 1], shape: [2, 2] },
  {
    name: 'gather',
    params: ', %i: i32[2,2]',
    body: '%0 = gather(%x, %i) {axis=1} : D[2,2]',
    inputs: () => ({ i: i32([2, 2], [1, 0, 0, 1]) }),
    expected: [1, 0, 2, 3],
    shape: [2, 2],
  },
  {
    name: 'where',
    params: ', %c: bool[2,2]',
    body: '%t = permute(%x) {perm=[1,0]} : D[2,2]\n  %0 = where(%c, %x, %t) : D[2,2]',
    inputs: () => ({ c: bool([2, 2], [1, 0, 0, 1]) }),
    expected: [0, 2, 1, 3],
    shape: [2, 2],
  },
  {
    name: 'where with a computed branch',
    params: ', %c: bool[2,2], %o: f32[2,2]',
    body: '%h = add(%o, %o) : f32[2,2]\n  %t = cast(%h) {CAST} : D[2,2]\n  %0 = where(%c, %x, %t) : D[2,2]',
    inputs: () => ({ c: bool([2, 2], [1, 0, 0, 1]), o: tensorData('f32', [2, 2], new Float32Array(4).fill(1)) }),
    expected: [0, 'two', 'two', 3],
    shape: [2, 2],
  },
  { name: 'dynamic_slice', params: ', %s: i32[]', body: '%0 = dynamic_slice(%x, %s) {axis=1, size=1} : D[2,1]', inputs: () => ({ s: i32([], [1]) }), expected: [1, 3], shape: [2, 1] },
  {
    name: 'dynamic_update_slice',
    params: ', %u: D[2,1], %s: i32[]',
    body: '%0 = dynamic_update_slice(%x, %u, %s) {axis=1} : D[2,2]',
    inputs: (d) => ({ u: codeTensor(d, [2, 1], [CODES[d]![3]!, CODES[d]![2]!]), s: i32([], [0]) }),
    expected: [3, 1, 2, 3],
    shape: [2, 2],
  },
];

for (const entry of backendEntries()) {
  const target = backendUnderTest(entry);
  describe(`moves keep NaN codes on ${target.name}`, () => {
    const backend = useOptionalResource(target.resource);
    for (const [dtype, codes] of Object.entries(CODES) as [DType, number[]][]) {
      for (const c of CASES) {
        it(`${c.name} of ${dtype}`, async () => {
          const text = `graph g(%x: D[2,2]${c.params ?? ''}) {\n  ${c.body}\n  return y = %0\n}`.replaceAll('D[', `${dtype}[`).replace('CAST', `dtype="${dtype}"${isFp8(dtype) ? ', mode="saturate"' : ''}`);
          const exe = await backend().compile(parseGraph(text), weightMap({}));
          try {
            const { y } = (await exe.run({ x: codeTensor(dtype, [2, 2], codes), ...c.inputs?.(dtype) })).outputs;
            const want = c.expected.map((e) => (e === 'two' ? TWO[dtype]! : e === 'zero' ? 0 : codes[e]!));
            expect(y!.shape).toEqual(c.shape);
            expect(codesOf(y!).map((x) => x.toString(16))).toEqual(want.map((x) => x.toString(16)));
          } finally {
            exe.dispose();
          }
        });
      }
    }
  });
}
