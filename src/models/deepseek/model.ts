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
import { mtpBlock, type MtpOutputs } from '../../composites/mtp.js';
import { mlaAttrs, moeAttrs } from './attrs.js';
import type { ModelConfig } from './config.js';
import { fp8Block, type LayerWeights, type ModelLayout } from './layout.js';
import type { ModelSettings } from './settings.js';
import { bindWeights, blockWeightSlots, mtpWeightSlots, storedWeight } from './weight-operands.js';

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
export const numbered = (name: string, layer: number): string => name.replace(/^[a-z_]+/, (part) => `${part}.${layer}`);

/** The graph inputs a model chunk reads: the tokens [B, S], the start position (i32 []) and two caches per layer (cacheSpecs order). */
export interface ModelInputs {
  readonly tokens: Tensor;
  readonly startPos: Tensor;
  readonly caches: readonly Tensor[];
}

/** What the model computes over a chunk, as tensors of the trace's graph (the graph outputs are picked from these). */
export interface ModelTensors {
  readonly embed: Tensor;
  /** Every decoder layer's results, in layer order. */
  readonly layers: readonly LayerOutputs[];
  readonly finalNorm: Tensor;
  /** [B, S, vocab]. */
  readonly logits: Tensor;
  /** With `mtp`, MTP module k's results for each module with a position to predict from (k <= S - 2). */
  readonly mtp: readonly MtpOutputs[];
}

/** The model over a chunk in trace `t`; the MTP modules too when `mtp` (GraphOptions.mtp, checked by the caller). */
export function modelTensors(t: Trace, config: ModelConfig, settings: ModelSettings, layout: ModelLayout, inp: ModelInputs, mtp: boolean): ModelTensors {
  const S = inp.tokens.shape[1]!;
  const { table: [ropeCos, ropeSin], cos, sin } = rotaryRows(t, layout, inp.startPos, S);
  const embed = embedTokens(t, config, layout, inp.tokens);
  let h = embed;
  const layers = layout.layers.map((l, i) => {
    const r = decoderLayer(t, config, settings, l, { x: h, cos, sin, startPos: inp.startPos, caches: [inp.caches[2 * i]!, inp.caches[2 * i + 1]!] });
    h = r.out;
    return r;
  });
  return { embed, layers, ...modelHead(t, config, settings, layout, { h, tokens: inp.tokens, startPos: inp.startPos, rope: [ropeCos, ropeSin] }, mtp) };
}

/** The token embeddings [B, S, D] of `tokens` [B, S]. */
export const embedTokens = (t: Trace, config: ModelConfig, layout: ModelLayout, tokens: Tensor): Tensor => take(storedWeight(t, layout.embed, fp8Block(config)), tokens, 0);

/** What the model computes after its decoder layers, from the last block's output `h`. */
export interface HeadInputs {
  readonly h: Tensor;
  readonly tokens: Tensor;
  readonly startPos: Tensor;
  /** The whole rotary table (cos, sin), which the MTP modules slice from position 0. */
  readonly rope: readonly [Tensor, Tensor];
}

/** The final norm, the head and, when `mtp`, the MTP modules. */
export function modelHead(t: Trace, config: ModelConfig, settings: ModelSettings, layout: ModelLayout, inp: HeadInputs, mtp: boolean): Pick<ModelTensors, 'finalNorm' | 'logits' | 'mtp'> {
  const { h, rope: [ropeCos, ropeSin] } = inp;
  const [B, S] = inp.tokens.shape as [number, number];
  const mla = mlaAttrs(config, settings);
  const finalNorm = rmsNorm(h, storedWeight(t, layout.norm, fp8Block(config)), settings.normEps);
  const logits = linear(finalNorm, storedWeight(t, layout.head, fp8Block(config)));
  const modules: MtpOutputs[] = [];
  if (mtp) {
    // The paper's chain (spec/techniques.md §MTP): module k at position i combines the hidden state of module k-1
    // (the main model's for k = 0) at i with the embedding of t_{i+k+1}, and predicts t_{i+k+2}.
    let hidden = settings.mtpHidden === 'final_norm' ? finalNorm : h;
    layout.mtp.slice(0, S - 1).forEach((m, k) => {
      const n = S - 1 - k;
      const fresh = Object.values(mlaCacheTypes(mla, B, n)).map((shape) => full(hidden, 0, shape));
      const r = mtpBlock(
        {
          tokens: slice(inp.tokens, 1, k + 1),
          hidden: slice(hidden, 1, 0, n),
          cos: slice(ropeCos, 0, 0, n),
          sin: slice(ropeSin, 0, 0, n),
          startPos: full(inp.startPos, 0),
          caches: [fresh[0]!, fresh[1]!],
        },
        bindWeights(t, mtpWeightSlots(m), settings.gemm, fp8Block(config)),
        { ...mla, ...moeAttrs(config, settings) },
      );
      modules.push(r);
      hidden = r.hidden;
    });
  }
  return { finalNorm, logits, mtp: modules };
}

/** The graph outputs of modelHead's results: final_norm, logits, mtp.<k>.logits / .gate.* (and mtp.<k>.block with `captures`). */
export function headOutputs(r: Pick<ModelTensors, 'finalNorm' | 'logits' | 'mtp'>, captures: boolean): Record<string, Tensor> {
  const out: Record<string, Tensor> = { final_norm: r.finalNorm, logits: r.logits };
  r.mtp.forEach((m, k) => {
    Object.assign(out, { [`mtp.${k}.logits`]: m.logits, [`mtp.${k}.gate.indices`]: m.gate.indices, [`mtp.${k}.gate.weights`]: m.gate.weights });
    if (captures) out[`mtp.${k}.block`] = m.hidden;
  });
  return out;
}

export function buildModelGraph(config: ModelConfig, settings: ModelSettings, layout: ModelLayout, o: GraphOptions): Graph {
  checkOptions(settings, layout, o);
  const { batch: B, seqLen: S } = o;
  const t = new Trace(S === 1 ? 'deepseek_decode' : 'deepseek_prefill');
  const tokens = t.input('tokens', 'i32', [B, S]);
  const startPos = t.input('start_pos', 'i32', []);
  const specs = cacheSpecs(config, settings, B);
  const caches = specs.map((c) => t.input(c.name, 'f32', c.shape));
  const r = modelTensors(t, config, settings, layout, { tokens, startPos, caches }, o.mtp === true);
  const out: Record<string, Tensor> = {};
  if (o.captures) out.embed = r.embed;
  r.layers.forEach((l, i) => {
    out[specs[2 * i]!.name] = l.caches[0];
    out[specs[2 * i + 1]!.name] = l.caches[1];
    if (l.gate) Object.assign(out, { [`gate.${i}.indices`]: l.gate.indices, [`gate.${i}.weights`]: l.gate.weights });
    if (o.captures) for (const [name, tensor] of Object.entries(l.captures())) out[numbered(name, i)] = tensor;
  });
  return t.build({ ...out, ...headOutputs(r, o.captures === true) });
}
