// How the model's Linear layers run: the official `linear()`, as the composite `projection`. With gemm "dequant"
// a projection weight is f32 (FP8 checkpoints are dequantised when loaded) and the layer is an f32 GEMM. With gemm
// "fp8" the weight is the checkpoint's e4m3fn bytes plus its block scales (a second operand, `<name>.scale_inv`),
// and the layer is act_quant of the input and the FP8 GEMM.
//
// Whether act_quant rounds its scales to powers of two (scale_fmt ue8m0) depends on the official module class
// (quirk 10 of spec/golden/README.md §Quirks): plain `Linear` layers (wq_a, wkv_a, the routed experts) pass
// scale_fmt on, while ColumnParallelLinear and RowParallelLinear (wq / wq_b, wkv_b, wo, the dense MLP, the shared
// experts) call `linear()` without it and so always use plain amax / 448 scales.

import type { AttrsOf } from '../ir/index.js';
import { fp8BlockDequantize } from '../ops/fp8-blocks.js';
import { fp8GatherLinear, fp8Linear } from '../ops/fp8-linear.js';
import { gatherMatmul, linear } from '../ops/linalg.js';
import { compose, type Tensor } from '../ops/tensor.js';
import { composite } from './define.js';
import { SCALE_FORMATS, type ScaleFormat } from './fp8-quantize.js';
import type { Named } from './named-operands.js';

const GEMM_MODES = ['dequant', 'fp8'] as const;

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

/** How the Linear layers of a composite run; absent attributes mean f32 GEMMs, so f32 graphs carry none. */
export const PROJECTION_ATTRS = {
  gemm: { kind: 'enum', values: GEMM_MODES, optional: true },
  /** act_quant scale format of plain `Linear` layers. */
  linear_scale_fmt: { kind: 'enum', values: SCALE_FORMATS, optional: true },
  /** act_quant scale format of Column/RowParallelLinear layers (ue8m0 only in the non-official "everywhere" reach). */
  parallel_scale_fmt: { kind: 'enum', values: SCALE_FORMATS, optional: true },
  /** The FP8 block edge b: weights in b×b blocks, activations in 1×b tiles; absent means DeepSeek-V3's 128. */
  fp8_block: { kind: 'int', optional: true },
} as const;

export type ProjectionAttrs = AttrsOf<typeof PROJECTION_ATTRS>;

/**
 * dequant: FP8 weights are dequantised when loaded and every Linear is an f32 GEMM (the official gemm_impl "bf16"
 * run in f32). fp8: every Linear with an F8_E4M3 weight runs act_quant + the FP8 GEMM (gemm_impl "fp8").
 */
export type GemmMode = NonNullable<ProjectionAttrs['gemm']>;

/** The projection attributes among `a` (a composite passes them on to the composites it contains). */
export const pickProjectionAttrs = (a: ProjectionAttrs): ProjectionAttrs =>
  a.gemm === 'fp8'
    ? { gemm: a.gemm, linear_scale_fmt: a.linear_scale_fmt!, parallel_scale_fmt: a.parallel_scale_fmt!, ...(a.fp8_block === undefined ? {} : { fp8_block: a.fp8_block }) }
    : {};

export const usesFp8Gemm = (a: ProjectionAttrs): boolean => a.gemm === 'fp8';

/** The name of the block-scale operand that goes with FP8 projection weight `name`. */
export const scaleOperand = (name: string): string => `${name}.scale_inv`;

/** The operand names of projection weights `names`: each followed by its scales under FP8 GEMMs. */
export const projectionOperands = (names: readonly string[], a: ProjectionAttrs): string[] =>
  names.flatMap((n) => (usesFp8Gemm(a) ? [n, scaleOperand(n)] : [n]));

function scaleFormat(cls: LinearClass, a: ProjectionAttrs): ScaleFormat {
  return (cls === 'linear' ? a.linear_scale_fmt : a.parallel_scale_fmt) ?? 'none';
}

/** DeepSeek-V3's FP8 block edge. */
const DEFAULT_FP8_BLOCK = 128;

const fp8BlockOf = (a: { readonly fp8_block?: number }): number => a.fp8_block ?? DEFAULT_FP8_BLOCK;

/** One Linear layer: x [..., in] · weightᵀ ([out, in]) -> [..., out]; under gemm fp8, with scales, a scale format and a block edge. */
export const PROJECTION = composite('projection', {
  attrs: {
    gemm: { kind: 'enum', values: GEMM_MODES, optional: true },
    scale_fmt: { kind: 'enum', values: SCALE_FORMATS, optional: true },
    fp8_block: { kind: 'int', optional: true },
  },
  operands: (a) => (a.gemm === 'fp8' ? ['x', 'weight', 'scale_inv'] : ['x', 'weight']),
  results: ['y'],
  decompose: ([x, w, s], a) => [a.gemm === 'fp8' ? fp8Linear(x!, w!, s!, a.scale_fmt ?? 'none', fp8BlockOf(a)) : linear(x!, w!)],
});

/** x [..., in] through projection `name` of `w` ([out, in]) -> [..., out]. */
export function project(x: Tensor, w: Named, name: string, cls: LinearClass, a: ProjectionAttrs): Tensor {
  return usesFp8Gemm(a)
    ? compose(x, PROJECTION, [x, w[name]!, w[scaleOperand(name)]!], { gemm: 'fp8', scale_fmt: scaleFormat(cls, a), fp8_block: fp8BlockOf(a) })[0]!
    : compose(x, PROJECTION, [x, w[name]!], {})[0]!;
}

/**
 * Rows x [R, in] each through its expert's projection: `name` is stacked [E, in, out] f32 (dequant) or
 * [E, out, in] e4m3fn with [E, ., .] block scales (fp8). The routed experts are plain `Linear` layers.
 */
export function projectRows(x: Tensor, w: Named, name: string, experts: Tensor, a: ProjectionAttrs): Tensor {
  return usesFp8Gemm(a) ? fp8GatherLinear(x, w[name]!, w[scaleOperand(name)]!, experts, scaleFormat('linear', a), fp8BlockOf(a)) : gatherMatmul(x, w[name]!, experts);
}

/** Projection `name`'s weight [out, in] as f32 (the official `weight_dequant`, for weights used inside einsums). */
export function projectionWeight(w: Named, name: string, a: ProjectionAttrs): Tensor {
  return usesFp8Gemm(a) ? fp8BlockDequantize(w[name]!, w[scaleOperand(name)]!, fp8BlockOf(a)) : w[name]!;
}
