// The whole model as one graph for a chunk of S tokens per row at a runtime position:
//   inputs  tokens i32 [B, S], start_pos i32 [], cache.<i>.<name> for every layer (mla.ts names the two caches);
//   outputs logits [B, S, vocab], final_norm [B, S, D], gate.<i>.indices i32 / gate.<i>.weights [B·S, k] for MoE
//           layers, cache.<i>.<name> updated; with `captures`, embed and block.<i> / attn.<i> / ffn.<i> [B, S, D],
//           for MoE layers gate.<i>.input [B·S, D] and gate.<i>.scores [B·S, E], and with `mtp` mtp.<k>.block
//           (docs/checking-a-port.md);
//           with `mtp`, for each MTP module k with a position to predict from (k <= S - 2): mtp.<k>.logits
//           [B, S-1-k, vocab] and mtp.<k>.gate.indices / mtp.<k>.gate.weights.
// A prefill is this graph at start_pos 0; a decode step is the S = 1 graph. Token ids are range-checked by `take`
// when the graph runs; the session also checks them on the host with a clearer message.

import type { Graph } from '../../ir/index.js';
import { dynamicSlice, full, linear, reshape, rmsNorm, slice, take, Trace, type Tensor } from '../../ops/index.js';
import { decoderBlock, type BlockInputs, type BlockOutputs, type FeedForward } from '../../composites/decoder-block.js';
import type { Named } from '../../composites/named-operands.js';
import { routerScores } from '../../composites/router.js';
import { mlaCacheTypes } from '../../composites/mla.js';
import { mtpBlock } from '../../composites/mtp.js';
import { mlaAttrs, moeAttrs } from './attrs.js';
import type { ModelConfig } from './config.js';
import { fp8Block, type LayerWeights, type ModelLayout } from './layout.js';
import type { ModelSettings } from './settings.js';
import { bindWeights, blockWeightSlots, mtpWeightSlots } from './weight-operands.js';

export interface GraphOptions {
  readonly batch: number;
  readonly seqLen: number;
  /** Also output embed, block.<i>, attn.<i>, ffn.<i>, gate.<i>.input / .scores and mtp.<k>.block, for per-layer comparisons. */
  readonly captures?: boolean;
  /**
   * Also run the MTP modules over the chunk (needs the checkpoint's MTP layers and S >= 2). Module k sees positions
   * 0 .. S-2-k with a fresh cache, so it describes a prefill at start_pos 0.
   */
  readonly mtp?: boolean;
}

export interface CacheSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** The graph inputs (and outputs) that carry the KV caches, all f32, zero before the first prefill. */
export function cacheSpecs(config: ModelConfig, settings: ModelSettings, batch: number): CacheSpec[] {
  const types = mlaCacheTypes(mlaAttrs(config, settings), batch, settings.maxSeqLen);
  return Array.from({ length: config.numHiddenLayers }, (_, i) => Object.entries(types).map(([name, shape]) => ({ name: `cache.${i}.${name}`, shape }))).flat();
}

function checkOptions(settings: ModelSettings, layout: ModelLayout, o: GraphOptions): void {
  if (!Number.isSafeInteger(o.batch) || o.batch < 1) throw new RangeError(`batch must be a positive integer, got ${o.batch}`);
  if (!Number.isSafeInteger(o.seqLen) || o.seqLen < 1 || o.seqLen > settings.maxSeqLen)
    throw new RangeError(`seqLen must be an integer in [1, ${settings.maxSeqLen}] (the cache length), got ${o.seqLen}`);
  if (o.mtp && layout.mtp.length === 0) throw new RangeError('mtp: the config has no MTP layer (num_nextn_predict_layers is 0)');
  if (o.mtp && o.seqLen < 2) throw new RangeError(`mtp needs seqLen >= 2 (it predicts from pairs of positions), got ${o.seqLen}`);
}

/** The rotary table (weights) and its rows for the chunk's positions start_pos .. start_pos + S. */
export function rotaryRows(t: Trace, layout: ModelLayout, startPos: Tensor, S: number): { table: [Tensor, Tensor]; cos: Tensor; sin: Tensor } {
  const ropeCos = t.weight(layout.ropeCos.name, 'f32', layout.ropeCos.shape);
  const ropeSin = t.weight(layout.ropeSin.name, 'f32', layout.ropeSin.shape);
  return { table: [ropeCos, ropeSin], cos: dynamicSlice(ropeCos, startPos, 0, S), sin: dynamicSlice(ropeSin, startPos, 0, S) };
}

export interface LayerOutputs extends BlockOutputs {
  /**
   * Adds to the graph (only when called) and returns the layer's tensors a dump names: attn, ffn, block and, for a
   * MoE layer, gate.input [B·S, D] (the router's input), gate.scores [B·S, E] (sigmoid or softmax of the gate
   * logits, before the bias), gate.indices and gate.weights.
   */
  captures(): Record<string, Tensor>;
}

