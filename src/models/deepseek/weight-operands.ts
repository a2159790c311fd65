// The layout's weights as the named operands of the model's composites: which checkpoint tensor each operand name
// reads (the composites name their operands, src/composites), and the weights declared in a trace under those names.
// A weight is declared in the dtype its checkpoint stores it in and widened to f32 in the graph, exactly (spec/model.md
// §Weights in their stored dtype): the compiler fuses the widening into the kernels that read the weight, so
// memory holds the narrow data only. Stacked routed experts in bf16 or f16 are declared so and widened by the
// gather_matmul that reads them.

import { scaleOperand } from '../../composites/projection.js';
import { withPrefix } from '../../composites/named-operands.js';
import { cast, fp8BlockDequantize, type Tensor, type Trace } from '../../ops/index.js';
import { fp8Slots, type AttentionWeights, type LayerWeights, type MlpWeights, type MoeWeights, type MtpWeights, type TensorSlot } from './layout.js';
import type { GemmMode } from './settings.js';

export function mlaWeightSlots(w: AttentionWeights): Record<string, TensorSlot> {
  const q: Record<string, TensorSlot> = 'wq' in w.query ? { wq: w.query.wq } : { wq_a: w.query.wqA, q_norm: w.query.qNorm, wq_b: w.query.wqB };
  return { ...q, wkv_a: w.wkvA, kv_norm: w.kvNorm, wkv_b: w.wkvB, wo: w.wo };
}

/** The weights of an MLP under its operand names. */
export const mlpWeightSlots = (w: MlpWeights): Record<string, TensorSlot> => ({ gate: w.gate, up: w.up, down: w.down });

export function moeWeightSlots(w: MoeWeights): Record<string, TensorSlot> {
  return {
    router: w.router,
    ...(w.bias ? { router_bias: w.bias } : {}),
    experts_gate: w.experts.gate,
    experts_up: w.experts.up,
    experts_down: w.experts.down,
    ...(w.shared ? withPrefix(mlpWeightSlots(w.shared), 'shared.') : {}),
  };
}

export function blockWeightSlots(l: LayerWeights): Record<string, TensorSlot> {
  const ffn = l.ffn.kind === 'dense' ? mlpWeightSlots(l.ffn.mlp) : moeWeightSlots(l.ffn.moe);
  return { attn_norm: l.attnNorm, ffn_norm: l.ffnNorm, ...withPrefix(mlaWeightSlots(l.attn), 'attn.'), ...withPrefix(ffn, 'ffn.') };
}

export function mtpWeightSlots(w: MtpWeights): Record<string, TensorSlot> {
  return {
    embed: w.embed,
    enorm: w.enorm,
    hnorm: w.hnorm,
    eh_proj: w.ehProj,
    ...withPrefix(blockWeightSlots(w.block), 'block.'),
    head_norm: w.headNorm,
    head: w.head,
  };
}

/**
 * Weight `s` as f32: declared as stored and widened. bf16 and f16 are cast; an FP8 Linear is dequantised as the
 * official `weight_dequant` does (e4m3fn · scale_inv per block of `block`, one f32 multiply).
 */
export function storedWeight(t: Trace, s: TensorSlot, block: number): Tensor {
  if (s.stored === undefined) return t.weight(s.name, 'f32', s.shape);
  if (s.stored !== 'f8e4m3fn') return cast(t.weight(s.name, s.stored, s.shape), 'f32');
  const { weight, scale } = fp8Slots(s, block);
  return fp8BlockDequantize(t.weight(weight.name, 'f8e4m3fn', weight.shape), t.weight(scale.name, 'f32', scale.shape), block);
}

/**
 * Declares the weights of `slots` in the trace's graph, under the same keys: f32 values (storedWeight), except
 * stacked experts, declared in the dtype their stack is held in (layout.ts's StackedSlot), and Linear weights
 * under FP8 GEMMs, which become their e4m3fn bytes under the key and their block scales (blocks of `block`) under
 * `<key>.scale_inv`.
 */
export function bindWeights(t: Trace, slots: Readonly<Record<string, TensorSlot>>, gemm: GemmMode, block: number): Record<string, Tensor> {
  return Object.fromEntries(
    Object.entries(slots).flatMap(([k, s]) => {
      if (gemm === 'dequant' && 'parts' in s) return [[k, t.weight(s.name, s.stored ?? 'f32', s.shape)]];
      if (gemm === 'dequant' || s.linear !== true) return [[k, storedWeight(t, s, block)]];
      const { weight, scale } = fp8Slots(s, block);
      return [
        [k, t.weight(weight.name, 'f8e4m3fn', weight.shape)],
        [scaleOperand(k), t.weight(scale.name, 'f32', scale.shape)],
      ];
    }),
  );
}
