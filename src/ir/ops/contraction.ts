// Contractions: batched matmul, and the per-row expert matmul of MoE layers.

import { fail } from '../errors.js';
import { formatType, type Value } from '../graph.js';
import type { GraphBuilder } from '../builder.js';
import type { OpDef } from '../op.js';
import { filled } from './vjp-building.js';

/** `v` with its last two axes swapped. */
function transposed(b: GraphBuilder, v: Value): Value {
  const r = v.shape.length;
  return b.op('permute', [v], { perm: [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2] });
}

const MATMUL: OpDef = {
  name: 'matmul',
  family: 'contraction',
  operands: 2,
  attrs: {},
  infer: ([a, b]) => {
    const what = `${formatType(a!)} x ${formatType(b!)}`;
    if (a!.dtype !== b!.dtype) fail(`operand dtypes differ (${what}); cast explicitly`);
    if (!['f32', 'f16', 'bf16'].includes(a!.dtype)) fail(`dtype ${a!.dtype} not supported (${what}); expected f32, f16 or bf16`);
    const ra = a!.shape.length;
    if (ra < 2 || b!.shape.length !== ra) fail(`operands must have the same rank >= 2 (${what})`);
    const batch = a!.shape.slice(0, -2);
    if (batch.some((d, i) => d !== b!.shape[i])) fail(`batch dimensions differ (${what}); broadcast explicitly`);
    const [m, k] = a!.shape.slice(-2) as [number, number];
    const [k2, n] = b!.shape.slice(-2) as [number, number];
    if (k !== k2) fail(`contracted dimensions differ: ${k} vs ${k2} (${what})`);
    return { dtype: a!.dtype, shape: [...batch, m, n] };
  },
  // d a = g · bᵀ, d b = aᵀ · g.
  vjp: (b, node, g) => {
    const [x, y] = node.inputs as [Value, Value];
    return [b.op('matmul', [g, transposed(b, y)]), b.op('matmul', [transposed(b, x), g])];
  },
};

/** The dtypes gather_matmul's experts may have with f32 rows: narrow floats, widened exactly as they are read. */
const NARROW_EXPERTS: readonly string[] = ['bf16', 'f16'];

/**
 * gather_matmul: x[R, K] with w[E, K, N] and ids[R] (i32) -> [R, N], out[r] = x[r] @ w[ids[r]].
 * The grouped GEMM of mixture-of-experts layers: each row meets only its own expert's matrix. With f32 rows the
 * experts may be bf16 or f16, so that weights stay in their stored dtype.
 */
export const GATHER_MATMUL: OpDef = {
  name: 'gather_matmul',
  family: 'contraction',
  operands: 3,
  attrs: {},
  infer: ([x, w, ids]) => {
    const what = `${formatType(x!)} x ${formatType(w!)} by ${formatType(ids!)}`;
    if (!['f32', 'f16', 'bf16'].includes(x!.dtype)) fail(`x must be f32, f16 or bf16 (${what})`);
    if (x!.dtype !== w!.dtype && !(x!.dtype === 'f32' && NARROW_EXPERTS.includes(w!.dtype)))
      fail(`w must have x's dtype, or be bf16 or f16 with f32 x (${what})`);
    if (x!.shape.length !== 2 || w!.shape.length !== 3) fail(`expected x [R, K] and w [E, K, N] (${what})`);
    if (ids!.dtype !== 'i32' || ids!.shape.length !== 1 || ids!.shape[0] !== x!.shape[0]) fail(`ids must be i32 [${x!.shape[0]}] (${what})`);
    if (x!.shape[1] !== w!.shape[1]) fail(`contracted dimensions differ: ${x!.shape[1]} vs ${w!.shape[1]} (${what})`);
    return { dtype: x!.dtype, shape: [x!.shape[0]!, w!.shape[2]!] };
  },
  // d x[r] = g[r] · w[ids[r]]ᵀ; d w[e] = Σ over the rows r with ids[r] = e of x[r]ᵀ · g[r]: each row's outer product,
  // scatter-added into its expert in row order. The rows go E at a time, each chunk added onto the sum of those
  // before, so no chunk's products ([E, K, N] at most) outgrow the gradient itself (all R at once would be R·K·N).
  vjp: (b, node, g) => {
    const [x, w, ids] = node.inputs as [Value, Value, Value];
    const [rows, k] = x.shape as [number, number];
    const [experts, , n] = w.shape as [number, number, number];
    const dx = b.op('gather_matmul', [g, b.op('permute', [w], { perm: [0, 2, 1] }), ids]);
    let dw = filled(b, 0, { dtype: x.dtype, shape: w.shape });
    for (let start = 0; start < rows; start += experts) {
      const end = Math.min(rows, start + experts);
      const chunk = end - start;
      const part = (v: Value) => (chunk === rows ? v : b.op('slice', [v], { starts: v.shape.map((_, i) => (i === 0 ? start : 0)), ends: [end, ...v.shape.slice(1)], steps: v.shape.map(() => 1) }));
      const outer = b.op('matmul', [b.op('reshape', [part(x)], { shape: [chunk, k, 1] }), b.op('reshape', [part(g)], { shape: [chunk, 1, n] })]);
      const expertOf = b.op('broadcast', [b.op('reshape', [part(ids)], { shape: [chunk, 1, 1] })], { shape: [chunk, k, n] });
      dw = b.op('scatter_add', [dw, expertOf, outer], { axis: 0 });
    }
    return [dx, w.dtype === x.dtype ? dw : b.op('cast', [dw], { dtype: w.dtype }), null];
  },
};

export const CONTRACTION_OPS: readonly OpDef[] = [MATMUL, GATHER_MATMUL];
