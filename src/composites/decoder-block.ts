// The pre-norm decoder block (official `Block.forward`): x + attn(attn_norm(x)), then + ffn(ffn_norm(.)), with a
// dense MLP in the first `first_k_dense_replace` layers and MoE after. Weights are passed by operand name:
// attn_norm, ffn_norm, attn.<MLA weight>, ffn.<MLP or MoE weight>. The dense MLP runs its projections as the
// attention's attributes say (the same model settings). The model's layers and the MTP block are built from it.

import { add } from '../ops/arith.js';
import { reshape } from '../ops/movement.js';
import { rmsNorm } from '../ops/norm.js';
import type { Tensor } from '../ops/tensor.js';
import { mlaAttention, mlaWeightNames, type MlaAttrs } from './mla.js';
import { mlp } from './mlp.js';
import { moe, moeWeightNames, type MoeAttrs } from './moe.js';
import { withoutPrefix, type Named } from './named-operands.js';
import { pickProjectionAttrs, projectionOperands } from './projection.js';

/** What a block computes besides its attention: a dense MLP, or MoE with these routing settings. */
export type FeedForward = { readonly kind: 'dense' } | { readonly kind: 'moe'; readonly attrs: MoeAttrs };

export function blockWeightNames(mla: MlaAttrs, ffn: FeedForward): string[] {
  const ffnNames = ffn.kind === 'dense' ? projectionOperands(['gate', 'up', 'down'], mla) : moeWeightNames(ffn.attrs);
  return ['attn_norm', 'ffn_norm', ...mlaWeightNames(mla).map((n) => `attn.${n}`), ...ffnNames.map((n) => `ffn.${n}`)];
}

export interface BlockOutputs {
  /** The residual stream after the block [B, S, D]. */
  readonly out: Tensor;
  /** The sub-layer outputs before their residual adds [B, S, D]. */
  readonly attn: Tensor;
  readonly ffn: Tensor;
  /** The normalised input of the MLP or MoE, ffn_norm(x + attn) [B, S, D]. */
  readonly ffnIn: Tensor;
  readonly caches: readonly [Tensor, Tensor];
  /** MoE blocks: expert indices and routing weights [B·S, k]. */
  readonly gate: { readonly indices: Tensor; readonly weights: Tensor } | undefined;
}

export interface BlockInputs {
  readonly x: Tensor;
  readonly cos: Tensor;
  readonly sin: Tensor;
  readonly startPos: Tensor;
  readonly caches: readonly [Tensor, Tensor];
}

export function decoderBlock(inp: BlockInputs, w: Named, mla: MlaAttrs, ffn: FeedForward): BlockOutputs {
  const { x } = inp;
  const [attn, cacheA, cacheB] = mlaAttention(rmsNorm(x, w.attn_norm!, mla.eps), inp.cos, inp.sin, inp.startPos, inp.caches, withoutPrefix(w, 'attn.'), mla);
  const h = add(x, attn!);
  const ffnIn = rmsNorm(h, w.ffn_norm!, mla.eps);
  const ffnWeights = withoutPrefix(w, 'ffn.');
  if (ffn.kind === 'dense') {
    const y = mlp(ffnIn, ffnWeights, pickProjectionAttrs(mla));
    return { out: add(h, y), attn: attn!, ffn: y, ffnIn, caches: [cacheA!, cacheB!], gate: undefined };
  }
  const [B, S, D] = x.shape as [number, number, number];
  const routed = moe(reshape(ffnIn, [B * S, D]), ffnWeights, ffn.attrs);
  const y = reshape(routed.y, [B, S, D]);
  return { out: add(h, y), attn: attn!, ffn: y, ffnIn, caches: [cacheA!, cacheB!], gate: { indices: routed.indices, weights: routed.weights } };
}
