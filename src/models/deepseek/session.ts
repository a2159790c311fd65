// A running model: graphs compiled once per chunk length on a Backend, and the KV caches carried between calls
// as device tensors (donated to each run and kept from it, so a backend can update them in place).
// `forward` appends a chunk of tokens to every row at the current position: a prefill is a chunk at 0, a decode
// step a chunk of one; longer chunks later (chunked prefill) work too. All rows share the position, so prompts
// in one batch have the same length, as in the official code.

import { numel, tensorData, zeros, type TensorData } from '../../ir/index.js';
import type { Backend, CompileTime, DeviceTensor, Executable, KernelTime } from '../../backends/backend.js';
import type { LoadedModel } from './loaded-model.js';
import type { ModelSettings } from './settings.js';
import { buildModelGraph, cacheSpecs } from './model.js';
import { readReport, TouchedWeights, type ReadReport } from './read-report.js';

export interface SessionOptions {
  readonly batch: number;
  /**
   * The positions each row's KV caches hold: prompt plus generated tokens must fit. Default: the model's
   * settings.maxSeqLen (max_position_embeddings unless loadModel was given less), at most that. The caches take
   * kvCacheBytes(model, batch, maxSeqLen) bytes, allocated when the session is made.
   */
  readonly maxSeqLen?: number;
  /** Also return every layer's tensors from every call (model.ts GraphOptions.captures). */
  readonly captures?: boolean;
  /** Run the MTP modules with a prefill at position 0 (when the checkpoint has them and the chunk has >= 2 tokens). */
  readonly mtp?: boolean;
}

export interface ForwardResult {
  /** [B, S, vocab] for the S tokens of the chunk. */
  readonly logits: TensorData;
  /** The graph's other host outputs: final_norm, gate.<i>.*, and captures or mtp.* when asked for. */
  readonly outputs: Readonly<Record<string, TensorData>>;
  /** With `profile`: the time of every kernel of the step (backends/profile.ts). */
  readonly profile?: readonly KernelTime[];
  /** When this call compiled its graph (the first chunk of its length): how long that took, apart from the run. */
  readonly compiled?: CompileTime;
}

/** What runs a model chunk by chunk: the resident Session, or the StreamedSession (streamed-session.ts). */
export interface ModelSession {
  readonly model: LoadedModel;
  readonly maxSeqLen: number;
  readonly position: number;
  forward(rows: readonly (readonly number[])[], options?: { profile?: boolean }): Promise<ForwardResult>;
  /** What the calls so far read from the checkpoint, against the lazy minimum (read-report.ts). */
  readReport(): ReadReport;
  dispose(): void;
}

/** Executables are compiled once per chunk length, with or without the MTP module. */
const executableKey = (seqLen: number, mtp: boolean): string => `${seqLen}${mtp ? '+mtp' : ''}`;

export class TokenError extends RangeError {
  override name = 'TokenError';
}

/** The most elements a typed array holds (2^32 in Node 20 and 22); a buffer longer than that cannot be made. */
const MAX_ARRAY_ELEMENTS = 2 ** 32;

/** The bytes of the f32 KV caches of a session of `model` with `batch` rows of `maxSeqLen` positions. */
export function kvCacheBytes(model: Pick<LoadedModel, 'config' | 'settings'>, batch: number, maxSeqLen = model.settings.maxSeqLen): number {
  return cacheSpecs(model.config, { ...model.settings, maxSeqLen }, batch).reduce((n, s) => n + 4 * numel(s.shape), 0);
}

/** The model's settings with the cache length of `options` (checked: at most the model's). */
export function sessionSettings(model: LoadedModel, options: SessionOptions): ModelSettings {
  const longest = model.settings.maxSeqLen;
  const maxSeqLen = options.maxSeqLen ?? longest;
  if (!Number.isSafeInteger(maxSeqLen) || maxSeqLen < 1 || maxSeqLen > longest)
    throw new RangeError(`maxSeqLen must be an integer in [1, ${longest}] (the model's settings.maxSeqLen, the rows of its rotary table), got ${maxSeqLen}`);
  const settings = { ...model.settings, maxSeqLen };
  for (const { name, shape } of [...cacheSpecs(model.config, settings, options.batch), model.weights.layout.ropeCos]) {
    if (numel(shape) > MAX_ARRAY_ELEMENTS)
      throw new RangeError(`${name} [${shape.join(', ')}] would hold ${numel(shape)} values, more than one array can (${MAX_ARRAY_ELEMENTS}): size the run with a smaller maxSeqLen (dsv3 --max-seq)`);
  }
  return settings;
}

export class Session implements ModelSession {
  private readonly executables = new Map<string, Executable>();
  private readonly cacheNames: string[];
  /** The model's settings with this session's cache length. */
  private readonly settings: ModelSettings;
  private caches: Record<string, DeviceTensor>;
  private pos = 0;
  private readonly touched: TouchedWeights;

