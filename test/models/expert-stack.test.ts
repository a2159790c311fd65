// ExpertStack: an expert's [out, in] checkpoint tensor lands transposed in its slice of the [E, in, out] stack,
// bf16 widened in the same pass bit for bit (NaN payloads, infinities, subnormals, signed zeros), across whole and
// partial transpose tiles; experts never asked for stay zero.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpertStack, type ExpertTensor } from '../../src/models/deepseek/expert-stack.js';
import type { StackedSlot } from '../../src/models/deepseek/layout.js';
import { decodeBf16 } from '../../src/numerics/index.js';

const slot = (E: number, inDim: number, outDim: number): StackedSlot => ({
  name: 'experts.stacked',
  shape: [E, inDim, outDim],
  parts: Array.from({ length: E }, (_, e) => ({ name: `experts.${e}`, shape: [outDim, inDim] })),
});

describe('ExpertStack', () => {
  it('transposes bf16 and f32 experts into their slices bit for bit, and leaves the others zero', () => {
    const dims = fc.record({ inDim: fc.integer({ min: 1, max: 70 }), outDim: fc.integer({ min: 1, max: 70 }), kind: fc.constantFrom('bf16', 'f32') });
    fc.assert(
      fc.property(
        dims.chain(({ inDim, outDim, kind }) =>
          fc.record({
            inDim: fc.constant(inDim),
            outDim: fc.constant(outDim),
            kind: fc.constant(kind),
            bits: fc.array(fc.integer({ min: 0, max: kind === 'bf16' ? 0xffff : 0xffffffff }), { minLength: 2 * inDim * outDim, maxLength: 2 * inDim * outDim }),
          }),
        ),
        ({ inDim, outDim, kind, bits }) => {
          const E = 3;
          const n = inDim * outDim;
          const experts = [0, 2].map((k) => bits.slice((k / 2) * n, (k / 2 + 1) * n));
          const tensors: ({ bf16: Uint16Array } | { f32: Float32Array })[] = experts.map((b) => (kind === 'bf16' ? { bf16: Uint16Array.from(b) } : { f32: new Float32Array(Uint32Array.from(b).buffer) }));
          const stack = new ExpertStack(slot(E, inDim, outDim), (part) => tensors[Number(part.name.split('.')[1]) / 2]!);
          stack.load(0);
          stack.load(2);
          const got = new Uint32Array((stack.tensor.data as Float32Array).buffer);
          [0, 2].forEach((e, k) => {
            const t = tensors[k]!;
            const w = 'bf16' in t ? decodeBf16(t.bf16) : t.f32;
            const bitsOf = new Uint32Array(w.buffer, w.byteOffset, w.length);
            // Element [e, i, o] of the stack is expert e's [o, i].
            const want = Array.from({ length: n }, (_, j) => bitsOf[(j % outDim) * inDim + Math.floor(j / outDim)]);
            expect(Array.from(got.subarray(e * n, (e + 1) * n)), `expert ${e}`).toEqual(want);
          });
          expect(got.subarray(n, 2 * n).every((b) => b === 0)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('holds a bf16 or f16 stack in its own dtype: the experts\' bits transposed, not widened', () => {
    for (const dtype of ['bf16', 'f16'] as const) {
      const [E, inDim, outDim] = [2, 37, 41];
      const bits = Uint16Array.from({ length: inDim * outDim }, (_, i) => (i * 40503) & 0xffff);
      const read = (): ExpertTensor => (dtype === 'bf16' ? { bf16: bits } : { f16: bits });
      const stack = new ExpertStack({ ...slot(E, inDim, outDim), stored: dtype }, read);
      stack.load(1);
      expect(stack.tensor.dtype).toBe(dtype);
      const got = stack.tensor.data as Uint16Array;
      const want = Array.from({ length: inDim * outDim }, (_, j) => bits[(j % outDim) * inDim + Math.floor(j / outDim)]);
      expect(Array.from(got.subarray(inDim * outDim))).toEqual(want);
      expect(got.subarray(0, inDim * outDim).every((b) => b === 0)).toBe(true);
      expect(() => new ExpertStack({ ...slot(E, inDim, outDim), stored: dtype }, () => ({ f32: new Float32Array(inDim * outDim) })).load(0)).toThrow(
        `a ${dtype} stack takes ${dtype} bits`,
      );
    }
  });
});
