// Which tensors a DeepSeek checkpoint holds for a given config, under their Hugging Face names and shapes
// ([out_features, in_features] for projections), and which weights the graphs read. MTP module k is layer
// `num_hidden_layers + k`, k < num_nextn_predict_layers (spec/techniques.md §MTP). Routed experts are read by the graphs as one stacked weight per
// projection, [E, in, out], so that gather_matmul can pick each row's expert; the store builds it from the per-expert
// tensors.
// Under FP8 GEMMs a projection is read as two graph weights instead (fp8Slots): its e4m3fn bytes and block scales.

import { blockScaleShape } from '../../ops/index.js';
import { isMoeLayer, hasRouterBias, type ModelConfig } from './config.js';

/**
 * The dtype a checkpoint stores a weight in, which the graphs declare and widen to f32 (weight-operands.ts): bf16,
 * f16, or e4m3fn bytes with f32 block scales (a Linear of an FP8 checkpoint). Absent: f32.
 */
export type StoredDType = 'bf16' | 'f16' | 'f8e4m3fn';

/** The stored dtype of checkpoint tensor `name` (undefined for f32); a layout made from a config alone has none. */
export type StoredDTypeOf = (name: string) => StoredDType | undefined;

export interface TensorSlot {
  readonly name: string;
  readonly shape: readonly number[];
  /** A Linear weight, which an FP8 checkpoint may store as F8_E4M3 with block scales. */
  readonly linear?: true;
  /** How the checkpoint stores it, when narrower than f32. */
  readonly stored?: StoredDType;
}

/**
 * A graph weight made of one [out, in] checkpoint tensor per expert, stored transposed as [E, in, out]: in bf16 or
 * f16 (`stored`) when every expert is stored so, else in f32 (FP8 experts dequantised).
 */
export interface StackedSlot extends TensorSlot {
  readonly parts: readonly TensorSlot[];
}

export interface AttentionWeights {
  /** With query compression: wq_a, q_norm, wq_b; without: wq. */
  readonly query: { readonly wqA: TensorSlot; readonly qNorm: TensorSlot; readonly wqB: TensorSlot } | { readonly wq: TensorSlot };
  readonly wkvA: TensorSlot;
  readonly kvNorm: TensorSlot;
  readonly wkvB: TensorSlot;
  readonly wo: TensorSlot;
}

/** SwiGLU projections: down(silu(gate x) · up x). */
export interface MlpWeights {
  readonly gate: TensorSlot;
  readonly up: TensorSlot;
  readonly down: TensorSlot;
}

export interface MoeWeights {
  readonly router: TensorSlot;
  readonly bias: TensorSlot | undefined;
  readonly experts: { readonly gate: StackedSlot; readonly up: StackedSlot; readonly down: StackedSlot };
  readonly shared: MlpWeights | undefined;
}

export interface LayerWeights {
  readonly index: number;
  readonly attnNorm: TensorSlot;
  readonly ffnNorm: TensorSlot;
  readonly attn: AttentionWeights;
  readonly ffn: { readonly kind: 'dense'; readonly mlp: MlpWeights } | { readonly kind: 'moe'; readonly moe: MoeWeights };
}

export interface MtpWeights {
  readonly embed: TensorSlot;
  readonly enorm: TensorSlot;
  readonly hnorm: TensorSlot;
  readonly ehProj: TensorSlot;
  readonly block: LayerWeights;
  readonly headNorm: TensorSlot;
  readonly head: TensorSlot;
}

export interface ModelLayout {
  readonly embed: TensorSlot;
  readonly layers: readonly LayerWeights[];
  readonly norm: TensorSlot;
  readonly head: TensorSlot;
  /** One per MTP module (num_nextn_predict_layers), in depth order. */
  readonly mtp: readonly MtpWeights[];
  /**
   * The rotary table the graphs slice at run time, [positions, rope_dim / 2]: as many rows as the longest run
   * reaches (settings.maxSeqLen; max_position_embeddings by default); computed, not stored.
   */
  readonly ropeCos: TensorSlot;
  readonly ropeSin: TensorSlot;
}

/** Makes the layout's slots, each with its stored dtype. */
interface Slots {
  slot(name: string, ...shape: number[]): TensorSlot;
  proj(name: string, out: number, inDim: number): TensorSlot;
}

function slotMaker(stored: StoredDTypeOf): Slots {
  const withStored = (s: TensorSlot): TensorSlot => {
    const d = stored(s.name);
    return d === undefined ? s : { ...s, stored: d };
  };
  return {
    slot: (name, ...shape) => withStored({ name, shape }),
    proj: (name, out, inDim) => withStored({ name, shape: [out, inDim], linear: true }),
  };
}

/** The edge of DeepSeek-V3's square FP8 blocks, 128 (`quantization_config.weight_block_size` [128, 128]). */
export const FP8_BLOCK = 128;

