// The model's hyperparameters, parsed from a Hugging Face DeepSeek-V3/V2 `config.json`. Every key is either a
// model setting (checked for type and consistency) or known bookkeeping that does not change the maths; anything
// else is an error naming the key, so a config this code does not understand is never half-read.

import type { RouterAttrs } from '../../composites/router.js';
import { readJson, type FileSet } from '../../io/file-set.js';
import { CONFIG_DEFAULTS } from './config-defaults.js';

export type ModelType = 'deepseek_v3' | 'deepseek_v2';
export type ScoringFunc = RouterAttrs['scoring'];
/** noaux_tc: biased, group-limited top-k (V3); greedy: plain top-k; group_limited_greedy: groups ranked by max score (V2). */
export type TopkMethod = 'noaux_tc' | 'greedy' | 'group_limited_greedy';

export interface YarnScaling {
  readonly factor: number;
  readonly originalMaxPositionEmbeddings: number;
  readonly betaFast: number;
  readonly betaSlow: number;
  /** The official code's single `mscale` (HF `mscale` and `mscale_all_dim`, which must be equal). */
  readonly mscale: number;
}

export interface Fp8Quantization {
  /** [b, b]: Linear weights are stored in b×b blocks with one scale each, and activations quantised in 1×b tiles. */
  readonly blockSize: readonly [number, number];
  /** `ue8m0` rounds activation scales up to powers of two (DeepSeek-V3.1); `none` is amax / 448. */
  readonly scaleFmt: 'none' | 'ue8m0';
}

export interface ModelConfig {
  readonly modelType: ModelType;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly moeIntermediateSize: number;
  readonly numHiddenLayers: number;
  /** Layers [0, firstKDenseReplace) use the dense MLP, the rest MoE. */
  readonly firstKDenseReplace: number;
  readonly numAttentionHeads: number;
  readonly nRoutedExperts: number;
  readonly nSharedExperts: number;
  readonly numExpertsPerTok: number;
  readonly nGroup: number;
  readonly topkGroup: number;
  readonly routedScalingFactor: number;
  readonly scoringFunc: ScoringFunc;
  readonly topkMethod: TopkMethod;
  readonly normTopkProb: boolean;
  /** 0 means no query compression (`q_proj`), as `null` does in the file. */
  readonly qLoraRank: number;
  readonly kvLoraRank: number;
  readonly qkNopeHeadDim: number;
  readonly qkRopeHeadDim: number;
  readonly vHeadDim: number;
  readonly ropeTheta: number;
  readonly ropeScaling: YarnScaling | null;
  readonly maxPositionEmbeddings: number;
  /** As stated by the file; the official code ignores it (see OFFICIAL_NORM_EPS in settings.ts). */
  readonly rmsNormEps: number;
  readonly numNextnPredictLayers: number;
  readonly quantization: Fp8Quantization | null;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Json = Record<string, unknown>;

/** Keys Hugging Face writes that do not affect inference; a few must hold the one value this model supports. */
const BOOKKEEPING: Readonly<Record<string, (v: unknown) => string | undefined>> = {
  architectures: () => undefined,
  auto_map: () => undefined,
  _name_or_path: () => undefined,
  model_type: () => undefined,
  bos_token_id: () => undefined,
  eos_token_id: () => undefined,
  pad_token_id: () => undefined,
  torch_dtype: () => undefined,
  dtype: () => undefined,
  transformers_version: () => undefined,
  use_cache: () => undefined,
  initializer_range: () => undefined,
  attention_dropout: () => undefined,
  num_key_value_heads: () => undefined,
  ep_size: () => undefined,
  aux_loss_alpha: () => undefined,
  seq_aux: () => undefined,
  pretraining_tp: () => undefined,
  tie_word_embeddings: (v) => (v === false ? undefined : 'must be false: the output head is not tied to the embedding'),
  attention_bias: (v) => (v === false ? undefined : 'must be false: DeepSeek projections have no bias'),
  hidden_act: (v) => (v === 'silu' ? undefined : 'must be "silu": the MLPs are SwiGLU'),
  moe_layer_freq: (v) => (v === 1 ? undefined : 'must be 1: every layer from first_k_dense_replace on is MoE'),
  rope_interleave: (v) => (v === true ? undefined : 'must be true: the checkpoints rotate interleaved pairs'),
};

const MODEL_KEYS = [
  'vocab_size', 'hidden_size', 'intermediate_size', 'moe_intermediate_size', 'num_hidden_layers', 'first_k_dense_replace',
  'num_attention_heads', 'n_routed_experts', 'n_shared_experts', 'num_experts_per_tok', 'n_group', 'topk_group',
  'routed_scaling_factor', 'scoring_func', 'topk_method', 'norm_topk_prob', 'q_lora_rank', 'kv_lora_rank',
  'qk_nope_head_dim', 'qk_rope_head_dim', 'v_head_dim', 'rope_theta', 'rope_scaling', 'max_position_embeddings',
  'rms_norm_eps', 'num_nextn_predict_layers', 'quantization_config',
];

const ROPE_SCALING_KEYS = ['type', 'rope_type', 'factor', 'original_max_position_embeddings', 'beta_fast', 'beta_slow', 'mscale', 'mscale_all_dim'];
const QUANTIZATION_KEYS = ['quant_method', 'fmt', 'activation_scheme', 'weight_block_size', 'scale_fmt'];

class Reader {
  constructor(
    private readonly json: Json,
    /** Where the keys live, for messages: `config.json` or `config.json: "rope_scaling"`. */
    private readonly where: string,
    private readonly prefix = '',
    /** The value of a key the file leaves out (config-defaults.ts); a key without one is required. */
    private readonly defaults: Readonly<Record<string, unknown>> = {},
  ) {}

