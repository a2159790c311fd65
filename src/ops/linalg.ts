// Matrix products: matmul with numpy semantics (1-D operands, broadcast batch dimensions) and torch's linear.

import { broadcastShapes, formatShape, IRError } from '../ir/index.js';
import { add } from './arith.js';
import { broadcastTo, reshape, squeeze, transpose, unsqueeze } from './movement.js';
import { prim, type Tensor } from './tensor.js';
import { typed } from './typed.js';

export const matmul = typed('matmul', {
  'Tensor, Tensor': (a: Tensor, b: Tensor) => {
    if (a.rank === 0 || b.rank === 0) throw new IRError(`matmul: operands must have rank >= 1, got ${a} and ${b}`);
    const a2 = a.rank === 1 ? unsqueeze(a, 0) : a;
    const b2 = b.rank === 1 ? unsqueeze(b, 1) : b;
    const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
    if (!batch) throw new IRError(`matmul: batch dimensions of ${a} and ${b} do not broadcast`);
    const [m, k] = a2.shape.slice(-2) as [number, number];
    const [k2, n] = b2.shape.slice(-2) as [number, number];
    if (k !== k2) throw new IRError(`matmul: ${a} x ${b}: contracted dimensions differ (${k} vs ${k2})`);
    const lhs = broadcastTo(a2, [...batch, m, k]);
    const rhs = broadcastTo(b2, [...batch, k, n]);
    let out = prim(lhs, 'matmul', [lhs, rhs]);
    if (a.rank === 1) out = squeeze(out, -2);
    if (b.rank === 1) out = squeeze(out, -1);
    return out;
  },
});

/** torch.nn.functional.linear: x @ weightᵀ (+ bias), with weight stored [out_features, in_features]. */
export const linear = typed('linear', {
  'Tensor, Tensor': (x: Tensor, w: Tensor): Tensor => {
    if (w.rank !== 2 || x.shape[x.rank - 1] !== w.shape[1])
      throw new IRError(`linear: weight ${w} must be [out_features, ${x.shape[x.rank - 1]}] for input ${x}`);
    const flat = reshape(x, [-1, w.shape[1]!]);
    const y = matmul(flat, transpose(w));
    return reshape(y, [...x.shape.slice(0, -1), w.shape[0]!]);
  },
  'Tensor, Tensor, Tensor': (x: Tensor, w: Tensor, b: Tensor): Tensor => {
    if (b.rank !== 1 || b.shape[0] !== w.shape[0]) throw new IRError(`linear: bias ${b} must be ${formatShape([w.shape[0]!])}`);
    return add(linear(x, w), b);
  },
});

/** Per-row expert matmul: out[r] = x[r] @ w[ids[r]] for x [R, K], w [E, K, N], ids i32 [R]. */
export const gatherMatmul = typed('gatherMatmul', {
  'Tensor, Tensor, Tensor': (x: Tensor, w: Tensor, ids: Tensor) => prim(x, 'gather_matmul', [x, w, ids]),
});
