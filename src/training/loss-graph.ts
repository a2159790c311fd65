// The DeepSeek-V3 training losses as one graph (spec/techniques.md §Training; the golden step:
// spec/golden/v3-tiny-train), on any backend:
//   inputs  tokens i32 [B, T], mtp_lambda f32 [], balance_alpha f32 [];
//   outputs loss.total = loss.main + mtp_lambda · loss.mtp + loss.balance, added in that order;
//           loss.main, the next-token cross-entropy over B·(T-1) predictions;
//           loss.mtp.<k> for each MTP module k (predicting k + 2 ahead, over B·(T-2-k)) and loss.mtp, their mean
//           (so mtp_lambda/D · Σ_k, as the report writes);
//           for every MoE layer l (the HF layer index: main layers, then MTP module k as num_hidden_layers + k):
//           loss.balance.<l>, balance.<l>.f and balance.<l>.P [B, E], route.<l>.indices [B·T_l, K] (the routing
//           used, T_l = T for main layers and T-1-k for MTP module k); loss.balance.main and loss.balance.mtp, the
//           sums over main and MTP layers, and loss.balance, theirs;
//           fwd.main.logits [B, T, V] and fwd.mtp.<k>.logits [B, T-1-k, V].
// The forward is the inference graph's (src/models/deepseek/model.ts) from position 0 with empty caches, so the
// main model sees all T positions and module k the positions 0 .. T-2-k, as in the inference goldens.

import type { Graph } from '../ir/index.js';
import { add, div, full, mul, Trace, type Tensor } from '../ops/index.js';
import type { ModelConfig } from '../models/deepseek/config.js';
import type { ModelLayout } from '../models/deepseek/layout.js';
import { cacheSpecs, modelTensors } from '../models/deepseek/model.js';
import type { ModelSettings } from '../models/deepseek/settings.js';
import { sequenceBalance } from './balance-loss.js';
import { shiftedCrossEntropy } from './cross-entropy.js';

export interface LossGraphOptions {
  readonly batch: number;
  /** T, the tokens of each row; at least D + 2 so that every MTP module has a target. */
  readonly seqLen: number;
}

/** A layer's routing as the balance loss reads it: scores before the bias [B·T_l, E] and the experts used [B·T_l, K]. */
interface Routing {
  readonly layer: number;
  readonly scores: Tensor;
  readonly indices: Tensor;
}

function checkOptions(settings: ModelSettings, layout: ModelLayout, o: LossGraphOptions): void {
  if (!Number.isSafeInteger(o.batch) || o.batch < 1) throw new RangeError(`batch must be a positive integer, got ${o.batch}`);
  const shortest = layout.mtp.length + 2;
  if (!Number.isSafeInteger(o.seqLen) || o.seqLen < shortest || o.seqLen > settings.maxSeqLen)
    throw new RangeError(
      `seqLen must be an integer in [${shortest}, ${settings.maxSeqLen}] (every one of the ${layout.mtp.length} MTP modules needs a target; the rotary table's rows), got ${o.seqLen}`,
    );
}

const total = (terms: readonly Tensor[], like: Tensor): Tensor => (terms.length === 0 ? full(like, 0, []) : terms.reduce((a, b) => add(a, b)));

export function buildLossGraph(config: ModelConfig, settings: ModelSettings, layout: ModelLayout, o: LossGraphOptions): Graph {
  checkOptions(settings, layout, o);
  const { batch: B, seqLen: T } = o;
  const t = new Trace('deepseek_training_losses');
  const tokens = t.input('tokens', 'i32', [B, T]);
  const lambda = t.input('mtp_lambda', 'f32', []);
  const alpha = t.input('balance_alpha', 'f32', []);
  const zero = full(tokens, 0, []);
  const caches = cacheSpecs(config, { ...settings, maxSeqLen: T }, B).map((c) => full(lambda, 0, c.shape));
  const m = modelTensors(t, config, settings, layout, { tokens, startPos: zero, caches }, layout.mtp.length > 0);

  const out: Record<string, Tensor> = { 'fwd.main.logits': m.logits };
  const lossMain = shiftedCrossEntropy(m.logits, tokens, 1);
  const mtpLosses = m.mtp.map((r, k) => {
    out[`fwd.mtp.${k}.logits`] = r.logits;
    return (out[`loss.mtp.${k}`] = shiftedCrossEntropy(r.logits, tokens, k + 2));
  });

  const balance = (routes: readonly Routing[]): Tensor[] =>
    routes.map(({ layer, scores, indices }) => {
      const b = sequenceBalance(scores, indices, B, alpha);
      Object.assign(out, { [`balance.${layer}.f`]: b.f, [`balance.${layer}.P`]: b.P, [`route.${layer}.indices`]: indices, [`loss.balance.${layer}`]: b.loss });
      return b.loss;
    });
  const mainRoutes = m.layers.flatMap((l, i) => (l.gate ? [{ layer: i, scores: l.captures()['gate.scores']!, indices: l.gate.indices }] : []));
  const mtpRoutes = m.mtp.map((r, k) => ({ layer: config.numHiddenLayers + k, scores: r.gate.scores, indices: r.gate.indices }));
  const balanceMain = total(balance(mainRoutes), lambda);
  const balanceMtp = total(balance(mtpRoutes), lambda);
  const lossBalance = add(balanceMain, balanceMtp);

  let lossTotal = lossMain;
  if (mtpLosses.length > 0) {
    const lossMtp = div(total(mtpLosses, lambda), mtpLosses.length);
    lossTotal = add(lossTotal, mul(lambda, lossMtp));
    out['loss.mtp'] = lossMtp;
  }
  lossTotal = add(lossTotal, lossBalance);
  Object.assign(out, {
    'loss.main': lossMain,
    'loss.balance.main': balanceMain,
    'loss.balance.mtp': balanceMtp,
    'loss.balance': lossBalance,
    'loss.total': lossTotal,
  });
  return t.build(out);
}
