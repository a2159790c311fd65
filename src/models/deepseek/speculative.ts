// Speculative decoding with the MTP modules (issue 14; spec/model.md §Speculative decoding): each step the modules
// draft D tokens per row (mtp-drafter.ts), the main model runs the last chosen token and the D drafts as one chunk,
// and the longest prefix it agrees with is kept (speculative-sampling.ts), plus the token it chooses after that
// prefix. Greedy output is the plain greedy output token for token; sampled output has the main model's
// distribution. Rejected positions are rolled back by moving the session's position (Session.rewind) and the
// modules' start positions: later chunks write over them, nothing is copied.
// The batch keeps one position for every row, so a step keeps the same number of tokens in every row: the fewest
// any unfinished row accepted, plus one. A row that accepted more gives up its extra drafts (its token at the cut is
// a draft it accepted, which is distributed as the main model's); they are drafted again. Finished rows are fed
// filler and do not limit the others. Row b draws from its own stream (seed + b), so a run repeats under a seed.

import { tensorData, type TensorData } from '../../ir/index.js';
import type { ForwardResult, Session } from './session.js';
import { generationSamplers, NonFiniteLogits, rowLogits, type GenerateOptions } from './generate.js';
import { MtpDrafter, type MainHidden } from './mtp-drafter.js';
import { nonFiniteElement } from './non-finite.js';
import { chooseDraft, judgeDrafts, type Draft, type Judgement } from './speculative-sampling.js';

export interface SpeculativeOptions extends GenerateOptions {
  /** Drafts per step: MTP modules 0 .. depth-1, chained; at most num_nextn_predict_layers. */
  readonly depth: number;
  /** Drafts with this drafter (reset first, kept afterwards: its compiled graphs serve the next run); by default one is made for the run. */
  readonly drafter?: MtpDrafter;
}

export interface SpeculativeResult {
  /** Each row's new tokens. */
  readonly tokens: number[][];
  /** Per draft depth: the drafts judged (those whose earlier drafts in the row were all accepted) and accepted. */
  readonly judged: number[];
  readonly accepted: number[];
  /** Verification steps (main-model chunks after the prefill). */
  readonly steps: number;
  /** Wall seconds of the prefill, the drafting and the verification chunks, compiling excluded; and of compiling. */
  readonly seconds: { readonly prefill: number; readonly draft: number; readonly verify: number; readonly compile: number };
}

/** Per depth, accepted / judged (NaN where no draft of that depth was judged). */
export const acceptanceRates = (r: Pick<SpeculativeResult, 'judged' | 'accepted'>): number[] => r.judged.map((n, k) => r.accepted[k]! / n);

const compiledSeconds = (r: ForwardResult): number => (r.compiled ? r.compiled.compiler + r.compiled.device : 0);

/** Positions [0, n) of x [B, S, D]. */
function firstPositions(x: TensorData, n: number): TensorData {
  const [B, S, D] = x.shape as [number, number, number];
  const out = new Float32Array(B * n * D);
  for (let b = 0; b < B; b++) out.set(x.data.subarray(b * S * D, (b * S + n) * D) as Float32Array, b * n * D);
  return tensorData('f32', [B, n, D], out);
}

/** The hidden state the MTP modules take from the main model (settings.mtpHidden) among a chunk's outputs. */
function mainHiddenStates(session: Session, r: ForwardResult): TensorData {
  const { config, settings } = session.model;
  const name = settings.mtpHidden === 'final_norm' ? 'final_norm' : `block.${config.numHiddenLayers - 1}`;
  const h = r.outputs[name];
  if (h === undefined) throw new RangeError(`speculative decoding with mtpHidden "${settings.mtpHidden}" needs the main model's ${name}: make the session with captures: true`);
  return h;
}

