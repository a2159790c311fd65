// The rotary table and the attention softmax scale, as the official `precompute_freqs_cis` and `MLA.__init__`
// compute them. Quirk 3 (spec/golden/README.md §Quirks): YaRN (frequency correction and mscale) applies only when
// the run's max_seq_len exceeds the original context; like the golden data, we take max_seq_len =
// max_position_embeddings from config.json.
// The table is computed in float32 step by step (Math.fround after every torch f32 op), which reproduces torch's.

import type { ModelConfig, YarnScaling } from './config.js';

/** The YaRN settings when they apply to this config, else undefined. */
export function activeYarn(c: ModelConfig): YarnScaling | undefined {
  const y = c.ropeScaling;
  return y !== null && c.maxPositionEmbeddings > y.originalMaxPositionEmbeddings ? y : undefined;
}

/** Per-pair rotation frequencies (f32 values), with the YaRN blend when active. */
export function ropeFrequencies(c: ModelConfig): Float32Array {
  const dim = c.qkRopeHeadDim;
  const half = dim / 2;
  const f = Math.fround;
  const base = f(c.ropeTheta);
  const freqs = new Float32Array(half);
  for (let i = 0; i < half; i++) freqs[i] = f(1 / f(Math.pow(base, f(f(2 * i) / dim))));
  const yarn = activeYarn(c);
  if (yarn === undefined) return freqs;
  // find_correction_range, in double precision like the Python math module.
  const correctionDim = (rotations: number) =>
    (dim * Math.log(yarn.originalMaxPositionEmbeddings / (rotations * 2 * Math.PI))) / (2 * Math.log(c.ropeTheta));
  const low = Math.max(Math.floor(correctionDim(yarn.betaFast)), 0);
  let high = Math.min(Math.ceil(correctionDim(yarn.betaSlow)), dim - 1);
  if (low === high) high += 0.001;
  const span = f(high - low);
  for (let i = 0; i < half; i++) {
    const ramp = Math.min(Math.max(f(f(i - low) / span), 0), 1);
    const smooth = f(1 - ramp);
    freqs[i] = f(f(f(freqs[i]! / f(yarn.factor)) * f(1 - smooth)) + f(freqs[i]! * smooth));
  }
  return freqs;
}

export interface RopeTable {
  /** [positions, rope_dim / 2], row-major. */
  readonly cos: Float32Array;
  readonly sin: Float32Array;
  readonly positions: number;
}

/** cos and sin of the f32 angle t·freq for t in [0, positions). */
export function ropeTable(c: ModelConfig, positions: number): RopeTable {
  const freqs = ropeFrequencies(c);
  const half = freqs.length;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let t = 0; t < positions; t++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(t * freqs[i]!);
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin, positions };
}

/** (nope + rope)^-0.5, times mscale² when YaRN is active (m = 0.1·mscale·ln(factor) + 1). */
export function softmaxScale(c: ModelConfig): number {
  const scale = (c.qkNopeHeadDim + c.qkRopeHeadDim) ** -0.5;
  const yarn = activeYarn(c);
  if (yarn === undefined) return scale;
  const m = 0.1 * yarn.mscale * Math.log(yarn.factor) + 1;
  return scale * m * m;
}
