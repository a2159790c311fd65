// Drafting with the MTP modules (speculative decoding, speculative.ts): module k at position j combines module
// k-1's hidden state at j (the main model's for k = 0) with the embedding of token j+k+1 and predicts token j+k+2,
// as in training (model.ts modelHead). After the main model has accepted tokens up to t_N (t_N chosen, not yet fed
// to it), module 0 at position N-1 sees t_N and drafts t_{N+1}; module 1 at N-1 sees that draft and drafts t_{N+2};
// and so on, each module run as one chunk on its own KV caches (mtp-graph.ts).
// A module's cache entry at j is right only when token j+k+1 was accepted: module k's entries at N-k .. N-1 rest
// on drafts, so the next call rolls the module back to N-k (the position it starts its chunk at) and writes over
// them, with the tokens then accepted; nothing is copied. The hidden states a module hands the next are kept on the
// host for the positions the next call reruns.

import type { TensorData } from '../../ir/index.js';
import type { Backend } from '../../backends/backend.js';
import { CachedGraphRunner } from './cached-graph-runner.js';
import type { LoadedModel } from './loaded-model.js';
import { buildMtpGraph, mtpCacheSpecs } from './mtp-graph.js';
import { PositionWindow } from './position-window.js';
import { chunkTokens } from './session.js';

/** Picks the draft of `row` at draft depth `depth` (0-based) from the module's logits [vocab]. */
export type ChooseDraft = (row: number, depth: number, logits: Float32Array) => number;

/** The main model's hidden states (final_norm, or the last block's output, as settings.mtpHidden says) [B, n, D] from position `start`. */
export interface MainHidden {
  readonly start: number;
  readonly data: TensorData;
}

/** One MTP module: its graph compiled once per chunk length and its caches, written at the position each run names. */
class MtpModuleRunner {
  private readonly graph: CachedGraphRunner;

  constructor(model: LoadedModel, backend: Backend, module: number, batch: number) {
    const { config, settings, weights } = model;
    this.graph = new CachedGraphRunner(backend, weights, mtpCacheSpecs(config, settings, batch, module), (seqLen) =>
      buildMtpGraph(config, settings, weights.layout, { module, batch, seqLen }),
    );
  }

  /** Runs the module on `tokens` [B, S] and `hidden` [B, S, D] at positions start .. start+S-1; `compiled`: seconds spent compiling. */
  async run(tokens: TensorData, hidden: TensorData, start: number): Promise<{ logits: TensorData; hidden: TensorData; compiled: number }> {
    const { outputs, compiled } = await this.graph.run(tokens.shape[1]!, { tokens, hidden }, start);
    return { logits: outputs.logits!, hidden: outputs.hidden!, compiled };
  }

  readCaches(): Promise<Record<string, TensorData>> {
    return this.graph.readCaches();
  }

  dispose(): void {
    this.graph.dispose();
  }
}

export class MtpDrafter {
  private readonly runners: MtpModuleRunner[];
  /** windows[k]: the hidden states module k reads (the main model's for k = 0). */
  private readonly windows: PositionWindow[];
  /** Per module: the positions at the start of its cache that rest on accepted tokens only. */
  private readonly accepted: number[];

  /** `model` with the session's settings (its maxSeqLen sizes the caches); `depth` modules are run, at most the model's. */
  constructor(
    private readonly model: LoadedModel,
    backend: Backend,
    readonly batch: number,
    readonly depth: number,
  ) {
    const modules = model.weights.layout.mtp.length;
    if (!Number.isSafeInteger(depth) || depth < 1 || depth > modules)
      throw new RangeError(`the draft depth must be an integer in [1, ${modules}] (the checkpoint's MTP modules, num_nextn_predict_layers), got ${depth}`);
    this.runners = Array.from({ length: depth }, (_, k) => new MtpModuleRunner(model, backend, k, batch));
    this.windows = Array.from({ length: depth }, () => new PositionWindow(batch, model.config.hiddenSize));
    this.accepted = this.runners.map(() => 0);
  }

  /** Per module, the cache positions that rest on accepted tokens only (those a plain run over the same tokens computes). */
  get acceptedPositions(): readonly number[] {
    return this.accepted;
  }

  /**
   * Drafts up to `depth` tokens per row after `history` (each row's tokens t_0 .. t_N, all accepted, the same
   * count in every row; t_N not yet fed to the main model). `main` holds the main model's hidden states from the
   * first position module 0 has not yet seen up to N-1. Returns the drafts per row and the seconds spent compiling.
   */
  async draft(history: readonly (readonly number[])[], main: MainHidden, depth: number, choose: ChooseDraft): Promise<{ drafts: number[][]; compiled: number }> {
    if (!Number.isSafeInteger(depth) || depth < 1 || depth > this.depth) throw new RangeError(`draft depth must be an integer in [1, ${this.depth}], got ${depth}`);
    const N = history[0]!.length - 1;
    const { vocabSize } = this.model.config;
    this.windows[0]!.write(main.start, main.data);
    const drafts: number[][] = history.map(() => []);
    let compiled = 0;
    for (let k = 0; k < depth; k++) {
      const from = this.accepted[k]!;
      const ahead = (b: number, i: number): number => (i <= N ? history[b]![i]! : drafts[b]![i - N - 1]!);
      const rows = history.map((_, b) => Array.from({ length: N - from }, (_, j) => ahead(b, from + j + k + 1)));
      const tokens = chunkTokens(rows, this.batch, vocabSize, from, this.model.settings.maxSeqLen);
      const r = await this.runners[k]!.run(tokens, this.windows[k]!.read(from, N), from);
      compiled += r.compiled;
      this.windows[k + 1]?.write(from, r.hidden);
      const V = r.logits.shape[2]!;
      drafts.forEach((d, b) => d.push(choose(b, k, r.logits.data.subarray(b * V, (b + 1) * V) as Float32Array)));
      this.accepted[k] = Math.max(0, N - k);
      this.windows[k]!.dropBefore(this.accepted[k]!);
    }
    return { drafts, compiled };
  }

  /** Starts over at position 0 (a new generation); compiled graphs are kept and the caches are written over. */
  reset(): void {
    this.accepted.fill(0);
    this.windows.forEach((w) => w.dropBefore(w.end));
  }

  /** Module k's caches, read back to the host ([B, maxSeqLen, ...]; positions past acceptedPositions[k] hold drafts' entries). */
  readCaches(k: number): Promise<Record<string, TensorData>> {
    const runner = this.runners[k];
    if (runner === undefined) throw new RangeError(`MTP module ${k} is not run: the draft depth is ${this.depth}`);
    return runner.readCaches();
  }

  dispose(): void {
    for (const r of this.runners) r.dispose();
  }
}