  /** Throws naming `key`; a message about keys the file leaves out says which defaults it read. */
  fail(key: string, msg: string): never {
    const mentioned = new Set([key, ...Array.from(msg.matchAll(/"([a-z_]+)"/g), (m) => m[1]!)]);
    const defaulted = [...mentioned].filter((k) => this.isDefaulted(k)).map((k) => `"${this.prefix}${k}" is not in the file and defaults to ${JSON.stringify(this.defaults[k])}`);
    throw new ConfigError(`${this.where}: "${this.prefix}${key}" ${msg}${defaulted.length > 0 ? ` (${defaulted.join('; ')})` : ''}`);
  }

  /** Whether the file sets `key`. */
  has(key: string): boolean {
    return Object.hasOwn(this.json, key) && this.json[key] !== undefined;
  }

  private isDefaulted(key: string): boolean {
    return !this.has(key) && Object.hasOwn(this.defaults, key);
  }

  /** The file's value of `key`, or its default. */
  raw(key: string): unknown {
    if (this.isDefaulted(key)) return this.defaults[key];
    if (!this.has(key)) this.fail(key, Object.keys(this.defaults).length > 0 ? 'is missing, and the configuration classes give it no common default' : 'is missing');
    return this.json[key];
  }

  int(key: string, min: number): number {
    const v = this.raw(key);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail(key, `must be an integer, got ${JSON.stringify(v)}`);
    if (v < min) this.fail(key, `must be >= ${min}, got ${v}`);
    return v;
  }

  positive(key: string): number {
    const v = this.raw(key);
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) this.fail(key, `must be a positive number, got ${JSON.stringify(v)}`);
    return v;
  }

