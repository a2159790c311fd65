// The multi-token-prediction module as the composite `mtp_block` (spec/techniques.md §MTP; the golden data:
// spec/golden/README.md §The MTP case):
// for each position i, x_i = eh_proj([enorm(embed(t_{i+1})) ; hnorm(h_i)]) (embedding first, as the released
// weights expect), a full MoE decoder block with its own cache, then shared_head.head(shared_head.norm(.)):
// the prediction for t_{i+2}. Operands: tokens [B, S] (the shifted tokens t_{i+1}), hidden [B, S, D] (h_i),
// cos, sin, start_pos, the block's two caches, then the weights. Results: logits [B, S, vocab], both caches,
// the block's expert indices and routing weights, the block's output [B, S, D] (before shared_head.norm: the
// hidden state the next MTP module takes) and its router's scores [B·S, E] before the bias (the balance loss's P). The official code has no MTP module; eh_proj runs as a plain Linear
// would (under FP8 GEMMs with scale_fmt ue8m0, it uses ue8m0 scales).

import type { AttrsOf } from '../ir/index.js';
import { take } from '../ops/indexing.js';
import { linear } from '../ops/linalg.js';
import { concat, reshape } from '../ops/movement.js';
import { rmsNorm } from '../ops/norm.js';
import type { Tensor } from '../ops/tensor.js';
import { blockWeightNames, decoderBlock } from './decoder-block.js';
import { composite } from './define.js';
import { mlaCacheNames, MLA_ATTRS } from './mla.js';
import { MOE_ATTRS } from './moe.js';
import { callComposite, namedInputs, pickAttrs, withoutPrefix, type Named } from './named-operands.js';
import { project, projectionOperands } from './projection.js';
import { routerScores } from './router.js';

const MTP_ATTRS = { ...MLA_ATTRS, ...MOE_ATTRS } as const;

export type MtpAttrs = AttrsOf<typeof MTP_ATTRS>;

const operands = (a: MtpAttrs): string[] => [
  'tokens', 'hidden', 'cos', 'sin', 'start_pos', ...mlaCacheNames(a.attention),
  'embed', 'enorm', 'hnorm', ...projectionOperands(['eh_proj'], a), ...blockWeightNames(a, { kind: 'moe', attrs: a }).map((n) => `block.${n}`), 'head_norm', 'head',
];

export const MTP_BLOCK = composite('mtp_block', {
  attrs: MTP_ATTRS,
  operands,
  results: (a) => ['logits', ...mlaCacheNames(a.attention), 'indices', 'weights', 'hidden', 'scores'],
  decompose: (inputs, a) => {
    const n = namedInputs(inputs, operands(a));
    const [cacheA, cacheB] = mlaCacheNames(a.attention);
    const e = rmsNorm(take(n.embed!, n.tokens!, 0), n.enorm!, a.eps);
    const g = rmsNorm(n.hidden!, n.hnorm!, a.eps);
    const x = project(concat([e, g], -1), n, 'eh_proj', 'linear', a);
    const block = decoderBlock(
      { x, cos: n.cos!, sin: n.sin!, startPos: n.start_pos!, caches: [n[cacheA]!, n[cacheB]!] },
      withoutPrefix(n, 'block.'),
      pickAttrs(a, MLA_ATTRS),
      { kind: 'moe', attrs: pickAttrs(a, MOE_ATTRS) },
    );
    const logits = linear(rmsNorm(block.out, n.head_norm!, a.eps), n.head!);
    const [B, S, D] = block.ffnIn.shape as [number, number, number];
    const scores = routerScores(reshape(block.ffnIn, [B * S, D]), n['block.ffn.router']!, a.scoring);
    return [logits, ...block.caches, block.gate!.indices, block.gate!.weights, block.out, scores];
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
  /** The block's routing, and its router's scores [B·S, E] before the bias. */
  readonly gate: { readonly indices: Tensor; readonly weights: Tensor; readonly scores: Tensor };
  /** The block's output, before shared_head.norm. */
  readonly hidden: Tensor;
}

export function mtpBlock(inp: MtpInputs, weights: Named, a: MtpAttrs): MtpOutputs {
  const [cacheA, cacheB] = mlaCacheNames(a.attention);
  const [logits, ca, cb, indices, w, hidden, scores] = callComposite(
    MTP_BLOCK,
    { tokens: inp.tokens, hidden: inp.hidden, cos: inp.cos, sin: inp.sin, start_pos: inp.startPos, [cacheA]: inp.caches[0], [cacheB]: inp.caches[1], ...weights },
    a,
  );
  return { logits: logits!, caches: [ca!, cb!], gate: { indices: indices!, weights: w!, scores: scores! }, hidden: hidden! };
}
