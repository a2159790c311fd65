// A running model: graphs compiled once per chunk length on a Backend, and the KV caches carried between calls
// as device tensors (donated to each run and kept from it, so a backend can update them in place).
// `forward` appends a chunk of tokens to every row at the current position: a prefill is a chunk at 0, a decode
// step a chunk of one; longer chunks later (chunked prefill) work too. All rows share the position, so prompts
// in one batch have the same length, as in the official code.

import { tensorData, zeros, type TensorData } from '../../ir/index.js';
import type { Backend, DeviceTensor, Executable, KernelTime } from '../../backends/backend.js';
import type { LoadedModel } from './loaded-model.js';
import { buildModelGraph, cacheSpecs } from './model.js';

export interface SessionOptions {
  readonly batch: number;
  /** Also return embed, block.<i>, attn.<i> and ffn.<i> from every call. */
  readonly captures?: boolean;
  /** Run the MTP module with a prefill at position 0 (when the checkpoint has one and the chunk has >= 2 tokens). */
  readonly mtp?: boolean;
}

export interface ForwardResult {
  /** [B, S, vocab] for the S tokens of the chunk. */
  readonly logits: TensorData;
  /** The graph's other host outputs: final_norm, gate.<i>.*, and captures or mtp.* when asked for. */
  readonly outputs: Readonly<Record<string, TensorData>>;
  /** With `profile`: the time of every kernel of the step (backends/profile.ts). */
  readonly profile?: readonly KernelTime[];
}

export class TokenError extends RangeError {
  override name = 'TokenError';
}

export class Session {
  private readonly executables = new Map<string, Executable>();
  private readonly cacheNames: string[];
  private caches: Record<string, DeviceTensor>;
  private pos = 0;

  constructor(
    readonly model: LoadedModel,
    readonly backend: Backend,
    readonly options: SessionOptions,
  ) {
    const specs = cacheSpecs(model.config, model.settings, options.batch);
    this.cacheNames = specs.map((s) => s.name);
    this.caches = this.emptyCaches();
  }

  /** How many positions each row holds. */
  get position(): number {
    return this.pos;
  }

  /** Runs a chunk: `rows[b]` are row b's next tokens (the same count for every row); `profile` times its kernels. */
  async forward(rows: readonly (readonly number[])[], { profile = false } = {}): Promise<ForwardResult> {
    const tokens = this.checkTokens(rows);
    const seqLen = tokens.shape[1]!;
    const mtp = this.options.mtp === true && this.model.weights.layout.mtp !== undefined && this.pos === 0 && seqLen >= 2;
    const exe = await this.executable(seqLen, mtp);
    const startPos = tensorData('i32', [], new Int32Array([this.pos]));
    const run = await exe.run({ tokens, start_pos: startPos, ...this.caches }, { donate: this.cacheNames, keep: this.cacheNames, profile });
    this.caches = run.kept;
    this.pos += seqLen;
    const { logits, ...rest } = run.outputs;
    return { logits: logits!, outputs: rest, ...(run.profile ? { profile: run.profile } : {}) };
  }

  /** The current caches, read back to the host (cache.<i>.<name>, [B, maxSeqLen, ...]). */
  async readCaches(): Promise<Record<string, TensorData>> {
    const out: Record<string, TensorData> = {};
    for (const name of this.cacheNames) out[name] = await this.caches[name]!.read();
    return out;
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
    const specs = cacheSpecs(this.model.config, this.model.settings, this.options.batch);
    return Object.fromEntries(specs.map((s) => [s.name, this.backend.upload(zeros('f32', s.shape))]));
  }

  private async executable(seqLen: number, mtp: boolean): Promise<Executable> {
    const key = `${seqLen}${mtp ? '+mtp' : ''}`;
    let exe = this.executables.get(key);
    if (exe === undefined) {
      const { config, settings, weights } = this.model;
      const graph = buildModelGraph(config, settings, weights.layout, { batch: this.options.batch, seqLen, captures: this.options.captures ?? false, mtp });
      exe = await this.backend.compile(graph, weights, { donate: this.cacheNames });
      this.executables.set(key, exe);
    }
    return exe;
  }

  /** The chunk as i32 [B, S], after checking the batch, the lengths, the cache room and every token id. */
  private checkTokens(rows: readonly (readonly number[])[]): TensorData {
    const { batch } = this.options;
    const { vocabSize } = this.model.config;
    const { maxSeqLen } = this.model.settings;
    if (rows.length !== batch) throw new TokenError(`expected ${batch} rows of tokens (the session's batch), got ${rows.length}`);
    const seqLen = rows[0]!.length;
    rows.forEach((r, b) => {
      if (r.length !== seqLen) throw new TokenError(`row ${b} has ${r.length} tokens, row 0 has ${seqLen}; every row must have the same length`);
    });
    if (seqLen === 0) throw new TokenError('no tokens given');
    if (this.pos + seqLen > maxSeqLen)
      throw new TokenError(`${seqLen} more tokens at position ${this.pos} exceed the cache length ${maxSeqLen} (maxSeqLen)`);
    const data = new Int32Array(batch * seqLen);
    rows.forEach((r, b) =>
      r.forEach((id, s) => {
        if (!Number.isInteger(id) || id < 0 || id >= vocabSize)
          throw new TokenError(`token id ${id} at row ${b}, position ${this.pos + s} is out of range: vocab_size is ${vocabSize}`);
        data[b * seqLen + s] = id;
      }),
    );
    return tensorData('i32', [batch, seqLen], data);
  }
}
