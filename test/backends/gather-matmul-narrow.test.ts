// gather_matmul with f32 rows and bf16 or f16 experts, on every registered backend: the experts are widened as they
// are read, so the result is bit for bit that of the same experts widened to f32 in the graph first (a cast the
// compiler stores whole), and only the narrow weight is bound.

import { describe, expect, it } from 'vitest';
import { backendEntries } from '../../src/backends/registry.js';
import { parseGraph, tensorData, weightMap, type TensorData } from '../../src/ir/index.js';
import { encodeFloats } from '../../src/numerics/index.js';
import { backendUnderTest } from '../conformance/backends.js';
import { useOptionalResource } from '../support/optional-resource.js';

const [R, K, E, N] = [7, 70, 5, 9];

function values(seed: number, n: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 4;
  });
}

const graph = (dtype: string, widenFirst: boolean) =>
  parseGraph(
    `graph g(%x: f32[${R},${K}], %ids: i32[${R}]) {\n` +
      `  %w = weight() {dtype="${dtype}", name="w", shape=[${E},${K},${N}]} : ${dtype}[${E},${K},${N}]\n` +
      (widenFirst ? `  %f = cast(%w) {dtype="f32"} : f32[${E},${K},${N}]\n  %y = gather_matmul(%x, %f, %ids) : f32[${R},${N}]\n` : `  %y = gather_matmul(%x, %w, %ids) : f32[${R},${N}]\n`) +
      `  return y = %y\n}`,
  );

const bits = (t: TensorData) => Array.from(new Uint32Array((t.data as Float32Array).slice().buffer));

for (const entry of backendEntries()) {
  const target = backendUnderTest(entry);
  describe(`gather_matmul over narrow experts on ${target.name}`, () => {
    const backend = useOptionalResource(target.resource);
    it('gives the bits of the experts widened first (bf16, f16)', async () => {
      const inputs = { x: tensorData('f32', [R, K], values(1, R * K)), ids: tensorData('i32', [R], Int32Array.of(4, 0, 4, 2, 3, 0, 1)) };
      for (const dtype of ['bf16', 'f16'] as const) {
        const weights = weightMap({ w: tensorData(dtype, [E, K, N], encodeFloats(values(2, E * K * N), dtype)) });
        const [narrow, wide] = await Promise.all([false, true].map((first) => backend().compile(graph(dtype, first), weights)));
        try {
          const [a, b] = [(await narrow!.run(inputs)).outputs.y!, (await wide!.run(inputs)).outputs.y!];
          expect(bits(a), dtype).toEqual(bits(b));
        } finally {
          narrow!.dispose();
          wide!.dispose();
        }
      }
    }, 300_000);
  });
}