/** The edge b of the config's FP8 blocks (weights b×b, activations 1×b); DeepSeek-V3's without a quantization_config. */
export const fp8Block = (c: ModelConfig): number => c.quantization?.blockSize[0] ?? FP8_BLOCK;

/**
 * The graph weights of a Linear slot under FP8 GEMMs: its e4m3fn bytes as the checkpoint lays them out ([out, in];
 * stacked experts [E, out, in]) and its block scales (the checkpoint's `weight_scale_inv`; stacked [E, ., .]).
 */
export function fp8Slots(s: TensorSlot | StackedSlot, block: number): { weight: TensorSlot; scale: TensorSlot } {
  const shape = 'parts' in s ? [s.parts.length, ...s.parts[0]!.shape] : s.shape;
  return { weight: { name: `${s.name}.e4m3fn`, shape }, scale: { name: `${s.name}_scale_inv`, shape: blockScaleShape(shape, block) } };
}

function mlp({ proj }: Slots, prefix: string, inner: number, dim: number): MlpWeights {
  return {
    gate: proj(`${prefix}.gate_proj.weight`, inner, dim),
    up: proj(`${prefix}.up_proj.weight`, inner, dim),
    down: proj(`${prefix}.down_proj.weight`, dim, inner),
  };
}

function stacked({ proj }: Slots, prefix: string, name: string, experts: number, inDim: number, outDim: number): StackedSlot {
  const parts = Array.from({ length: experts }, (_, e) => proj(`${prefix}.experts.${e}.${name}.weight`, outDim, inDim));
  const slot: StackedSlot = { name: `${prefix}.experts.${name}.stacked`, shape: [experts, inDim, outDim], parts, linear: true };
  const stored = parts[0]!.stored;
  return (stored === 'bf16' || stored === 'f16') && parts.every((p) => p.stored === stored) ? { ...slot, stored } : slot;
}

function attention({ slot, proj }: Slots, c: ModelConfig, p: string): AttentionWeights {
  const qkHead = c.qkNopeHeadDim + c.qkRopeHeadDim;
  const H = c.numAttentionHeads;
  const D = c.hiddenSize;
  return {
    query:
      c.qLoraRank > 0
        ? { wqA: proj(`${p}.q_a_proj.weight`, c.qLoraRank, D), qNorm: slot(`${p}.q_a_layernorm.weight`, c.qLoraRank), wqB: proj(`${p}.q_b_proj.weight`, H * qkHead, c.qLoraRank) }
        : { wq: proj(`${p}.q_proj.weight`, H * qkHead, D) },
    wkvA: proj(`${p}.kv_a_proj_with_mqa.weight`, c.kvLoraRank + c.qkRopeHeadDim, D),
    kvNorm: slot(`${p}.kv_a_layernorm.weight`, c.kvLoraRank),
    wkvB: proj(`${p}.kv_b_proj.weight`, H * (c.qkNopeHeadDim + c.vHeadDim), c.kvLoraRank),
    wo: proj(`${p}.o_proj.weight`, D, H * c.vHeadDim),
  };
}

function moe(s: Slots, c: ModelConfig, p: string): MoeWeights {
  const [E, D, I] = [c.nRoutedExperts, c.hiddenSize, c.moeIntermediateSize];
  return {
    router: s.slot(`${p}.gate.weight`, E, D),
    bias: hasRouterBias(c) ? s.slot(`${p}.gate.e_score_correction_bias`, E) : undefined,
    experts: { gate: stacked(s, p, 'gate_proj', E, D, I), up: stacked(s, p, 'up_proj', E, D, I), down: stacked(s, p, 'down_proj', E, I, D) },
    shared: c.nSharedExperts > 0 ? mlp(s, `${p}.shared_experts`, c.nSharedExperts * I, D) : undefined,
  };
}

function layer(s: Slots, c: ModelConfig, index: number): LayerWeights {
  const p = `model.layers.${index}`;
  return {
    index,
    attnNorm: s.slot(`${p}.input_layernorm.weight`, c.hiddenSize),
    ffnNorm: s.slot(`${p}.post_attention_layernorm.weight`, c.hiddenSize),
    attn: attention(s, c, `${p}.self_attn`),
    ffn: isMoeLayer(c, index) ? { kind: 'moe', moe: moe(s, c, `${p}.mlp`) } : { kind: 'dense', mlp: mlp(s, `${p}.mlp`, c.intermediateSize, c.hiddenSize) },
  };
}

/** MTP module k: checkpoint layer num_hidden_layers + k. */
function mtp(s: Slots, c: ModelConfig, k: number): MtpWeights {
  const L = c.numHiddenLayers + k;
  const p = `model.layers.${L}`;
  const D = c.hiddenSize;
  return {
    embed: s.slot(`${p}.embed_tokens.weight`, c.vocabSize, D),
    enorm: s.slot(`${p}.enorm.weight`, D),
    hnorm: s.slot(`${p}.hnorm.weight`, D),
    ehProj: s.proj(`${p}.eh_proj.weight`, D, 2 * D),
    block: layer(s, c, L),
    headNorm: s.slot(`${p}.shared_head.norm.weight`, D),
    head: s.slot(`${p}.shared_head.head.weight`, c.vocabSize, D),
  };
}

