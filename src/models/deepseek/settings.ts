// Run-time settings that are not in config.json: the attention form, the static cache length, the RMSNorm eps
// and which hidden state feeds the MTP module.

import type { ModelConfig } from './config.js';

/**
 * Quirk 6 of the official code: every RMSNorm (including q_a_layernorm and kv_a_layernorm) is built as
 * `RMSNorm(dim)` and so uses its default eps of 1e-6, whatever `rms_norm_eps` in config.json says.
 */
export const OFFICIAL_NORM_EPS = 1e-6;

/** absorb: cache kv_norm(c_kv) and rotated k_pe, fold W_UK/W_UV into q and the output (the official default). */
export type AttentionMode = 'absorb' | 'naive';

/** final_norm: h after the final RMSNorm, as vLLM and SGLang feed the released weights; last_block: before it. */
export type MtpHidden = 'final_norm' | 'last_block';

export interface ModelSettings {
  readonly attention: AttentionMode;
  /** Caches hold this many positions; prompt plus generated tokens must fit. At most max_position_embeddings. */
  readonly maxSeqLen: number;
  readonly normEps: number;
  readonly mtpHidden: MtpHidden;
}

/** The official behaviour, with the cache as long as config.json's max_position_embeddings. */
export function defaultSettings(config: ModelConfig, overrides: Partial<ModelSettings> = {}): ModelSettings {
  const s: ModelSettings = {
    attention: 'absorb',
    maxSeqLen: config.maxPositionEmbeddings,
    normEps: OFFICIAL_NORM_EPS,
    mtpHidden: 'final_norm',
    ...overrides,
  };
  if (s.attention !== 'absorb' && s.attention !== 'naive') throw new RangeError(`attention must be "absorb" or "naive", got ${JSON.stringify(s.attention)}`);
  if (s.mtpHidden !== 'final_norm' && s.mtpHidden !== 'last_block')
    throw new RangeError(`mtpHidden must be "final_norm" or "last_block", got ${JSON.stringify(s.mtpHidden)}`);
  if (!Number.isSafeInteger(s.maxSeqLen) || s.maxSeqLen < 1 || s.maxSeqLen > config.maxPositionEmbeddings)
    throw new RangeError(`maxSeqLen must be an integer in [1, ${config.maxPositionEmbeddings}] (max_position_embeddings), got ${s.maxSeqLen}`);
  if (!(s.normEps >= 0)) throw new RangeError(`normEps must be >= 0, got ${s.normEps}`);
  return s;
}