  bool(key: string): boolean {
    const v = this.raw(key);
    if (typeof v !== 'boolean') this.fail(key, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  choice<T extends string>(key: string, values: readonly T[]): T {
    const v = this.raw(key);
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v))
      this.fail(key, `must be one of ${values.map((s) => JSON.stringify(s)).join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  object(key: string): Json | null {
    const v = this.has(key) || this.isDefaulted(key) ? this.raw(key) : null;
    if (v === null) return null;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(key, `must be an object or null, got ${JSON.stringify(v)}`);
    return v as Json;
  }

  onlyKeys(allowed: readonly string[]): void {
    for (const key of Object.keys(this.json)) if (!allowed.includes(key)) this.fail(key, `is not a known key; expected one of ${allowed.join(', ')}`);
  }
}

function parseRopeScaling(json: Json, where: string): YarnScaling {
  const r = new Reader(json, where, 'rope_scaling.');
  r.onlyKeys(ROPE_SCALING_KEYS);
  // DeepSeek's code reads `type`, Hugging Face's `rope_type` (falling back to `type`): two different values would
  // give the two implementations different models.
  if (r.has('type') && r.has('rope_type') && r.raw('type') !== r.raw('rope_type'))
    r.fail('rope_type', `(${JSON.stringify(r.raw('rope_type'))}) contradicts "rope_scaling.type" (${JSON.stringify(r.raw('type'))}); give one of them, or the same value in both`);
  r.choice(r.has('type') ? 'type' : 'rope_type', ['yarn']);
  const mscale = r.positive('mscale');
  const mscaleAllDim = r.positive('mscale_all_dim');
  if (mscale !== mscaleAllDim)
    r.fail('mscale', `(${mscale}) must equal "rope_scaling.mscale_all_dim" (${mscaleAllDim}): the official code has a single mscale`);
  return {
    factor: r.positive('factor'),
    originalMaxPositionEmbeddings: r.int('original_max_position_embeddings', 1),
    betaFast: r.positive('beta_fast'),
    betaSlow: r.positive('beta_slow'),
    mscale,
  };
}

function parseQuantization(json: Json, where: string): Fp8Quantization {
  const r = new Reader(json, where, 'quantization_config.');
  r.onlyKeys(QUANTIZATION_KEYS);
  r.choice('quant_method', ['fp8']);
  r.choice('fmt', ['e4m3']);
  r.choice('activation_scheme', ['dynamic']);
  const block = r.raw('weight_block_size');
  const isEdge = (b: unknown) => typeof b === 'number' && Number.isSafeInteger(b) && b >= 1;
  if (!Array.isArray(block) || block.length !== 2 || !block.every(isEdge))
    r.fail('weight_block_size', `must be [b, b] with b a positive integer (DeepSeek-V3: [128, 128]), got ${JSON.stringify(block)}`);
  const [rows, cols] = block as [number, number];
  if (rows !== cols)
    r.fail('weight_block_size', `must be square, [b, b]: the activation tiles (1×b along the input features) and the weight blocks share one edge, got ${JSON.stringify(block)}`);
  return { blockSize: [rows, cols], scaleFmt: r.has('scale_fmt') ? r.choice('scale_fmt', ['ue8m0']) : 'none' };
}

/** Parses and checks a config.json object; `where` names the file in errors. */
export function parseModelConfig(json: unknown, where = 'config.json'): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(`${where}: expected a JSON object`);
  const file = new Reader(json as Json, where);
  file.onlyKeys([...MODEL_KEYS, ...Object.keys(BOOKKEEPING)]);
  for (const [key, check] of Object.entries(BOOKKEEPING)) {
    const problem = file.has(key) ? check((json as Json)[key]) : undefined;
    if (problem) file.fail(key, `${problem}, got ${JSON.stringify((json as Json)[key])}`);
  }
  const modelType = file.choice('model_type', ['deepseek_v3', 'deepseek_v2']);
  const r = new Reader(json as Json, where, '', CONFIG_DEFAULTS[modelType]);
  const topkMethod = r.choice('topk_method', ['noaux_tc', 'greedy', 'group_limited_greedy']);
  // DeepSeek-V2's configuration classes leave n_group and topk_group None: no groups, which only greedy routing can use.
  const ungrouped = (key: string) => modelType === 'deepseek_v2' && topkMethod === 'greedy' && !r.has(key);
  const qLora = r.raw('q_lora_rank');
  const ropeScaling = r.object('rope_scaling');
  const quantization = r.object('quantization_config');
  const config: ModelConfig = {
    modelType,
    vocabSize: r.int('vocab_size', 1),
    hiddenSize: r.int('hidden_size', 1),
    intermediateSize: r.int('intermediate_size', 1),
    moeIntermediateSize: r.int('moe_intermediate_size', 1),
    numHiddenLayers: r.int('num_hidden_layers', 1),
    firstKDenseReplace: r.int('first_k_dense_replace', 0),
    numAttentionHeads: r.int('num_attention_heads', 1),
    nRoutedExperts: r.int('n_routed_experts', 1),
    nSharedExperts: r.int('n_shared_experts', 0),
    numExpertsPerTok: r.int('num_experts_per_tok', 1),
    nGroup: ungrouped('n_group') ? 1 : r.int('n_group', 1),
    topkGroup: ungrouped('topk_group') ? 1 : r.int('topk_group', 1),
    routedScalingFactor: r.positive('routed_scaling_factor'),
    scoringFunc: r.choice('scoring_func', ['sigmoid', 'softmax']),
    topkMethod,
    normTopkProb: r.bool('norm_topk_prob'),
    qLoraRank: qLora === null ? 0 : r.int('q_lora_rank', 0),
    kvLoraRank: r.int('kv_lora_rank', 1),
    qkNopeHeadDim: r.int('qk_nope_head_dim', 0),
    qkRopeHeadDim: r.int('qk_rope_head_dim', 2),
    vHeadDim: r.int('v_head_dim', 1),
    ropeTheta: r.positive('rope_theta'),
    ropeScaling: ropeScaling === null ? null : parseRopeScaling(ropeScaling, where),
    maxPositionEmbeddings: r.int('max_position_embeddings', 1),
    rmsNormEps: r.positive('rms_norm_eps'),
    numNextnPredictLayers: r.int('num_nextn_predict_layers', 0),
    quantization: quantization === null ? null : parseQuantization(quantization, where),
  };
  checkConsistency(config, r);
  return config;
}

/** The graphs carry token ids and positions as int32 (their `tokens` and `start_pos` inputs). */
const INT32_MAX = 2 ** 31 - 1;

function checkConsistency(c: ModelConfig, r: Reader): void {
  for (const [key, v] of [['vocab_size', c.vocabSize], ['max_position_embeddings', c.maxPositionEmbeddings]] as const)
    if (v > INT32_MAX) r.fail(key, `must be at most ${INT32_MAX}: token ids and positions are int32, got ${v}`);
  if (c.qkRopeHeadDim % 2 !== 0) r.fail('qk_rope_head_dim', `must be even (RoPE rotates pairs), got ${c.qkRopeHeadDim}`);
  if (c.firstKDenseReplace > c.numHiddenLayers)
    r.fail('first_k_dense_replace', `(${c.firstKDenseReplace}) must not exceed "num_hidden_layers" (${c.numHiddenLayers})`);
  if (c.numExpertsPerTok > c.nRoutedExperts)
    r.fail('num_experts_per_tok', `(${c.numExpertsPerTok}) must not exceed "n_routed_experts" (${c.nRoutedExperts})`);
  // Greedy routing ignores n_group and topk_group (attrs.ts), whatever they say.
  const grouped = c.topkMethod !== 'greedy';
  if (grouped && c.nRoutedExperts % c.nGroup !== 0) r.fail('n_routed_experts', `(${c.nRoutedExperts}) must be divisible by "n_group" (${c.nGroup})`);
  if (grouped && c.topkGroup > c.nGroup) r.fail('topk_group', `(${c.topkGroup}) must not exceed "n_group" (${c.nGroup})`);
  const groupLimited = grouped && c.nGroup > 1;
  if (groupLimited && c.topkGroup * (c.nRoutedExperts / c.nGroup) < c.numExpertsPerTok)
    r.fail('topk_group', `(${c.topkGroup}) groups of ${c.nRoutedExperts / c.nGroup} experts cannot supply "num_experts_per_tok" (${c.numExpertsPerTok}) experts`);
  if (groupLimited && c.topkMethod === 'noaux_tc' && c.nRoutedExperts / c.nGroup < 2)
    r.fail('n_group', `(${c.nGroup}) leaves fewer than 2 experts per group; noaux_tc scores a group by its top-2 experts`);
  // The official code normalises sigmoid routing weights over the selected experts and never softmax ones;
  // a config asking for the other combination describes a model this code does not compute.
  const officialNorm = c.scoringFunc === 'sigmoid';
  if (c.normTopkProb !== officialNorm)
    r.fail('norm_topk_prob', `must be ${officialNorm} with "scoring_func" "${c.scoringFunc}": the official code ${officialNorm ? 'always normalises sigmoid' : 'never normalises softmax'} routing weights`);
}

/** Reads and parses the folder's config.json (a directory: `directoryFiles(dir)`; in memory: `memoryFiles`). */
export function loadModelConfig(files: FileSet): ModelConfig {
  let json: unknown;
  try {
    json = readJson(files, 'config.json');
  } catch (e) {
    throw new ConfigError((e as Error).message, { cause: e });
  }
  return parseModelConfig(json, files.pathOf('config.json'));
}

/** Whether layer `i` (a main layer, or an MTP layer at index numHiddenLayers and on) has a MoE feed-forward. */
export const isMoeLayer = (c: ModelConfig, i: number): boolean => i >= c.firstKDenseReplace;

/** Whether the router has `e_score_correction_bias` (V3's auxiliary-loss-free balancing). */
export const hasRouterBias = (c: ModelConfig): boolean => c.topkMethod === 'noaux_tc';
