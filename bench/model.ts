// Suite `model`: prefill and decode tokens/s of whole models run through a Session, on every available backend —
// compiled and op-by-op in the same run — and the KV cache each session allocates per token against the formula.
// Models: the v3-tiny golden checkpoint, and a larger synthetic one (random bf16 weights written to a temporary
// directory and deleted afterwards).

import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../src/backends/backend.js';
import { backendEntries, BackendUnavailableError, openBackend } from '../src/backends/registry.js';
import { isDrivenBackend } from '../src/backends/sdk/driver.js';
import type { WebGpuDeviceBackend } from '../src/backends/webgpu/backend.js';
import { isSoftwareAdapter } from '../src/backends/webgpu/launch-shapes.js';
import { walkNodes } from '../src/ir/index.js';
import { parseModelConfig, type ModelConfig } from '../src/models/deepseek/config.js';
import { loadModel, type LoadedModel } from '../src/models/deepseek/loaded-model.js';
import { buildModelGraph, cacheSpecs } from '../src/models/deepseek/model.js';
import { Session } from '../src/models/deepseek/session.js';
import { defaultSettings, type AttentionMode } from '../src/models/deepseek/settings.js';
import { kvCacheBytesPerToken } from '../src/models/deepseek/stats.js';
import { DEEPSEEK_V3_CONFIG } from '../test/models/deepseek-v3-config.js';
import { chooseClock, measureAsync, printTable, type Timing } from './harness.js';
import { writeSyntheticCheckpoint } from './synthetic-checkpoint.js';
import { directoryFiles } from '../src/io/local-files.js';

/** A DeepSeek-V3-shaped model at dim 1024: 8 layers (1 dense), 64 routed experts (top 6) + 1 shared. */
export const SYNTHETIC_V3 = {
  architectures: ['DeepseekV3ForCausalLM'],
  model_type: 'deepseek_v3',
  vocab_size: 16384,
  hidden_size: 1024,
  intermediate_size: 2816,
  moe_intermediate_size: 256,
  num_hidden_layers: 8,
  first_k_dense_replace: 1,
  num_attention_heads: 8,
  n_routed_experts: 64,
  n_shared_experts: 1,
  num_experts_per_tok: 6,
  n_group: 8,
  topk_group: 4,
  routed_scaling_factor: 2.5,
  scoring_func: 'sigmoid',
  topk_method: 'noaux_tc',
  norm_topk_prob: true,
  q_lora_rank: 384,
  kv_lora_rank: 256,
  qk_nope_head_dim: 64,
  qk_rope_head_dim: 32,
  v_head_dim: 64,
  rope_theta: 10000,
  rope_scaling: null,
  max_position_embeddings: 4096,
  rms_norm_eps: 1e-6,
  num_nextn_predict_layers: 0,
};

/** Reads every weight the model's graphs use, so that no backend's first run pays for reading the checkpoint. */
function readAllWeights(model: LoadedModel): LoadedModel {
  const graph = buildModelGraph(model.config, model.settings, model.weights.layout, { batch: 1, seqLen: 1 });
  for (const n of walkNodes(graph)) if (n.op === 'weight') model.weights.get(n.attrs.name as string);
  return model;
}

interface ModelCase {
  readonly name: string;
  readonly model: LoadedModel;
  readonly prompt: number;
  /** Seconds to spend timing each of prefill and decode per backend (at least a few runs are always made). */
  readonly seconds: number;
  /** Skipped on software GPU adapters, whose pipelines compile slowly and whose kernels run on the CPU. */
  readonly large: boolean;
}

interface BackendEntry {
  readonly label: string;
  readonly backend: Backend;
  /** The op-by-op oracle the compiled rows are compared with. */
  readonly reference?: true;
  /** Whether CPU time means anything: not when a GPU does the work. */
  readonly cpuClock: boolean;
  readonly softwareGpu?: true;
}

/** Whether a backend's kernels run on a GPU adapter that is software (lavapipe): slow pipelines, kernels on the CPU. */
/** Whether `b` is WebGPU on a software adapter (lavapipe), where pipelines compile slowly and kernels run on the CPU. */
export const onSoftwareGpu = (b: Backend): boolean => isDrivenBackend(b) && 'context' in b.device && isSoftwareAdapter((b.device as WebGpuDeviceBackend).context.gpu.adapter);

