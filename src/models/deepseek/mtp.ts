// The multi-token-prediction module as the composite `mtp_block` (FACTS §4, golden README "The MTP case"):
// for each position i, x_i = eh_proj([enorm(embed(t_{i+1})) ; hnorm(h_i)]) (embedding first, as the released
// weights expect), a full MoE decoder block with its own cache, then shared_head.head(shared_head.norm(.)):
// the prediction for t_{i+2}. Operands: tokens [B, S] (the shifted tokens t_{i+1}), hidden [B, S, D] (h_i),
// cos, sin, start_pos, the block's two caches, then the weights. Results: logits [B, S, vocab], both caches,
// and the block's expert indices and routing weights. The official code has no MTP module; eh_proj runs as a plain
// Linear would (under FP8 GEMMs with scale_fmt ue8m0, it uses ue8m0 scales).

import { defineComposite } from '../../ir/index.js';
import { concat, linear, rmsNorm, take, type Tensor } from '../../ops/index.js';
import { blockWeightNames, blockWeightSlots, decoderBlock } from './block.js';
import type { MtpWeights, TensorSlot } from './layout.js';
import { mlaCacheNames, MLA_ATTRS, type MlaAttrs } from './mla.js';
import { MOE_ATTRS, type MoeAttrs } from './moe.js';
import { callComposite, namedInputs, pickAttrs, withoutPrefix, withPrefix, type Named } from './operands.js';
import { project, projectionOperands } from './projection.js';

export type MtpAttrs = MlaAttrs & MoeAttrs;

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

const operands = (a: MtpAttrs): string[] => [
  'tokens', 'hidden', 'cos', 'sin', 'start_pos', ...mlaCacheNames(a.attention),
  'embed', 'enorm', 'hnorm', ...projectionOperands(['eh_proj'], a), ...blockWeightNames(a, { kind: 'moe', attrs: a }).map((n) => `block.${n}`), 'head_norm', 'head',
];

defineComposite({
  name: 'mtp_block',
  operands: (attrs) => operands(attrs as MtpAttrs),
  attrs: { ...MLA_ATTRS, ...MOE_ATTRS },
  decompose: (b, inputs, attrs) => {
    const a = attrs as MtpAttrs;
    const n = namedInputs(b, inputs, operands(a));
    const [cacheA, cacheB] = mlaCacheNames(a.attention);
    const e = rmsNorm(take(n.embed!, n.tokens!, 0), n.enorm!, a.eps);
    const g = rmsNorm(n.hidden!, n.hnorm!, a.eps);
    const x = project(concat([e, g], -1), n, 'eh_proj', 'linear', a);
    const block = decoderBlock(
      { x, cos: n.cos!, sin: n.sin!, startPos: n.start_pos!, caches: [n[cacheA]!, n[cacheB]!] },
      withoutPrefix(n, 'block.'),
      pickAttrs<MlaAttrs>(a, MLA_ATTRS),
      { kind: 'moe', attrs: pickAttrs<MoeAttrs>(a, MOE_ATTRS) },
    );
    const logits = linear(rmsNorm(block.out, n.head_norm!, a.eps), n.head!);
    return [logits, ...block.caches, block.gate!.indices, block.gate!.weights].map((t) => t.value);
  },
});

export interface MtpInputs {
  readonly tokens: Tensor;
  readonly hidden: Tensor;
  readonly cos: Tensor;
  readonly sin: Tensor;
  readonly startPos: Tensor;
  readonly caches: readonly [Tensor, Tensor];
}

export interface MtpOutputs {
  readonly logits: Tensor;
  readonly caches: readonly [Tensor, Tensor];
  readonly gate: { readonly indices: Tensor; readonly weights: Tensor };
}

export function mtpBlock(inp: MtpInputs, weights: Named, a: MtpAttrs): MtpOutputs {
  const [cacheA, cacheB] = mlaCacheNames(a.attention);
  const [logits, ca, cb, indices, w] = callComposite(
    'mtp_block',
    { tokens: inp.tokens, hidden: inp.hidden, cos: inp.cos, sin: inp.sin, start_pos: inp.startPos, [cacheA]: inp.caches[0], [cacheB]: inp.caches[1], ...weights },
    a,
  );
  return { logits: logits!, caches: [ca!, cb!], gate: { indices: indices!, weights: w! } };
}
