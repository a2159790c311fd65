// The composites' own derivative rules (spec/autodiff.md): each against the gradient of its decomposition and
// against central finite differences, in float64 on the reference interpreter, as fast-check properties over
// random shapes, attributes and values; and what the MoE rule passes to the gate and the experts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cotangentName, grad, gradName } from '../../src/autodiff/index.js';
import { evaluateFloat64, type F64Tensor } from '../../src/backends/reference/index.js';
import { decompose } from '../../src/compiler/passes/index.js';
import { COMPOSITES } from '../../src/composites/index.js';
import { moe, moeWeightNames, moeWeightShapes, type MoeAttrs } from '../../src/composites/moe.js';
import { GraphBuilder, numel, type Graph } from '../../src/ir/index.js';
import { Tensor } from '../../src/ops/index.js';
import { COMPOSITE_CASES } from './composite-cases.js';
import { gradientMismatch, type GradientCheck } from './finite-difference-check.js';
import { Draw } from './rule-cases.js';

const RUNS = Number(process.env.FC_RUNS ?? 12);
/** Relative to the largest element of the decomposition's gradient: both are float64, only their rounding differs. */
const TOLERANCE = 1e-9;

/** The gradients of `c` with respect to its targets, for `graph` (c's graph or its decomposition). */
function gradients(c: GradientCheck, graph: Graph): { graph: Graph; values: Record<string, F64Tensor> } {
  const out = graph.outputs[0]!.name;
  const g = grad(graph, [out], c.wrt, { seed: 'input' });
  return { graph: g, values: evaluateFloat64(g, { ...c.inputs, [cotangentName(out)]: c.cotangent }, c.weights) };
}

/** Where the rule's gradient differs from the decomposition's, or undefined; throws if the rule was not used. */
function ruleAgainstDecomposition(c: GradientCheck, composite: string): string | undefined {
  const byRule = gradients(c, c.graph);
  if (!byRule.graph.nodes.some((n) => n.body && n.op === composite)) throw new Error(`the gradient graph differentiated ${composite} through its decomposition`);
  const byDecomposition = gradients(c, decompose(c.graph));
  for (const target of [...(c.wrt.inputs ?? []), ...(c.wrt.weights ?? [])]) {
    const expected = byDecomposition.values[gradName(target)]!.data;
    const actual = byRule.values[gradName(target)]!.data;
    const scale = Math.max(1, ...expected.map(Math.abs));
    const i = expected.findIndex((v, j) => !(Math.abs(actual[j]! - v) <= TOLERANCE * scale));
    if (i >= 0) return `d/d${target}[${i}] = ${actual[i]} by the rule, ${expected[i]} through the decomposition`;
  }
  return undefined;
}

describe('composite derivative rules', () => {
  it('every composite with a rule has a case', () => {
    expect([...COMPOSITES.values()].filter((d) => d.vjp && !COMPOSITE_CASES[d.name]).map((d) => d.name)).toEqual([]);
  });

  for (const [name, compositeCase] of Object.entries(COMPOSITE_CASES)) {
    it(`${name}: the gradient of its decomposition`, () => {
      fc.assert(
        fc.property(fc.gen(), (g) => {
          const mismatch = ruleAgainstDecomposition(compositeCase(new Draw(fc, g)), name);
          if (mismatch) throw new Error(`${name}: ${mismatch}`);
        }),
        { numRuns: RUNS },
      );
    });
    it(`${name}: finite differences`, () => {
      fc.assert(
        fc.property(fc.gen(), (g) => {
          const c = compositeCase(new Draw(fc, g));
          fc.pre(c.smooth);
          const mismatch = gradientMismatch(c);
          if (mismatch) throw new Error(`${name}: d/d${mismatch.target}[${mismatch.element}] = ${mismatch.analytic}, finite difference ${mismatch.numeric}`);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('the moe rule', () => {
  it('passes the gate gradient through the routing weights only, and nothing to experts no token reached', () => {
    // Four experts, two per token; a bias that picks experts 0 and 2 for every token whatever the scores.
    const a: MoeAttrs = { topk: 2, groups: 1, topk_groups: 1, scoring: 'sigmoid', route_scale: 2.5, router_bias: true, shared: false };
    const shapes = moeWeightShapes(a, 3, 2, 4);
    const b = new GraphBuilder('g');
    const x = new Tensor(b, b.input('x', { dtype: 'f32', shape: [2, 3] }));
    const weights = Object.fromEntries(Object.entries(shapes).map(([n, shape]) => [n, new Tensor(b, b.input(n, { dtype: 'f32', shape: [...shape] }))]));
    const graph = b.build({ y: moe(x, weights, a).y.value });
    const data = (name: string, shape: readonly number[]): F64Tensor => ({
      shape: [...shape],
      data: name === 'router_bias' ? Float64Array.of(10, 0, 10, 0) : Float64Array.from({ length: numel(shape) }, (_, i) => Math.sin(i + name.length)),
    });
    const inputs = Object.fromEntries([['x', data('x', [2, 3])], ...Object.entries(shapes).map(([n, shape]) => [n, data(n, shape)])]);
    const out = evaluateFloat64(grad(graph, ['y'], { inputs: ['x', ...moeWeightNames(a)] }), inputs);
    const slices = (name: string) => {
      const t = out[gradName(name)]!;
      const size = t.data.length / t.shape[0]!;
      return Array.from({ length: t.shape[0]! }, (_, e) => [...t.data.slice(e * size, (e + 1) * size)]);
    };
    const zero = (rows: number[][]) => rows.map((r) => r.every((v) => v === 0));
    for (const name of ['experts_gate', 'experts_up', 'experts_down', 'router']) expect(zero(slices(name)), name).toEqual([false, true, false, true]);
    expect(zero(slices('router_bias'))).toEqual([true, true, true, true]);
  });
});
