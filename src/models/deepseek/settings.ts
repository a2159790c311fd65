// Run-time settings that are not in config.json: the attention form, the static cache length, the RMSNorm eps,
// which hidden state feeds the MTP module, and how Linear layers of an FP8 checkpoint run.

import type { AttentionMode } from '../../composites/mla.js';
import type { GemmMode } from '../../composites/projection.js';
import type { ScaleFormat } from '../../ops/index.js';
import type { ModelConfig } from './config.js';

export type { AttentionMode, GemmMode };

/**
 * Quirk 6 of the official code (spec/golden/README.md §Quirks): every RMSNorm (including q_a_layernorm and
 * kv_a_layernorm) is built as `RMSNorm(dim)` and so uses its default eps of 1e-6, whatever `rms_norm_eps` in
 * config.json says.
 */
export const OFFICIAL_NORM_EPS = 1e-6;

/** final_norm: h after the final RMSNorm, as vLLM and SGLang feed the released weights; last_block: before it. */
export type MtpHidden = 'final_norm' | 'last_block';

/**
 * Which Linear layers use the ue8m0 activation scales under scale_fmt ue8m0. official: plain `Linear` layers only
 * (quirk 10 of spec/golden/README.md §Quirks); all: every FP8 Linear (not official; the golden `fp8_ue8m0_all` run).
 */
export type Ue8m0Reach = 'official' | 'all';

export interface ModelSettings {
  readonly attention: AttentionMode;
  /**
   * The longest run: the rows of the rotary table and the positions caches hold (a Session may hold fewer); prompt
   * plus generated tokens must fit. At most max_position_embeddings. It sizes memory only: YaRN follows
   * max_position_embeddings whatever this is (rope.ts, quirk 3).
   */
  readonly maxSeqLen: number;
  readonly normEps: number;
  readonly mtpHidden: MtpHidden;
  readonly gemm: GemmMode;
  /** act_quant scale format under gemm fp8; defaults to config.json's quantization_config.scale_fmt. */
  readonly scaleFmt: ScaleFormat;
  readonly ue8m0Reach: Ue8m0Reach;
}

/** The official behaviour, with the cache as long as config.json's max_position_embeddings. */
export function defaultSettings(config: ModelConfig, overrides: Partial<ModelSettings> = {}): ModelSettings {
  const s: ModelSettings = {
    attention: 'absorb',
    maxSeqLen: config.maxPositionEmbeddings,
    normEps: OFFICIAL_NORM_EPS,
    mtpHidden: 'final_norm',
    gemm: 'dequant',
    scaleFmt: config.quantization?.scaleFmt ?? 'none',
    ue8m0Reach: 'official',
    ...overrides,
  };
  if (s.attention !== 'absorb' && s.attention !== 'naive') throw new RangeError(`attention must be "absorb" or "naive", got ${JSON.stringify(s.attention)}`);
  if (s.mtpHidden !== 'final_norm' && s.mtpHidden !== 'last_block')
    throw new RangeError(`mtpHidden must be "final_norm" or "last_block", got ${JSON.stringify(s.mtpHidden)}`);
  if (!Number.isSafeInteger(s.maxSeqLen) || s.maxSeqLen < 1 || s.maxSeqLen > config.maxPositionEmbeddings)
    throw new RangeError(`maxSeqLen must be an integer in [1, ${config.maxPositionEmbeddings}] (max_position_embeddings), got ${s.maxSeqLen}`);
  if (s.gemm !== 'dequant' && s.gemm !== 'fp8') throw new RangeError(`gemm must be "dequant" or "fp8", got ${JSON.stringify(s.gemm)}`);
  if (s.gemm === 'fp8' && config.quantization === null)
    throw new RangeError('gemm "fp8" needs an FP8 checkpoint, but config.json has no quantization_config (dsv3 quantize makes one)');
  if (s.scaleFmt !== 'none' && s.scaleFmt !== 'ue8m0') throw new RangeError(`scaleFmt must be "none" or "ue8m0", got ${JSON.stringify(s.scaleFmt)}`);
  if (s.ue8m0Reach !== 'official' && s.ue8m0Reach !== 'all') throw new RangeError(`ue8m0Reach must be "official" or "all", got ${JSON.stringify(s.ue8m0Reach)}`);
  if (!(s.normEps >= 0)) throw new RangeError(`normEps must be >= 0, got ${s.normEps}`);
  return s;
}
