// One case per composite with its own derivative rule: the composite alone in a small graph, random shapes,
// attributes and values drawn through fast-check, differentiated with respect to every f32 operand. A composite with
// several float results is checked through one output, their flattened concatenation, or through its first result
// alone (the others then get no cotangent).

import type { F64Tensor } from '../../src/backends/reference/index.js';
import { CROSS_ENTROPY } from '../../src/composites/cross-entropy.js';
import { MLA_ATTENTION, mlaCacheTypes, mlaWeightNames, mlaWeightShapes, type MlaAttrs } from '../../src/composites/mla.js';
import { MOE, moeWeightNames, moeWeightShapes, type MoeAttrs } from '../../src/composites/moe.js';
import { RMS_NORM } from '../../src/composites/norm.js';
import { LOG_SOFTMAX, SOFTMAX } from '../../src/composites/softmax.js';
import { numel, type CompositeDef, type DType, type GraphBuilder, type Shape, type Value } from '../../src/ir/index.js';
import type { GradientCheck } from './finite-difference-check.js';
import type { Draw } from './rule-cases.js';

type Operand = readonly [name: string, dtype: DType, tensor: F64Tensor];

export interface CompositeCase extends GradientCheck {
  /**
   * Whether no finite-difference step can change a discrete choice the composite makes (MoE routing: a bias far
   * larger than any score decides it). Finite differences are only checked where it cannot.
   */
  readonly smooth: boolean;
}

/** `def` applied to every operand; its float results, or only the first, flattened into one output. */
function compositeCheck(d: Draw, def: CompositeDef, operands: readonly Operand[], attrs: Record<string, unknown>, smooth = true): CompositeCase {
  const allResults = d.bool();
  const check = d.check(operands, (b: GraphBuilder, xs: Value[]) => {
    const results = b.composite(def, xs, attrs as never).filter((v) => v.dtype === 'f32');
    const used = allResults ? results : results.slice(0, 1);
    const flat = used.map((v) => b.op('reshape', [v], { shape: [numel(v.shape)] }));
    return flat.length === 1 ? flat[0]! : b.op('concat', flat, { axis: 0 });
  });
  return { ...check, smooth };
}

const f32 = (d: Draw, name: string, shape: Shape): Operand => [name, 'f32', d.floats(shape)];

export const COMPOSITE_CASES: Readonly<Record<string, (d: Draw) => CompositeCase>> = {
  softmax: (d) => {
    const shape = d.shape(1);
    return compositeCheck(d, SOFTMAX, [f32(d, 'x', shape)], { axis: d.int(0, shape.length - 1) });
  },
  log_softmax: (d) => {
    const shape = d.shape(1);
    return compositeCheck(d, LOG_SOFTMAX, [f32(d, 'x', shape)], { axis: d.int(0, shape.length - 1) });
  },
  cross_entropy: (d) => {
    const shape = d.shape(1);
    const classes = shape.at(-1)!;
    return compositeCheck(d, CROSS_ENTROPY, [f32(d, 'logits', shape), ['targets', 'i32', d.ints(shape.slice(0, -1), 0, classes - 1)]], {});
  },
  rms_norm: (d) => {
    const shape = d.shape(1);
    return compositeCheck(d, RMS_NORM, [f32(d, 'x', shape), f32(d, 'weight', [shape.at(-1)!])], { eps: d.bool() ? 1e-6 : 0.5 });
  },
  moe: (d) => {
    const [tokens, dim, hidden] = [d.int(1, 3), d.int(1, 3), d.int(1, 2)];
    const experts = 2 * d.int(1, 2);
    // Group-limited routing needs groups of at least two experts (a group scores its top two).
    const groups = experts === 4 && d.bool() ? 2 : 1;
    const topkGroups = d.int(1, groups);
    const a: MoeAttrs = {
      topk: d.int(1, (experts / groups) * topkGroups),
      groups,
      topk_groups: topkGroups,
      scoring: d.bool() ? 'sigmoid' : 'softmax',
      route_scale: 0.5 + d.int(0, 4) / 2,
      router_bias: d.bool(),
      shared: d.bool(),
    };
    const shapes = moeWeightShapes(a, dim, hidden, experts);
    // Biases 4·2^i apart (distinct subset sums too, for group scores) outweigh every score difference (< 2).
    const bias: F64Tensor = { shape: [experts], data: Float64Array.from(d.permutation(experts), (i) => 4 * 2 ** i) };
    const operand = (n: string): Operand => (n === 'router_bias' ? [n, 'f32', bias] : f32(d, n, shapes[n]!));
    return compositeCheck(d, MOE, [f32(d, 'x', [tokens, dim]), ...moeWeightNames(a).map(operand)], a, a.router_bias);
  },
  mla_attention: (d) => {
    const [batch, chunk, dim, heads] = [d.int(1, 2), d.int(1, 3), d.int(1, 3), d.int(1, 2)];
    const a: MlaAttrs = {
      heads,
      qk_nope: d.int(1, 2),
      qk_rope: 2,
      v_head: d.int(1, 2),
      kv_lora: d.int(1, 3),
      q_lora: d.bool() ? 2 : 0,
      attention: d.bool() ? 'absorb' : 'naive',
      softmax_scale: 0.5,
      eps: 1e-6,
    };
    const startPos = d.int(0, 2);
    const cacheShapes = Object.entries(mlaCacheTypes(a, batch, startPos + chunk + d.int(0, 1)));
    const shapes = mlaWeightShapes(a, dim);
    return compositeCheck(
      d,
      MLA_ATTENTION,
      [
        f32(d, 'x', [batch, chunk, dim]),
        f32(d, 'cos', [chunk, a.qk_rope / 2]),
        f32(d, 'sin', [chunk, a.qk_rope / 2]),
        ['start_pos', 'i32', d.ints([], startPos, startPos)],
        ...cacheShapes.map(([name, shape]) => f32(d, name, shape)),
        ...mlaWeightNames(a).map((n) => f32(d, n, shapes[n]!)),
      ],
      a,
    );
  },
};
