// Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_ computes it on float32 gradients (torch 2.6):
//   norm_p = ‖g_p‖₂ per tensor, an f32 value (here summed exactly enough in f64, then rounded to f32);
//   total  = ‖(norm_p)_p‖₂, rounded to f32: the norm BEFORE clipping, which torch returns;
//   coef   = min(1, f32(max_norm) / f32(total + f32(1e-6))), every operation rounded to f32;
//   g      ← f32(g · coef).
// Torch's own f32 norms accumulate in an order of its kernels, so `total` may differ from torch's in the last bits;
// `coef` then follows from it exactly.

const f32 = Math.fround;

export interface GradientNorm {
  /** The global L2 norm of all gradients before clipping (f32). */
  readonly total: number;
  /** The factor every gradient is multiplied by, at most 1 (f32). */
  readonly coef: number;
}

export function gradientNorm(grads: Iterable<Float32Array>, maxNorm: number): GradientNorm {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new RangeError(`maxNorm must be a finite number > 0, got ${maxNorm}`);
  let squares = 0;
  for (const g of grads) {
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
    squares += f32(Math.sqrt(s)) ** 2;
  }
  const total = f32(Math.sqrt(squares));
  return { total, coef: Math.min(1, f32(f32(maxNorm) / f32(total + f32(1e-6)))) };
}

/** f32(g · coef) for every element, in a new array. */
export function scaleGradient(g: Float32Array, coef: number): Float32Array {
  const out = new Float32Array(g.length);
  for (let i = 0; i < g.length; i++) out[i] = g[i]! * coef;
  return out;
}
