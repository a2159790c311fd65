// Narrow dtypes through whole programs: packed bf16/f16/fp8/u8/bool loads, casts (both fp8 modes, from f32 and
// from i32) and packed stores, including odd lengths and transposes whose neighbouring lanes come from different
// invocations. Everything here is exact, so WebGPU must equal the compiled CPU backend bit for bit.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import * as ops from '../../../src/ops/index.js';
import { tensorData, type DType } from '../../../src/ir/index.js';
import { expectAgree, useWebGpuBackend } from './program-harness.js';

const gpu = useWebGpuBackend();

/** f32 bit patterns: every special and boundary the codecs care about, then random ones. */
function f32Patterns(random: readonly number[]): Float32Array {
  const special = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x00000001, 0x807fffff, 0x3f800000, 0x43e00000, 0x43e80000, 0x43e80001, 0x47600000, 0x47700000, 0x477fffff];
  const bits = Uint32Array.from([...special, ...random]);
  return new Float32Array(bits.buffer);
}

const NARROW: readonly DType[] = ['bf16', 'f16', 'f8e4m3fn', 'f8e5m2'];

describe('narrow float casts and stores', () => {
  it('f32 -> every narrow dtype (both fp8 modes) -> f32 equals the CPU bit for bit', async () => {
    const random = fc.sample(fc.integer({ min: 0, max: 2 ** 32 - 1 }), 201);
    const x = f32Patterns(random);
    const n = x.length;
    const g = ops.trace('casts', { x: { dtype: 'f32', shape: [n] } }, ({ x: t }) => {
      const out: Record<string, ops.Tensor> = {};
      for (const d of NARROW) {
        for (const mode of d.startsWith('f8') ? (['saturate', 'torch'] as const) : ([undefined] as const)) {
          const narrow = mode ? ops.cast(t!, d, mode) : ops.cast(t!, d);
          out[`${d}${mode ? `_${mode}` : ''}`] = narrow;
          out[`${d}${mode ? `_${mode}` : ''}_back`] = ops.cast(narrow, 'f32');
        }
      }
      return out;
    });
    await expectAgree(await gpu(), g, { x: tensorData('f32', [n], x) });
  });

  it('every code of every narrow dtype loads, moves and stores exactly (odd lengths, transposed)', async () => {
    const codes = (d: DType) => (d.startsWith('f8') ? Uint8Array.from({ length: 255 }, (_, i) => i) : Uint16Array.from(fc.sample(fc.integer({ min: 0, max: 0xffff }), 255)));
    for (const d of NARROW) {
      const data = codes(d);
      const g = ops.trace(`moves_${d}`, { x: { dtype: d, shape: [15, 17] } }, ({ x }) => ({
        transposed: ops.transpose(x!, 0, 1),
        decoded: ops.cast(x!, 'f32'),
        sliced: ops.slice(x!, 1, 1, 16, 3),
      }));
      await expectAgree(await gpu(), g, { x: tensorData(d, [15, 17], data) });
    }
  });

  it('bf16 and f16 arithmetic rounds each result once', async () => {
    for (const d of ['bf16', 'f16'] as const) {
      const g = ops.trace(`arith_${d}`, { x: { dtype: 'f32', shape: [3, 41] }, y: { dtype: 'f32', shape: [3, 41] } }, ({ x, y }) => {
        const [a, b] = [ops.cast(x!, d), ops.cast(y!, d)];
        return { sum: ops.add(a, b), product: ops.mul(a, b), quotient: ops.div(a, b), root: ops.sqrt(ops.abs(a)), biggest: ops.max(a, 1) };
      });
      const x = tensorData('f32', [3, 41], Float32Array.from({ length: 123 }, (_, i) => Math.sin(i) * 300));
      const y = tensorData('f32', [3, 41], Float32Array.from({ length: 123 }, (_, i) => Math.cos(i * 0.7) * 0.01));
      await expectAgree(await gpu(), g, { x, y });
    }
  });

  it('i32 -> narrow floats round once (no double rounding through f32)', async () => {
    // 2^24 + 2^16 + 1 rounds to 2^24 + 2^16 in f32, a bf16 tie that would then round down; once, it rounds up.
    const values = Int32Array.of(0, -1, 16777217, 16842753, -16842753, 2 ** 31 - 1, -(2 ** 31), 65519, 65520, 123456789, 449, 465);
    const g = ops.trace('int_casts', { i: { dtype: 'i32', shape: [values.length] } }, ({ i }) => ({
      bf16: ops.cast(i!, 'bf16'),
      f16: ops.cast(i!, 'f16'),
      e4m3: ops.cast(i!, 'f8e4m3fn', 'saturate'),
      e5m2: ops.cast(i!, 'f8e5m2', 'torch'),
      f32: ops.cast(i!, 'f32'),
    }));
    await expectAgree(await gpu(), g, { i: tensorData('i32', [values.length], values) });
  });

  it('float -> i32/u8/bool and u8/bool -> float casts saturate and compare as the spec says', async () => {
    const x = f32Patterns([0x4f000000, 0xcf000001, 0x437f0000, 0x43800000, 0xbf000000, 0x3f7fffff, 0x40490fdb]);
    const n = x.length;
    const g = ops.trace('int_casts', { x: { dtype: 'f32', shape: [n] } }, ({ x: t }) => {
      const u = ops.cast(t!, 'u8');
      const b = ops.cast(t!, 'bool');
      return { i: ops.cast(t!, 'i32'), u, b, uBack: ops.cast(u, 'bf16'), bBack: ops.cast(b, 'f16'), notB: ops.logicalNot(b), cmp: ops.less(u, ops.cast(ops.cast(t!, 'i32'), 'u8')) };
    });
    await expectAgree(await gpu(), g, { x: tensorData('f32', [n], x) });
  });
});