function layerCaptures(r: BlockOutputs, w: Named, ffn: FeedForward): Record<string, Tensor> {
  const parts = { attn: r.attn, ffn: r.ffn, block: r.out };
  if (ffn.kind === 'dense' || r.gate === undefined) return parts;
  const [B, S, D] = r.ffnIn.shape as [number, number, number];
  const input = reshape(r.ffnIn, [B * S, D]);
  const scores = routerScores(input, w['ffn.router']!, ffn.attrs.scoring);
  return { ...parts, 'gate.input': input, 'gate.scores': scores, 'gate.indices': r.gate.indices, 'gate.weights': r.gate.weights };
}

/** Decoder layer `l` on `inp`, with its weights declared in the trace's graph as the settings read them. */
export function decoderLayer(t: Trace, config: ModelConfig, settings: ModelSettings, l: LayerWeights, inp: BlockInputs): LayerOutputs {
  const ffn: FeedForward = l.ffn.kind === 'dense' ? { kind: 'dense' } : { kind: 'moe', attrs: moeAttrs(config, settings) };
  const weights = bindWeights(t, blockWeightSlots(l), settings.gemm, fp8Block(config));
  const r = decoderBlock(inp, weights, mlaAttrs(config, settings), ffn);
  return { ...r, captures: () => layerCaptures(r, weights, ffn) };
}

/** A layer's capture name as the whole model names it: attn -> attn.<i>, gate.input -> gate.<i>.input. */
const numbered = (name: string, layer: number): string => name.replace(/^[a-z_]+/, (part) => `${part}.${layer}`);

export function buildModelGraph(config: ModelConfig, settings: ModelSettings, layout: ModelLayout, o: GraphOptions): Graph {
  checkOptions(settings, layout, o);
  const { batch: B, seqLen: S } = o;
  const t = new Trace(S === 1 ? 'deepseek_decode' : 'deepseek_prefill');
  const tokens = t.input('tokens', 'i32', [B, S]);
  const startPos = t.input('start_pos', 'i32', []);
  const specs = cacheSpecs(config, settings, B);
  const caches = specs.map((c) => t.input(c.name, 'f32', c.shape));
  const { table: [ropeCos, ropeSin], cos, sin } = rotaryRows(t, layout, startPos, S);
  const mla = mlaAttrs(config, settings);
  const out: Record<string, Tensor> = {};

  let h = take(t.weight(layout.embed.name, 'f32', layout.embed.shape), tokens, 0);
  if (o.captures) out.embed = h;
  layout.layers.forEach((l, i) => {
    const [a, b] = [caches[2 * i]!, caches[2 * i + 1]!];
    const r = decoderLayer(t, config, settings, l, { x: h, cos, sin, startPos, caches: [a, b] });
    h = r.out;
    out[specs[2 * i]!.name] = r.caches[0];
    out[specs[2 * i + 1]!.name] = r.caches[1];
    if (r.gate) Object.assign(out, { [`gate.${i}.indices`]: r.gate.indices, [`gate.${i}.weights`]: r.gate.weights });
    if (o.captures) for (const [name, tensor] of Object.entries(r.captures())) out[numbered(name, i)] = tensor;
  });
  const finalNorm = rmsNorm(h, t.weight(layout.norm.name, 'f32', layout.norm.shape), settings.normEps);
  out.final_norm = finalNorm;
  out.logits = linear(finalNorm, t.weight(layout.head.name, 'f32', layout.head.shape));

  if (o.mtp) {
    // The paper's chain (spec/techniques.md §MTP): module k at position i combines the hidden state of module k-1
    // (the main model's for k = 0) at i with the embedding of t_{i+k+1}, and predicts t_{i+k+2}.
    let hidden = settings.mtpHidden === 'final_norm' ? finalNorm : h;
    layout.mtp.slice(0, S - 1).forEach((m, k) => {
      const n = S - 1 - k;
      const fresh = Object.values(mlaCacheTypes(mla, B, n)).map((shape) => full(hidden, 0, shape));
      const r = mtpBlock(
        {
          tokens: slice(tokens, 1, k + 1),
          hidden: slice(hidden, 1, 0, n),
          cos: slice(ropeCos, 0, 0, n),
          sin: slice(ropeSin, 0, 0, n),
          startPos: full(startPos, 0),
          caches: [fresh[0]!, fresh[1]!],
        },
        bindWeights(t, mtpWeightSlots(m), settings.gemm, fp8Block(config)),
        { ...mla, ...moeAttrs(config, settings) },
      );
      Object.assign(out, { [`mtp.${k}.logits`]: r.logits, [`mtp.${k}.gate.indices`]: r.gate.indices, [`mtp.${k}.gate.weights`]: r.gate.weights });
      if (o.captures) out[`mtp.${k}.block`] = r.hidden;
      hidden = r.hidden;
    });
  }
  return t.build(out);
}