/**
 * The layout of `c`'s checkpoint, with a rotary table of `ropePositions` rows; `stored` gives each checkpoint
 * tensor's dtype (all f32 by default). Stacked experts and the rotary table are f32 whatever it says.
 */
export function modelLayout(c: ModelConfig, ropePositions = c.maxPositionEmbeddings, stored: StoredDTypeOf = () => undefined): ModelLayout {
  const half = c.qkRopeHeadDim / 2;
  const s = slotMaker(stored);
  const f32 = slotMaker(() => undefined);
  return {
    embed: s.slot('model.embed_tokens.weight', c.vocabSize, c.hiddenSize),
    layers: Array.from({ length: c.numHiddenLayers }, (_, i) => layer(s, c, i)),
    norm: s.slot('model.norm.weight', c.hiddenSize),
    head: s.slot('lm_head.weight', c.vocabSize, c.hiddenSize),
    mtp: Array.from({ length: c.numNextnPredictLayers }, (_, k) => mtp(s, c, k)),
    ropeCos: f32.slot('rope.cos', ropePositions, half),
    ropeSin: f32.slot('rope.sin', ropePositions, half),
  };
}

/** A tensor the checkpoint must hold; `projection` marks Linear weights, which an FP8 checkpoint may quantise. */
export interface CheckpointTensor extends TensorSlot {
  readonly projection: boolean;
}

const checkpointTensor = (s: TensorSlot): CheckpointTensor => ({ ...s, projection: s.linear === true });

export function layerTensors(l: LayerWeights): CheckpointTensor[] {
  const q = l.attn.query;
  const attention = [l.attnNorm, l.ffnNorm, l.attn.kvNorm, ...('wq' in q ? [q.wq] : [q.wqA, q.wqB, q.qNorm]), l.attn.wkvA, l.attn.wkvB, l.attn.wo];
  const mlpSlots = (m: MlpWeights) => [m.gate, m.up, m.down];
  if (l.ffn.kind === 'dense') return attention.concat(mlpSlots(l.ffn.mlp)).map(checkpointTensor);
  const m = l.ffn.moe;
  const { gate, up, down } = m.experts;
  // concat, not push(...): a spread of a million experts' tensors would overflow the stack.
  return attention.concat(m.router, m.bias ?? [], gate.parts, up.parts, down.parts, m.shared ? mlpSlots(m.shared) : []).map(checkpointTensor);
}

/** Every tensor a checkpoint for this layout holds (FP8 scale tensors aside). */
export function checkpointTensors(layout: ModelLayout): CheckpointTensor[] {
  let out = [layout.embed, layout.norm, layout.head].map(checkpointTensor).concat(layout.layers.flatMap(layerTensors));
  for (const m of layout.mtp)
    out = out.concat([m.embed, m.enorm, m.hnorm, m.ehProj].map(checkpointTensor), layerTensors(m.block), [m.headNorm, m.head].map(checkpointTensor));
  return out;
}

/**
 * How `c` asks for more layers or routed experts than the checkpoint's tensor names hold, or undefined. Checked
 * before the layout is built: laying out a config of a million experts or 100,000 layers takes minutes and
 * gigabytes, only to report the first missing tensor.
 */
export function extentBeyondCheckpoint(c: ModelConfig, names: readonly string[]): string | undefined {
  let layers = 0;
  let experts = 0;
  for (const name of names) {
    const m = /^model\.layers\.(\d+)\.(?:mlp\.experts\.(\d+)\.)?/.exec(name);
    if (m === null) continue;
    layers = Math.max(layers, Number(m[1]) + 1);
    if (m[2] !== undefined) experts = Math.max(experts, Number(m[2]) + 1);
  }
  const wanted = c.numHiddenLayers + c.numNextnPredictLayers;
  const held = (n: number, what: string) => (n === 0 ? `name no ${what}` : `stop at ${what} ${n - 1}`);
  if (wanted > layers)
    return `config.json's num_hidden_layers (${c.numHiddenLayers}) and num_nextn_predict_layers (${c.numNextnPredictLayers}) ask for layers 0 to ${wanted - 1}, but the checkpoint's tensors ${held(layers, 'layer')} (model.layers.<i>)`;
  if (wanted > c.firstKDenseReplace && c.nRoutedExperts > experts)
    return `config.json's n_routed_experts (${c.nRoutedExperts}) asks for experts 0 to ${c.nRoutedExperts - 1}, but the checkpoint's tensors ${held(experts, 'expert')} (mlp.experts.<e>)`;
  return undefined;
}