  constructor(
    readonly model: LoadedModel,
    readonly backend: Backend,
    readonly options: SessionOptions,
  ) {
    this.settings = sessionSettings(model, options);
    this.cacheNames = cacheSpecs(model.config, this.settings, options.batch).map((s) => s.name);
    this.touched = new TouchedWeights(model.weights.layout);
    this.caches = this.emptyCaches();
  }

  /** The positions each row's caches hold. */
  get maxSeqLen(): number {
    return this.settings.maxSeqLen;
  }

  /** How many positions each row holds. */
  get position(): number {
    return this.pos;
  }

  /** Runs a chunk: `rows[b]` are row b's next tokens (the same count for every row); `profile` times its kernels. */
  async forward(rows: readonly (readonly number[])[], { profile = false } = {}): Promise<ForwardResult> {
    const tokens = chunkTokens(rows, this.options.batch, this.model.config.vocabSize, this.pos, this.settings.maxSeqLen);
    const seqLen = tokens.shape[1]!;
    const mtp = this.options.mtp === true && this.model.weights.layout.mtp.length > 0 && this.pos === 0 && seqLen >= 2;
    const fresh = !this.executables.has(executableKey(seqLen, mtp));
    const exe = await this.executable(seqLen, mtp);
    const startPos = tensorData('i32', [], new Int32Array([this.pos]));
    const run = await exe.run({ tokens, start_pos: startPos, ...this.caches }, { donate: this.cacheNames, keep: this.cacheNames, profile });
    this.caches = run.kept;
    this.pos += seqLen;
    this.touched.modelStep(run.outputs);
    const { logits, ...rest } = run.outputs;
    const compiled = fresh ? exe.compileTime : undefined;
    return { logits: logits!, outputs: rest, ...(run.profile ? { profile: run.profile } : {}), ...(compiled ? { compiled } : {}) };
  }

  readReport(): ReadReport {
    return readReport(this.model.weights.checkpoint, this.touched);
  }

  /** The current caches, read back to the host (cache.<i>.<name>, [B, maxSeqLen, ...]). */
  async readCaches(): Promise<Record<string, TensorData>> {
    const out: Record<string, TensorData> = {};
    for (const name of this.cacheNames) out[name] = await this.caches[name]!.read();
    return out;
  }

  /**
   * Forgets the positions from `position` on without touching the caches: the next chunk is written there, over
   * whatever they hold, and attention never reads a position past its query's (mla.ts), so what is left beyond
   * the position is never seen (speculative decoding rolls back rejected drafts this way).
   */
  rewind(position: number): void {
    if (!Number.isSafeInteger(position) || position < 0 || position > this.pos)
      throw new RangeError(`rewind: position must be an integer in [0, ${this.pos}] (the positions held), got ${position}`);
    this.pos = position;
  }

  /** Forgets every position (caches back to zero); compiled graphs are kept. */
  reset(): void {
    for (const t of Object.values(this.caches)) t.dispose();
    this.caches = this.emptyCaches();
    this.pos = 0;
  }

  dispose(): void {
    for (const t of Object.values(this.caches)) t.dispose();
    for (const exe of this.executables.values()) exe.dispose();
    this.executables.clear();
  }

  private emptyCaches(): Record<string, DeviceTensor> {
    const specs = cacheSpecs(this.model.config, this.settings, this.options.batch);
    return Object.fromEntries(specs.map((s) => [s.name, this.backend.upload(zeros('f32', s.shape))]));
  }

  private async executable(seqLen: number, mtp: boolean): Promise<Executable> {
    const key = executableKey(seqLen, mtp);
    let exe = this.executables.get(key);
    if (exe === undefined) {
      const { config, weights } = this.model;
      const graph = buildModelGraph(config, this.settings, weights.layout, { batch: this.options.batch, seqLen, captures: this.options.captures ?? false, mtp });
      exe = await this.backend.compile(graph, weights, { donate: this.cacheNames });
      this.executables.set(key, exe);
    }
    return exe;
  }
}

/**
 * A chunk of `rows` at position `pos` as i32 [B, S], after checking the batch, the lengths, the cache room and
 * every token id.
 */
export function chunkTokens(rows: readonly (readonly number[])[], batch: number, vocabSize: number, pos: number, maxSeqLen: number): TensorData {
  if (rows.length !== batch) throw new TokenError(`expected ${batch} rows of tokens (the session's batch), got ${rows.length}`);
  const seqLen = rows[0]!.length;
  rows.forEach((r, b) => {
    if (r.length !== seqLen) throw new TokenError(`row ${b} has ${r.length} tokens, row 0 has ${seqLen}; every row must have the same length`);
  });
  if (seqLen === 0) throw new TokenError('no tokens given');
  if (pos + seqLen > maxSeqLen)
    throw new TokenError(`${seqLen} more tokens at position ${pos} exceed the cache length ${maxSeqLen} (maxSeqLen)`);
  const data = new Int32Array(batch * seqLen);
  rows.forEach((r, b) =>
    r.forEach((id, s) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
        throw new TokenError(`token id ${id} at row ${b}, position ${pos + s} is out of range: vocab_size is ${vocabSize}`);
      data[b * seqLen + s] = id;
    }),
  );
  return tensorData('i32', [batch, seqLen], data);
}
