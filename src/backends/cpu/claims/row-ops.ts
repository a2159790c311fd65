// The elementwise and row operations of the claimed kernels. Each rounds where its decomposition rounds: every f32
// op once (Math.fround), every float sum in float64 in index order and once at the end, as the CPU kernels do
// (spec/kernel-ir.md §Accumulation), so a claimed kernel equals its decomposition bit for bit.

const f = Math.fround;

/** sigmoid's decomposition, 1 / (exp(-x) + 1). */
export const sigmoid = (x: number): number => f(1 / f(f(Math.exp(-x)) + 1));

/** swiglu's decomposition, silu(gate) · up with silu(x) = x · sigmoid(x). */
export const swiglu = (gate: number, up: number): number => f(f(gate * sigmoid(gate)) * up);

/** A strided run of rows: row r starts at data[offset + r * stride]. */
export interface Rows {
  readonly data: Float32Array;
  readonly offset: number;
  readonly stride: number;
}

export const rowsOf = (data: Float32Array, offset: number, stride: number): Rows => ({ data, offset, stride });

/** rms_norm of `count` rows of `width`: x · recip(sqrt(f32(Σx²) / width + eps)) · w. `out` may be `x`. */
export function rmsNormRows(x: Rows, count: number, width: number, w: Float32Array, eps: number, out: Rows): void {
  const epsF = f(eps);
  for (let r = 0; r < count; r++) {
    const xs = x.offset + r * x.stride;
    let sum = 0;
    for (let i = 0; i < width; i++) {
      const v = x.data[xs + i]!;
      sum += f(v * v);
    }
    const inv = f(1 / f(Math.sqrt(f(f(f(sum) / width) + epsF))));
    const os = out.offset + r * out.stride;
    for (let i = 0; i < width; i++) out.data[os + i] = f(f(x.data[xs + i]! * inv) * w[i]!);
  }
}

/**
 * rope in place on `count` rows of `half` interleaved pairs: (x0, x1) -> (x0·cos - x1·sin, x0·sin + x1·cos), with
 * row r using the table row `tableRow(r)` of cos and sin ([., half]).
 */
export function ropeRows(x: Rows, count: number, half: number, cos: Float32Array, sin: Float32Array, tableRow: (r: number) => number): void {
  for (let r = 0; r < count; r++) {
    const xs = x.offset + r * x.stride;
    const ts = tableRow(r) * half;
    for (let i = 0; i < half; i++) {
      const x0 = x.data[xs + 2 * i]!, x1 = x.data[xs + 2 * i + 1]!;
      const c = cos[ts + i]!, s = sin[ts + i]!;
      x.data[xs + 2 * i] = f(f(x0 * c) - f(x1 * s));
      x.data[xs + 2 * i + 1] = f(f(x0 * s) + f(x1 * c));
    }
  }
}

/**
 * Causal masking, then softmax, in place over data[offset .. offset + length): positions after `lastVisible` become
 * -inf (as `where(visible, scores, -inf)` makes them), then softmaxRow.
 */
export function causalSoftmaxRow(data: Float32Array, offset: number, length: number, lastVisible: number): void {
  for (let i = Math.max(0, lastVisible + 1); i < length; i++) data[offset + i] = -Infinity;
  softmaxRow(data, offset, length);
}

/** softmax in place over data[offset .. offset + length): exp(x - max) / Σ exp(x - max). */
export function softmaxRow(data: Float32Array, offset: number, length: number): void {
  const end = offset + length;
  let max = -Infinity;
  for (let i = offset; i < end; i++) max = Math.max(max, data[i]!);
  let sum = 0;
  for (let i = offset; i < end; i++) {
    const e = f(Math.exp(f(data[i]! - max)));
    data[i] = e;
    sum += e;
  }
  const total = f(sum);
  for (let i = offset; i < end; i++) data[i] = f(data[i]! / total);
}
