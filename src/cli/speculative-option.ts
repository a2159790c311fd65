// `dsv3 generate --speculative mtp[:D]` and `--json`: the option's parsing and what a run reports (the acceptance
// per draft depth and tokens/s on stderr, or one JSON object on stdout).

import type { LoadedModel } from '../models/deepseek/loaded-model.js';
import { acceptanceRates, type SpeculativeResult } from '../models/deepseek/speculative.js';
import { UsageError } from './command.js';

export const SPECULATIVE_HELP = `  --speculative mtp[:D]
                      speculative decoding: the first D MTP modules (default all of them, num_nextn_predict_layers)
                      draft D tokens per step and the main model checks them in one chunk; greedy output is the
                      plain greedy output, sampled output has the main model's distribution. Prints on stderr the
                      acceptance per draft depth and tokens/s (compiling excluded). Needs a resident run
  --json              print {"tokens": [[...]], "acceptance": [...], "tokens_per_second": x} on stdout instead
                      (acceptance: per draft depth, the drafts accepted of those judged; [] without --speculative)`;

/** The draft depth `--speculative TEXT` asks of `model`. */
export function speculativeDepth(text: string, model: LoadedModel): number {
  const m = /^mtp(?::(\d+))?$/.exec(text);
  const modules = model.weights.layout.mtp.length;
  if (m === null) throw new UsageError(`dsv3 generate: --speculative must be mtp or mtp:D (D drafts per step), got "${text}"`);
  if (modules === 0) throw new UsageError('dsv3 generate: --speculative mtp needs MTP modules, and the checkpoint has none (num_nextn_predict_layers is 0)');
  const depth = m[1] === undefined ? modules : Number(m[1]);
  if (!Number.isSafeInteger(depth) || depth < 1 || depth > modules)
    throw new UsageError(`dsv3 generate: --speculative mtp:D needs D in [1, ${modules}] (the checkpoint's MTP modules), got ${m[1]}`);
  return depth;
}

/** The tokens/s of `rows` generated in `seconds`. */
const tokensPerSecond = (rows: readonly (readonly number[])[], seconds: number): number => rows.reduce((n, r) => n + r.length, 0) / seconds;

/** The JSON line `--json` prints. */
export function jsonReport(rows: readonly (readonly number[])[], seconds: number, speculative?: SpeculativeResult): string {
  return JSON.stringify({ tokens: rows, acceptance: speculative ? acceptanceRates(speculative) : [], tokens_per_second: tokensPerSecond(rows, seconds) });
}

/** The stderr line of a speculative run: acceptance per depth, tokens/s and tokens per main-model step. */
export function speculativeSummary(r: SpeculativeResult, seconds: number): string {
  const depths = acceptanceRates(r).map((rate, k) => `depth ${k + 1} ${Number.isNaN(rate) ? '-' : `${(100 * rate).toFixed(1)} %`} (${r.accepted[k]}/${r.judged[k]})`);
  const perStep = r.tokens[0]!.length / (r.steps + 1);
  return `dsv3 generate: speculative mtp:${r.judged.length}: accepted ${depths.join(', ')}; ${tokensPerSecond(r.tokens, seconds).toFixed(1)} tokens/s (compiling excluded), ${perStep.toFixed(2)} tokens per main-model step (row 0)`;
}
