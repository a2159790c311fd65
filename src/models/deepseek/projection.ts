// How the model's Linear layers run: the official `linear()`. With gemm "dequant" a projection weight is f32 (FP8
// checkpoints are dequantised when loaded) and the layer is an f32 GEMM. With gemm "fp8" the weight is the
// checkpoint's e4m3fn bytes plus its block scales (a second operand, `<name>.scale_inv`), and the layer is act_quant
// of the input and the FP8 GEMM.
//
// Whether act_quant rounds its scales to powers of two (scale_fmt ue8m0) depends on the official module class
// (golden README, quirk 10): plain `Linear` layers (wq_a, wkv_a, the routed experts) pass scale_fmt on, while
// ColumnParallelLinear and RowParallelLinear (wq / wq_b, wkv_b, wo, the dense MLP, the shared experts) call
// `linear()` without it and so always use plain amax / 448 scales.

import type { Attrs } from '../../ir/index.js';
import { fp8BlockDequantize, fp8GatherLinear, fp8Linear, gatherMatmul, linear, type ScaleFormat, type Tensor } from '../../ops/index.js';
import type { Named } from './operands.js';
import type { GemmMode, ModelSettings } from './settings.js';

/** The official module class of a projection: `Linear`, or Column/RowParallelLinear. */
export type LinearClass = 'linear' | 'parallel';

/** The class of each attention projection, by the official names (mla.ts uses the same names). */
export const ATTENTION_LINEAR_CLASS: Readonly<Record<string, LinearClass>> = {
  wq: 'parallel',
  wq_a: 'linear',
  wq_b: 'parallel',
  wkv_a: 'linear',
  wkv_b: 'parallel',
  wo: 'parallel',
};

/**
 * The class of an official Linear module by its path in the official module tree, e.g. `layers.1.attn.wq_a` or
 * `layers.1.ffn.experts.3.w2`: routed experts are plain Linear, the dense MLP and the shared experts parallel.
 */
export function officialLinearClass(path: string): LinearClass {
  const attention = /^layers\.\d+\.attn\.(\w+)$/.exec(path);
  if (attention) {
    const cls = ATTENTION_LINEAR_CLASS[attention[1]!];
    if (cls === undefined) throw new RangeError(`officialLinearClass: ${path} is not an attention projection`);
    return cls;
  }
  if (/^layers\.\d+\.ffn\.experts\.\d+\.w[123]$/.test(path)) return 'linear';
  if (/^layers\.\d+\.ffn\.(shared_experts\.)?w[123]$/.test(path)) return 'parallel';
  throw new RangeError(`officialLinearClass: ${path} is not a Linear of an official decoder layer`);
}

/** Absent attributes mean f32 GEMMs. */
export type ProjectionAttrs = {
  readonly gemm?: GemmMode;
  /** act_quant scale format of plain `Linear` layers. */
  readonly linear_scale_fmt?: ScaleFormat;
  /** act_quant scale format of Column/RowParallelLinear layers (ue8m0 only in the non-official "everywhere" reach). */
  readonly parallel_scale_fmt?: ScaleFormat;
};

const SCALE_FORMATS = ['none', 'ue8m0'];

export const PROJECTION_ATTRS = {
  gemm: { kind: 'enum', values: ['dequant', 'fp8'], optional: true },
  linear_scale_fmt: { kind: 'enum', values: SCALE_FORMATS, optional: true },
  parallel_scale_fmt: { kind: 'enum', values: SCALE_FORMATS, optional: true },
} as const;

/** The settings as attributes: none under gemm dequant, so f32 graphs read as they always did. */
export function projectionAttrs(s: Pick<ModelSettings, 'gemm' | 'scaleFmt' | 'ue8m0Reach'>): ProjectionAttrs {
  return pickProjectionAttrs({ gemm: s.gemm, linear_scale_fmt: s.scaleFmt, parallel_scale_fmt: s.ue8m0Reach === 'all' ? s.scaleFmt : 'none' });
}

/** The projection attributes among `attrs` (a composite passes them on to the composites it contains). */
export function pickProjectionAttrs(attrs: Attrs | ProjectionAttrs): ProjectionAttrs {
  const a = attrs as ProjectionAttrs;
  return a.gemm === 'fp8' ? { gemm: a.gemm, linear_scale_fmt: a.linear_scale_fmt!, parallel_scale_fmt: a.parallel_scale_fmt! } : {};
}

export const usesFp8Gemm = (a: ProjectionAttrs): boolean => a.gemm === 'fp8';

/** The name of the block-scale operand that goes with FP8 projection weight `name`. */
export const scaleOperand = (name: string): string => `${name}.scale_inv`;

/** The operand names of projection weights `names`: each followed by its scales under FP8 GEMMs. */
export const projectionOperands = (names: readonly string[], a: ProjectionAttrs): string[] =>
  names.flatMap((n) => (usesFp8Gemm(a) ? [n, scaleOperand(n)] : [n]));

function scaleFormat(cls: LinearClass, a: ProjectionAttrs): ScaleFormat {
  return (cls === 'linear' ? a.linear_scale_fmt : a.parallel_scale_fmt) ?? 'none';
}

/** x [..., in] through projection `name` of `w` ([out, in]) -> [..., out]. */
export function project(x: Tensor, w: Named, name: string, cls: LinearClass, a: ProjectionAttrs): Tensor {
  return usesFp8Gemm(a) ? fp8Linear(x, w[name]!, w[scaleOperand(name)]!, scaleFormat(cls, a)) : linear(x, w[name]!);
}

/**
 * Rows x [R, in] each through its expert's projection: `name` is stacked [E, in, out] f32 (dequant) or
 * [E, out, in] e4m3fn with [E, ., .] block scales (fp8). The routed experts are plain `Linear` layers.
 */
export function projectRows(x: Tensor, w: Named, name: string, experts: Tensor, a: ProjectionAttrs): Tensor {
  return usesFp8Gemm(a) ? fp8GatherLinear(x, w[name]!, w[scaleOperand(name)]!, experts, scaleFormat('linear', a)) : gatherMatmul(x, w[name]!, experts);
}

/** Projection `name`'s weight [out, in] as f32 (the official `weight_dequant`, for weights used inside einsums). */
export function projectionWeight(w: Named, name: string, a: ProjectionAttrs): Tensor {
  return usesFp8Gemm(a) ? fp8BlockDequantize(w[name]!, w[scaleOperand(name)]!) : w[name]!;
}