/** A registered backend as a row: labelled with where it runs, on the CPU clock when the host does the work. */
function row(backend: Backend, variant?: string): BackendEntry {
  const runsOn = isDrivenBackend(backend) ? backend.device.runsOn : undefined;
  const detail = [runsOn ?? (isDrivenBackend(backend) ? 'compiled' : 'op-by-op'), variant].filter((x) => x !== undefined).join(', ');
  return {
    label: `${backend.name} (${detail})`,
    backend,
    cpuClock: runsOn === undefined,
    ...(isDrivenBackend(backend) ? {} : { reference: true as const }),
    ...(onSoftwareGpu(backend) ? { softwareGpu: true as const } : {}),
  };
}

/** Every registered backend this machine can run (the others are named, with why not), and the CPU without claims. */
async function backends(): Promise<BackendEntry[]> {
  const list: BackendEntry[] = [];
  for (const { name } of backendEntries()) {
    try {
      list.push(row(await openBackend(name)));
    } catch (e) {
      if (!(e instanceof BackendUnavailableError)) throw e;
      console.log(`${name}: skipped, no ${e.what} (${e.reason})`);
    }
    if (name === 'cpu') list.push(row(await openBackend(name, { claims: false }), 'no claims'));
  }
  return list;
}

interface Measured {
  readonly entry: BackendEntry;
  /** Seconds of the first prefill and first decode step: compiling, binding weights, running. */
  readonly firstPrefill: number;
  readonly firstDecode: number;
  readonly prefill: Timing;
  readonly decode: Timing;
}

const seconds = async (fn: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
};

async function measureModel(c: ModelCase, entry: BackendEntry): Promise<Measured> {
  const prompt = [Array.from({ length: c.prompt }, (_, i) => (i * 7919 + 3) % c.model.config.vocabSize)];
  const session = new Session(c.model, entry.backend, { batch: 1 });
  try {
    const firstPrefill = await seconds(() => session.forward(prompt));
    const firstDecode = await seconds(() => session.forward([[5]]));
    const prefill = await measureAsync(
      async () => {
        session.reset();
        await session.forward(prompt);
      },
      { warmupRuns: 0, minRuns: 3, maxRuns: 20, targetSeconds: c.seconds },
    );
    session.reset();
    await session.forward(prompt);
    const room = c.model.settings.maxSeqLen - c.prompt;
    const decode = await measureAsync(() => session.forward([[5]]).then(() => undefined), { warmupRuns: 0, minRuns: 3, maxRuns: room, targetSeconds: c.seconds });
    return { entry, firstPrefill, firstDecode, prefill, decode };
  } finally {
    session.dispose();
  }
}

async function throughput(cases: readonly ModelCase[], entries: readonly BackendEntry[]): Promise<void> {
  const results: { c: ModelCase; m: Measured }[] = [];
  for (const c of cases) for (const entry of entries) if (!(entry.softwareGpu && c.large)) results.push({ c, m: await measureModel(c, entry) });
  const software = entries.find((e) => e.softwareGpu);
  if (software) console.log(`${software.label} is a software adapter: measured on the small model only (its pipelines compile slowly, its kernels run on the CPU)`);
  const cpu = chooseClock(results.filter((r) => r.m.entry.cpuClock).flatMap((r) => [r.m.prefill, r.m.decode]));
  console.log(cpu.note + (entries.some((e) => !e.cpuClock) ? '; webgpu rows: wall clock' : ''));
  const time = (m: Measured, t: Timing) => (m.entry.cpuClock ? cpu.seconds(t) : t.best);
  const rows = results.map(({ c, m }) => {
    const ref = results.find((r) => r.c === c && r.m.entry.reference)!.m;
    const prefill = c.prompt / time(m, m.prefill);
    const decode = 1 / time(m, m.decode);
    return [
      c.name,
      m.entry.label,
      prefill,
      decode,
      prefill / (c.prompt / time(ref, ref.prefill)),
      decode / (1 / time(ref, ref.decode)),
      m.firstPrefill,
      m.firstDecode,
      `${m.prefill.runs}/${m.decode.runs}`,
    ];
  });
  printTable(['model', 'backend', 'prefill tok/s', 'decode tok/s', 'prefill x op-by-op', 'decode x op-by-op', 'first prefill s', 'first decode s', 'runs'], rows);
  console.log('first prefill / first decode: compiling the graph, binding the weights (read from the checkpoint before timing) and the run itself');
}

