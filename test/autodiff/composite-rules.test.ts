// The composites' own derivative rules (spec/autodiff.md): each against the gradient of its decomposition and
// against central finite differences, in float64 on the reference interpreter, as fast-check properties over
// random shapes, attributes and values; and what the MoE rule passes to the gate and the experts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cotangentName, grad, gradName } from '../../src/autodiff/index.js';
import { evaluateFloat64, type F64Tensor } from '../../src/backends/reference/index.js';
import { decompose } from '../../src/compiler/passes/index.js';
import { COMPOSITES } from '../../src/composites/index.js';
import type { Graph } from '../../src/ir/index.js';
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
