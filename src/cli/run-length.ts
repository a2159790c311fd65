// --max-seq: the positions a run's KV caches (and rotary table) hold. By default exactly what the run needs, the
// prompt plus the tokens it adds, so a checkpoint whose max_position_embeddings is 163,840 does not get 22 GB of
// caches to run three tokens. The run says how much it allocates before it does. The cache length sizes memory
// only: YaRN follows max_position_embeddings, whatever --max-seq is (models/deepseek/rope.ts).

import type { ModelConfig } from '../models/deepseek/config.js';
import type { LoadedModel } from '../models/deepseek/loaded-model.js';
import { kvCacheBytes } from '../models/deepseek/session.js';
import { integerOption, UsageError, type Options } from './command.js';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** The positions a run reaches, and how to say where that number comes from. */
export interface RunLength {
  readonly positions: number;
  /** E.g. "a 3-token prompt and 2 decode steps". */
  readonly why: string;
}

export const MAX_SEQ_OPTION: Options = { 'max-seq': { type: 'string' } };

export const MAX_SEQ_HELP = `  --max-seq N         the positions the KV caches hold (default: what the run needs, the prompt plus the
                      tokens it adds; at most max_position_embeddings); the run prints their size first`;

/** --max-seq, or what the run needs: checked against both the run and `config`'s max_position_embeddings. */
export function maxSeqArg(values: Values, command: string, run: RunLength, config: ModelConfig): number {
  const text = values['max-seq'] as string | undefined;
  const limit = config.maxPositionEmbeddings;
  if (text === undefined) {
    if (run.positions > limit) throw new UsageError(`dsv3 ${command}: ${run.why} need ${run.positions} positions, more than max_position_embeddings (${limit})`);
    return run.positions;
  }
  const n = integerOption(command, 'max-seq', text, 1);
  if (n < run.positions) throw new UsageError(`dsv3 ${command}: --max-seq ${n} is too short: ${run.why} need ${run.positions} positions`);
  if (n > limit) throw new UsageError(`dsv3 ${command}: --max-seq ${n} exceeds max_position_embeddings (${limit})`);
  return n;
}

/** Says on stderr (not with --quiet) how much memory the KV caches of a session will take, before it is made. */
export function announceCaches(values: Values, command: string, model: LoadedModel, batch: number): void {
  if (values.quiet === true) return;
  const { config, settings } = model;
  const bytes = kvCacheBytes(model, batch);
  console.error(`dsv3 ${command}: KV caches: ${bytes.toLocaleString('en-US')} bytes (${config.numHiddenLayers} layers, batch ${batch}, ${settings.maxSeqLen} positions, f32, ${settings.attention} attention)`);
}
