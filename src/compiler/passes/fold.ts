// fold: evaluates at compile time what only depends on splat constants (`full`): elementwise ops and casts of
// splats, movement of a splat (still a splat of the new shape) and reductions of a splat. Elements are evaluated
// by the ops' own entries (src/ir/ops), exactly as spec/ops.md defines them.

import { CAST, elementwiseDef, evaluateElementwise, type DType, type Graph, type Node, type Value } from '../../ir/index.js';
import type { Fp8CastMode } from '../../numerics/index.js';
import { rewriteGraph } from '../rewrite.js';

const SHAPE_ONLY = new Set(['reshape', 'permute', 'broadcast', 'slice', 'dynamic_slice']);

const splatValue = (v: Value): number | undefined => (v.node?.op === 'full' ? (v.node.attrs.value as number) : undefined);

function foldedValue(n: Node, inputs: readonly Value[]): number | undefined {
  const splats = inputs.map(splatValue);
  const allSplat = splats.every((s) => s !== undefined);
  const elementwise = elementwiseDef(n.op);
  // The last operand has the dtype the op computes in (`where`'s first is its condition).
  if (elementwise && allSplat) return evaluateElementwise(elementwise, inputs[inputs.length - 1]!.dtype, splats as number[]);
  if (n.op === 'cast' && allSplat) return CAST.evaluate(splats[0]!, inputs[0]!.dtype, n.attrs.dtype as DType, n.attrs.mode as Fp8CastMode | undefined);
  if (SHAPE_ONLY.has(n.op) && splats[0] !== undefined) return splats[0];
  if ((n.op === 'reduce_max' || n.op === 'reduce_min') && splats[0] !== undefined && inputs[0]!.shape.every((d) => d > 0)) return splats[0];
  if (n.op === 'reduce_sum' && splats[0] !== undefined && inputs[0]!.dtype !== 'i32') {
    const count = inputs[0]!.shape.reduce((p, d) => p * d, 1) / n.outputs[0]!.shape.reduce((p, d) => p * d, 1);
    return CAST.evaluate(Math.fround(splats[0]! * count), 'f32', inputs[0]!.dtype);
  }
  return undefined;
}

export function foldConstants(g: Graph): Graph {
  return rewriteGraph(g, (n, inputs, b) => {
    if (n.body) return undefined;
    const value = foldedValue(n, inputs);
    if (value === undefined) return undefined;
    const out = n.outputs[0]!;
    return [b.op('full', [], { dtype: out.dtype, shape: [...out.shape], value })];
  });
}