/** Generates up to `maxNew` tokens after `prompts` on a fresh `session`, drafting `depth` tokens per step. */
export async function generateSpeculative(session: Session, prompts: readonly (readonly number[])[], o: SpeculativeOptions): Promise<SpeculativeResult> {
  if (session.position !== 0) throw new RangeError(`speculative generation starts at position 0; the session holds ${session.position} positions (reset it)`);
  const samplers = generationSamplers(session, prompts, o);
  const model = { ...session.model, settings: { ...session.model.settings, maxSeqLen: session.maxSeqLen } };
  const drafter = o.drafter ?? new MtpDrafter(model, session.backend, prompts.length, o.depth);
  if (drafter.batch !== prompts.length || drafter.depth < o.depth)
    throw new RangeError(`the drafter given drafts ${drafter.depth} tokens for ${drafter.batch} rows; this run needs ${o.depth} for ${prompts.length}`);
  drafter.reset();
  const stop = new Set(o.stop ?? []);
  const out: number[][] = prompts.map(() => []);
  const done = prompts.map(() => false);
  const history = prompts.map((row) => [...row]);
  const steps: (readonly (readonly number[])[])[] = [prompts];
  const judged = new Array<number>(o.depth).fill(0);
  const accepted = new Array<number>(o.depth).fill(0);
  const seconds = { prefill: 0, draft: 0, verify: 0, compile: 0 };
  const emit = (b: number, id: number): void => {
    if (done[b]) return;
    out[b]!.push(id);
    o.onToken?.(b, id);
    done[b] = stop.has(id) || out[b]!.length === o.maxNew;
  };
  const checkFinite = (logits: TensorData, b: number, s: number): void => {
    const row = rowLogits(logits, b, s);
    const bad = nonFiniteElement({ dtype: logits.dtype, shape: [row.length], data: row });
    if (bad !== undefined) throw new NonFiniteLogits(`${steps.length === 1 ? 'the prefill' : `speculative step ${steps.length - 2}`} computed logits that are not finite: row ${b}, chunk position ${s} holds ${bad}`, steps);
  };
  const forward = async (rows: readonly (readonly number[])[]): Promise<[ForwardResult, number]> => {
    const start = performance.now();
    const r = await session.forward(rows);
    o.onForward?.(r);
    const compile = compiledSeconds(r);
    seconds.compile += compile;
    return [r, (performance.now() - start) / 1000 - compile];
  };
  try {
    const [prefill, prefillSeconds] = await forward(prompts);
    seconds.prefill = prefillSeconds;
    history.forEach((row, b) => {
      checkFinite(prefill.logits, b, prompts[0]!.length - 1);
      const id = samplers[b]!.next(rowLogits(prefill.logits, b));
      emit(b, id);
      row.push(id);
    });
    let main: MainHidden = { start: 0, data: mainHiddenStates(session, prefill) };
    while (!done.every(Boolean)) {
      const remaining = Math.max(...out.filter((_, b) => !done[b]).map((row) => o.maxNew - row.length));
      const depth = Math.min(o.depth, remaining - 1);
      const drafts: Draft[][] = prompts.map(() => []);
      if (depth > 0) {
        const start = performance.now();
        const r = await drafter.draft(history, main, depth, (b, _, logits) => {
          if (done[b]) return 0;
          const d = chooseDraft(samplers[b]!, logits);
          drafts[b]!.push(d);
          return d.token;
        });
        seconds.compile += r.compiled;
        seconds.draft += (performance.now() - start) / 1000 - r.compiled;
      }
      const P = session.position;
      const chunk = history.map((row, b) => [row.at(-1)!, ...(done[b] ? new Array<number>(depth).fill(0) : drafts[b]!.map((d) => d.token))]);
      steps.push(chunk);
      const [verified, verifySeconds] = await forward(chunk);
      seconds.verify += verifySeconds;
      const verdicts = new Map<number, Judgement>();
      for (const b of done.keys()) {
        if (done[b]) continue;
        for (let s = 0; s <= depth; s++) checkFinite(verified.logits, b, s);
        const j = judgeDrafts(samplers[b]!, Array.from({ length: depth + 1 }, (_, s) => rowLogits(verified.logits, b, s)), drafts[b]!);
        for (let k = 0; k < Math.min(j.accepted + 1, depth); k++) judged[k]!++;
        for (let k = 0; k < j.accepted; k++) accepted[k]!++;
        verdicts.set(b, j);
      }
      const kept = Math.min(...[...verdicts.values()].map((j) => j.accepted)) + 1;
      history.forEach((row, b) => {
        const chosen = verdicts.get(b)?.tokens.slice(0, kept) ?? new Array<number>(kept).fill(row.at(-1)!);
        for (const id of chosen) emit(b, id);
        row.push(...chosen);
      });
      steps[steps.length - 1] = chunk.map((row) => row.slice(0, kept));
      session.rewind(P + kept);
      main = { start: P, data: firstPositions(mainHiddenStates(session, verified), kept) };
    }
    return { tokens: out, judged, accepted, steps: steps.length - 1, seconds };
  } finally {
    if (o.drafter === undefined) drafter.dispose();
  }
}