/** Bytes per token of the caches a session allocates: every cache tensor's bytes over batch · positions. */
function sessionCacheBytesPerToken(model: LoadedModel, backend: Backend): Promise<number> {
  const session = new Session(model, backend, { batch: 1 });
  return session
    .readCaches()
    .then((caches) => Object.values(caches).reduce((n, t) => n + t.data.byteLength, 0) / model.settings.maxSeqLen)
    .finally(() => session.dispose());
}

/** Elements per token of the caches cacheSpecs gives a config (the shapes a session allocates). */
function specElementsPerToken(config: ModelConfig, attention: AttentionMode): number {
  const settings = defaultSettings(config, { attention, maxSeqLen: 1 });
  return cacheSpecs(config, settings, 1).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

async function kvCache(cases: readonly { name: string; dir: string; maxSeqLen: number }[]): Promise<void> {
  const backend = await openBackend('cpu-reference');
  const rows: (string | number)[][] = [];
  for (const c of cases)
    for (const attention of ['absorb', 'naive'] as const) {
      const model = loadModel(directoryFiles(c.dir), { attention, maxSeqLen: c.maxSeqLen });
      const measured = await sessionCacheBytesPerToken(model, backend);
      const formula = kvCacheBytesPerToken(model.config, 4)[attention === 'absorb' ? 'absorbed' : 'naive'];
      rows.push([c.name, attention, measured, formula, measured === formula ? 'yes' : 'NO', (measured / 4) * 2]);
      model.weights.close();
    }
  const v3 = parseModelConfig(DEEPSEEK_V3_CONFIG);
  for (const attention of ['absorb', 'naive'] as const) {
    const elements = specElementsPerToken(v3, attention);
    const formula = kvCacheBytesPerToken(v3, 4)[attention === 'absorb' ? 'absorbed' : 'naive'];
    rows.push(['DeepSeek-V3 (config only)', attention, elements * 4, formula, elements * 4 === formula ? 'yes' : 'NO', elements * 2]);
  }
  backend.dispose();
  console.log('\nKV cache per token: measured = bytes of the cache tensors a session allocates / positions (f32); formula = stats.ts');
  console.log('DeepSeek-V3 has no checkpoint here: its row counts the cache shapes a session would allocate (cacheSpecs)');
  printTable(['model', 'attention', 'measured B/token (f32)', 'formula (f32)', 'equal', 'as bf16 B/token'], rows.map((r) => r.map((x) => (typeof x === 'number' ? x.toLocaleString('en-US') : x))));
  const mha = kvCacheBytesPerToken(v3, 2).mha;
  console.log(`DeepSeek-V3 in bf16: absorbed MLA ${kvCacheBytesPerToken(v3, 2).absorbed.toLocaleString('en-US')} B/token (61 layers x 576 x 2), standard MHA ${mha.toLocaleString('en-US')} B/token`);
}

export async function modelSuite(): Promise<void> {
  const tmp = fs.mkdtempSync(join(os.tmpdir(), 'dsv3-bench-model-'));
  const entries = await backends();
  try {
    const synthetic = await writeSyntheticCheckpoint(join(tmp, 'synthetic'), SYNTHETIC_V3, 'bf16', 1 << 30);
    console.log(`synthetic checkpoint: ${(synthetic.bytes / 2 ** 20).toFixed(0)} MiB bf16 in ${synthetic.shards} shard(s), served as f32; deleted afterwards`);
    const tiny = { name: 'v3-tiny (golden)', dir: 'spec/golden/v3-tiny-f32', maxSeqLen: 64 };
    const large = { name: 'synthetic dim 1024, 8 layers, 64 experts', dir: synthetic.dir, maxSeqLen: 64 };
    const cases: ModelCase[] = [
      { name: tiny.name, model: readAllWeights(loadModel(directoryFiles(tiny.dir), { maxSeqLen: tiny.maxSeqLen })), prompt: 16, seconds: 1, large: false },
      { name: large.name, model: readAllWeights(loadModel(directoryFiles(large.dir), { maxSeqLen: large.maxSeqLen })), prompt: 16, seconds: 2, large: true },
    ];
    console.log(`batch 1; prefill ${cases.map((c) => `${c.prompt} tokens (${c.name})`).join(', ')}; decode: one token per step after the prefill`);
    await throughput(cases, entries);
    for (const c of cases) c.model.weights.close();
    await kvCache([tiny, large]);
  } finally {
    for (const e of entries) e.backend.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
