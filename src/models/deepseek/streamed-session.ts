// A session that holds one part of the model's weights at a time (layer streaming, `--memory-budget`): each chunk
// runs as a sequence of graphs — the embedding, every decoder layer (layer-runner.ts, with its own KV caches), then
// the final norm, head and MTP modules — each compiled, run for the whole chunk and disposed before the next, its
// weights then forgotten (ModelWeights.releaseLoaded). A MoE layer's dense weights load when its graph is bound and
// its routed experts as the tokens select them (on backends that load experts lazily). It returns what a Session
// returns, computed by the same graphs cut at the layer boundaries, so results are bit-identical to a resident run
// (test/models/streamed-session.test.ts); the backend and compiler see ordinary graphs and know nothing of it.
// Reads are synchronous (the weights load while a graph is bound), so reading does not overlap compute.

import { tensorData, type Graph, type TensorData } from '../../ir/index.js';
import { Trace } from '../../ops/index.js';
import type { Backend, RunInput } from '../../backends/backend.js';
import { LayerRunner } from './layer-runner.js';
import type { LoadedModel } from './loaded-model.js';
import { embedTokens, headOutputs, modelHead, numbered, rotaryRows } from './model.js';
import { readReport, TouchedWeights, type ReadReport } from './read-report.js';
import { chunkTokens, sessionSettings, type ForwardResult, type ModelSession, type SessionOptions } from './session.js';

export class StreamedSession implements ModelSession {
  /** The model with this session's cache length. */
  readonly model: LoadedModel;
  private readonly layers: LayerRunner[];
  private readonly touched: TouchedWeights;
  private pos = 0;

  constructor(
    model: LoadedModel,
    readonly backend: Backend,
    readonly options: SessionOptions,
  ) {
    this.model = { ...model, settings: sessionSettings(model, options) };
    this.touched = new TouchedWeights(model.weights.layout);
    this.layers = model.weights.layout.layers.map((_, i) => new LayerRunner(this.model, backend, i, options.batch));
  }

  get maxSeqLen(): number {
    return this.model.settings.maxSeqLen;
  }

  get position(): number {
    return this.pos;
  }

  async forward(rows: readonly (readonly number[])[], { profile = false } = {}): Promise<ForwardResult> {
    if (profile) throw new RangeError('profile: a streamed session binds every graph anew at each step; profile a resident run');
    const { config, settings, weights } = this.model;
    const { batch } = this.options;
    const tokens = chunkTokens(rows, batch, config.vocabSize, this.pos, settings.maxSeqLen);
    const S = tokens.shape[1]!;
    const captures = this.options.captures === true;
    const mtp = this.options.mtp === true && weights.layout.mtp.length > 0 && this.pos === 0 && S >= 2;
    const startPos = tensorData('i32', [], new Int32Array([this.pos]));
    const outputs: Record<string, TensorData> = {};

    const t = new Trace('deepseek_embed');
    const { embed } = await this.runOnce(t.build({ embed: embedTokens(t, config, weights.layout, t.input('tokens', 'i32', [batch, S])) }), { tokens });
    if (captures) outputs.embed = embed!;
    this.touched.embeddingAndHead();
    let h = embed!;
    for (const runner of this.layers) {
      const out = await runner.run(h);
      runner.release();
      weights.releaseLoaded();
      this.touched.layer(runner.layer, out['gate.indices']);
      for (const [name, value] of Object.entries(out)) {
        if (captures || name === 'gate.indices' || name === 'gate.weights') outputs[numbered(name, runner.layer)] = value;
      }
      h = out.block!;
    }

    const head = new Trace('deepseek_head');
    const inputs = { h: head.input('h', 'f32', h.shape), tokens: head.input('tokens', 'i32', [batch, S]), startPos: head.input('start_pos', 'i32', []) };
    const rope = rotaryRows(head, weights.layout, inputs.startPos, S).table;
    const r = modelHead(head, config, settings, weights.layout, { ...inputs, rope }, mtp);
    Object.assign(outputs, await this.runOnce(head.build(headOutputs(r, captures)), { h, tokens, start_pos: startPos }));
    weights.layout.mtp.forEach((_, k) => {
      const indices = outputs[`mtp.${k}.gate.indices`];
      if (indices !== undefined) this.touched.mtp(k, indices);
    });
    this.pos += S;
    const { logits, ...rest } = outputs;
    return { logits: logits!, outputs: rest };
  }

  readReport(): ReadReport {
    return readReport(this.model.weights.checkpoint, this.touched);
  }

  dispose(): void {
    for (const runner of this.layers) runner.dispose();
  }

  /** Compiles `graph`, runs it once and disposes it, forgetting the weights it loaded. */
  private async runOnce(graph: Graph, inputs: Readonly<Record<string, RunInput>>): Promise<Record<string, TensorData>> {
    const exe = await this.backend.compile(graph, this.model.weights);
    try {
      return (await exe.run(inputs)).outputs;
    } finally {
      exe.dispose();
      this.model.weights.releaseLoaded();
    }
  }
}
