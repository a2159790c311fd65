// Property tests on random graphs, on one backend against the oracle: casts bit for bit over random
// bit patterns (chained, both fp8 modes), graphs of integers and bools exactly, and graphs of anything (floats with
// specials, composites, discrete ops after arithmetic) within the bounds the tolerance table derives for them —
// elements a legitimate rounding difference could flip are counted as undetermined, never compared loosely.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocStorage, GraphBuilder, isFp8, printGraph, tensorData, type DType, type Graph, type TensorData } from '../../src/ir/index.js';
import { checkCase, describeVerdict, passed, type CaseVerdict } from '../../src/conformance/run.js';
import type { ConformanceCase } from '../../src/conformance/case.js';
import { useOptionalResource } from '../support/optional-resource.js';
import { INTEGER_KINDS, randomGraphWithInputs } from '../support/random-graph.js';
import { quickPass, type BackendUnderTest } from './backends.js';

const DTYPES: readonly DType[] = ['f32', 'f16', 'bf16', 'f8e4m3fn', 'f8e5m2', 'i32', 'u8', 'bool'];
const CODE_BITS: Readonly<Record<DType, number>> = { f32: 32, f16: 16, bf16: 16, f8e4m3fn: 8, f8e5m2: 8, i32: 32, u8: 8, bool: 1 };

/**
 * Every run compiles new kernels, so each property takes a share of the global run count, and a backend that
 * compiles slowly takes `quick` runs in the quick pass.
 */
const runs = (target: BackendUnderTest, share: number, quick: number) => ({
  numRuns: quickPass(target) ? quick : Math.max(quick, Math.round(fc.readConfigureGlobal().numRuns! * share)),
});

interface CastStep {
  readonly dtype: DType;
  readonly mode?: 'saturate' | 'torch';
}

const castStep = fc.constantFrom(...DTYPES).chain((dtype): fc.Arbitrary<CastStep> => (isFp8(dtype) ? fc.constantFrom('saturate' as const, 'torch' as const).map((mode) => ({ dtype, mode })) : fc.constant({ dtype })));

/** Random storage bits of `dtype` (every NaN payload, subnormal and extreme included). */
const bitPatterns = (dtype: DType, n: number): fc.Arbitrary<TensorData> =>
  fc.array(CODE_BITS[dtype] === 32 ? fc.integer() : fc.integer({ min: 0, max: 2 ** CODE_BITS[dtype] - 1 }), { minLength: n, maxLength: n }).map((codes) => {
    if (dtype === 'f32') return tensorData('f32', [n], new Float32Array(Uint32Array.from(codes).buffer));
    if (dtype === 'i32') return tensorData('i32', [n], Int32Array.from(codes));
    const data = allocStorage(dtype, n);
    codes.forEach((c, i) => (data[i] = c));
    return tensorData(dtype, [n], data);
  });

/** x (random bits) cast to a, then to b: every intermediate is an output. */
const castChain = fc.tuple(fc.constantFrom(...DTYPES), castStep, castStep).chain(([from, a, b]) =>
  bitPatterns(from, 64).map((x): ConformanceCase => {
    const g = new GraphBuilder('cast_chain');
    const first = g.op('cast', [g.input('x', { dtype: from, shape: [64] })], { ...a });
    const graph = g.build({ first, second: g.op('cast', [first], { ...b }) });
    return { name: `cast ${from} -> ${a.dtype} -> ${b.dtype}`, graph, inputs: { x }, weights: {}, nanBits: true };
  }),
);

const asCase = ({ graph, inputs }: { graph: Graph; inputs: Record<string, TensorData> }): ConformanceCase => ({ name: 'random graph', graph, inputs, weights: {} });

const failure = (v: CaseVerdict, c: ConformanceCase) => `${describeVerdict(v)}\n${printGraph(c.graph)}`;

/** The property tests on `target` (registers a describe block). */
export function propertySuite(target: BackendUnderTest): void {
  describe(`${target.name} on random graphs`, () => {
    const backend = useOptionalResource(target.resource);

    it('casts bit for bit: random bit patterns through chains of two casts', async () => {
      await fc.assert(
        fc.asyncProperty(castChain, async (c) => {
          const v = await checkCase(backend(), c);
          if (!passed(v)) throw new Error(failure(v, c));
          expect(v.outputs.every((o) => o.undetermined === 0)).toBe(true);
        }),
        runs(target, 0.5, 10),
      );
    });

    it('graphs of integers and bools agree exactly', async () => {
      const graphs = randomGraphWithInputs({ inputDTypes: { i32: 3, bool: 1, u8: 1 }, kinds: INTEGER_KINDS });
      await fc.assert(
        fc.asyncProperty(graphs, async (g) => {
          const c = asCase(g);
          const v = await checkCase(backend(), c);
          if (!passed(v)) throw new Error(failure(v, c));
          expect(v.outputs.every((o) => o.undetermined === 0 && o.worstRatio === 0)).toBe(true);
        }),
        runs(target, 0.3, 8),
      );
    });

    it('graphs of anything agree within the bounds of the tolerance table', async () => {
      let [compared, undetermined] = [0, 0];
      await fc.assert(
        fc.asyncProperty(randomGraphWithInputs(target.ieeeSpecials ? {} : { specials: false, specialConstants: false }), async (g) => {
          const c = asCase(g);
          const v = await checkCase(backend(), c);
          if (!passed(v)) throw new Error(failure(v, c));
          for (const o of v.outputs) [compared, undetermined] = [compared + o.elements, undetermined + o.undetermined];
        }),
        runs(target, 0.5, 6),
      );
      console.info(`${target.name}: ${undetermined} of ${compared} elements undetermined (left uncompared)`);
      expect(undetermined, 'the bounds leave most elements determined').toBeLessThan(compared * 0.2);
    });
  });
}
