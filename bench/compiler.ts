// Suite `compiler`: the DeepSeek decoder block (MLA + MoE, composites/decoder-block.ts) at the golden v3-tiny sizes
// and at a larger synthetic size, prefill and decode. In one run: the op-by-op reference interpreter, the compiled
// program without claims, and the compiled program with the CPU backend's claimed MLA and MoE kernels; kernel
// counts and bytes moved (programStats); the time of each composite alone; kernels per layer of the tiny model's
// decode step; and compiled contractions against the foundation GEMM and matvec kernels they wrap.

import { CpuProgramRunner } from '../src/backends/cpu/program.js';
import { claimableComposites } from '../src/backends/cpu/claims/index.js';
import { evaluate } from '../src/backends/reference/interpreter.js';
import { denseView, gemmPacked, matmulF32, packB, SMALL_M_MAX, transposedView } from '../src/backends/reference/kernels/gemm.js';
import { compile } from '../src/compiler/compile.js';
import { programStats } from '../src/compiler/stats.js';
import { tensorData, type Graph, type TensorData, type WeightStore } from '../src/ir/index.js';
import { mulberry32 } from '../src/numerics/index.js';
import { linear, reshape, Trace, type Tensor } from '../src/ops/index.js';
import { decoderBlock } from '../src/composites/decoder-block.js';
import { mlaAttention, mlaCacheTypes } from '../src/composites/mla.js';
import { moe, type MoeAttrs } from '../src/composites/moe.js';
import { mlaAttrs, routerAttrs } from '../src/models/deepseek/attrs.js';
import { loadModelConfig, parseModelConfig, type ModelConfig } from '../src/models/deepseek/config.js';
import { modelLayout, type LayerWeights } from '../src/models/deepseek/layout.js';
import { loadModel } from '../src/models/deepseek/loaded-model.js';
import { buildModelGraph, cacheSpecs } from '../src/models/deepseek/model.js';
import { ropeTable } from '../src/models/deepseek/rope.js';
import { defaultSettings, type ModelSettings } from '../src/models/deepseek/settings.js';
import { blockWeightSlots } from '../src/models/deepseek/weight-operands.js';
import { chooseClock, formatNumber, measure, printTable, type Timing, type TimingOptions } from './harness.js';
import { directoryFiles } from '../src/io/local-files.js';

/** The larger block: dim 1024, 64 experts (8 groups, top-6), kv_lora 256, 8 heads, q_lora 384, a 128-position cache. */
const LARGE_CONFIG = {
  model_type: 'deepseek_v3', vocab_size: 256, hidden_size: 1024, intermediate_size: 2048, moe_intermediate_size: 512, num_hidden_layers: 1,
  first_k_dense_replace: 0, num_attention_heads: 8, n_routed_experts: 64, n_shared_experts: 1, num_experts_per_tok: 6, n_group: 8, topk_group: 4,
  routed_scaling_factor: 2.5, scoring_func: 'sigmoid', topk_method: 'noaux_tc', norm_topk_prob: true, q_lora_rank: 384, kv_lora_rank: 256,
  qk_nope_head_dim: 64, qk_rope_head_dim: 32, v_head_dim: 64, rope_theta: 10000, rope_scaling: null, max_position_embeddings: 128, rms_norm_eps: 1e-6,
};

const TINY_DIR = 'spec/golden/v3-tiny-f32';

interface Block {
  readonly name: string;
  readonly config: ModelConfig;
  readonly settings: ModelSettings;
  readonly layer: LayerWeights;
  readonly weights: WeightStore;
  /** Prompt tokens; the decode step runs at this position. */
  readonly prefill: number;
}


const uniform = (n: number, scale: number, next: () => number): Float32Array => Float32Array.from({ length: n }, () => (next() * 2 - 1) * scale);

/** Random weights for the slots of one layer: projections uniform in ±sqrt(3 / in_features), norms 1, router bias small. */
function randomWeights(layer: LayerWeights): WeightStore {
  const next = mulberry32(1);
  const tensors = new Map<string, TensorData>();
  for (const slot of Object.values(blockWeightSlots(layer))) {
    const n = slot.shape.reduce((p, d) => p * d, 1);
    // Stacked experts are [E, in, out]; checkpoint projections [out, in].
    const inFeatures = slot.shape.length === 3 ? slot.shape[1]! : slot.shape[slot.shape.length - 1]!;
    const data = slot.shape.length === 1 ? (slot.name.endsWith('bias') ? uniform(n, 0.01, next) : new Float32Array(n).fill(1)) : uniform(n, Math.sqrt(3 / inFeatures), next);
    tensors.set(slot.name, tensorData('f32', slot.shape, data));
  }
  return {
    get(name) {
      const t = tensors.get(name);
      if (!t) throw new Error(`bench: weight "${name}" is not in the synthetic block`);
      return t;
    },
  };
}

function tinyBlock(): Block {
  const m = loadModel(directoryFiles(TINY_DIR));
  return { name: 'v3-tiny', config: m.config, settings: m.settings, layer: m.weights.layout.layers[1]!, weights: m.weights, prefill: 16 };
}

function largeBlock(): Block {
  const config = parseModelConfig(LARGE_CONFIG, 'bench: the larger block');
  const layer = modelLayout(config).layers[0]!;
  return { name: 'large', config, settings: defaultSettings(config), layer, weights: randomWeights(layer), prefill: 64 };
}

const moeAttrsOf = (c: ModelConfig): MoeAttrs => ({ ...routerAttrs(c), shared: c.nSharedExperts > 0 });

/** What is timed: the whole block, or one of its composites alone. */
type Part = 'block' | 'mla_attention' | 'moe';

/** The graph of `part` for a chunk of S tokens of batch 1; inputs x, start_pos, cos, sin and the two caches. */
function partGraph(b: Block, part: Part, S: number): Graph {
  const { config: c, settings: s } = b;
  const mla = mlaAttrs(c, s);
  const t = new Trace(`${part}_${S}`);
  const slots = blockWeightSlots(b.layer);
  const weight = (key: string) => t.weight(slots[key]!.name, 'f32', slots[key]!.shape);
  const prefixed = (prefix: string): Record<string, Tensor> =>
    Object.fromEntries(Object.keys(slots).flatMap((k) => (k.startsWith(prefix) ? [[k.slice(prefix.length), weight(k)]] : [])));
  const x = t.input('x', 'f32', [1, S, c.hiddenSize]);
  if (part === 'moe') {
    const r = moe(reshape(x, [S, c.hiddenSize]), prefixed('ffn.'), moeAttrsOf(c));
    return t.build({ y: r.y, indices: r.indices, weights: r.weights });
  }
  const startPos = t.input('start_pos', 'i32', []);
  const cos = t.input('cos', 'f32', [S, c.qkRopeHeadDim / 2]);
  const sin = t.input('sin', 'f32', [S, c.qkRopeHeadDim / 2]);
  const cacheTypes = mlaCacheTypes(mla, 1, s.maxSeqLen);
  const [nameA, nameB] = Object.keys(cacheTypes) as [string, string];
  const caches = [t.input(nameA, 'f32', cacheTypes[nameA]!), t.input(nameB, 'f32', cacheTypes[nameB]!)] as const;
  if (part === 'mla_attention') {
    const [out, a, bb] = mlaAttention(x, cos, sin, startPos, caches, prefixed('attn.'), mla);
    return t.build({ out: out!, [nameA]: a!, [nameB]: bb! });
  }
  const r = decoderBlock({ x, cos, sin, startPos, caches }, Object.fromEntries(Object.keys(slots).map((k) => [k, weight(k)])), mla, { kind: 'moe', attrs: moeAttrsOf(c) });
  return t.build({ out: r.out, [nameA]: r.caches[0], [nameB]: r.caches[1], 'gate.indices': r.gate!.indices, 'gate.weights': r.gate!.weights });
}

/** Inputs for a chunk of S tokens at `pos`: random x, the rotary rows, and the given caches. */
function chunkInputs(b: Block, graph: Graph, S: number, pos: number, caches: Readonly<Record<string, TensorData>>): Record<string, TensorData> {
  const c = b.config;
  const half = c.qkRopeHeadDim / 2;
  const table = ropeTable(c, b.settings.maxSeqLen);
  const all: Record<string, TensorData> = {
    x: tensorData('f32', [1, S, c.hiddenSize], uniform(S * c.hiddenSize, 1, mulberry32(pos + 7))),
    start_pos: tensorData('i32', [], Int32Array.of(pos)),
    cos: tensorData('f32', [S, half], table.cos.slice(pos * half, (pos + S) * half)),
    sin: tensorData('f32', [S, half], table.sin.slice(pos * half, (pos + S) * half)),
    ...caches,
  };
  const wanted = new Set(graph.inputs.map((v) => (v.def.kind === 'input' ? v.def.name : '')));
  return Object.fromEntries(Object.entries(all).filter(([k]) => wanted.has(k)));
}

/** A copy of the inputs, so that a program updating its donated caches in place leaves the others' inputs alone. */
const copyInputs = (inputs: Record<string, TensorData>) => Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, { ...t, data: t.data.slice() }]));

const sameBits = (a: Record<string, TensorData>, b: Record<string, TensorData>): boolean =>
  Object.entries(b).every(([k, t]) => Array.from(t.data as ArrayLike<number>).every((v, i) => Object.is(v, a[k]!.data[i]) || (Number.isNaN(v) && Number.isNaN(a[k]!.data[i] as number))));

interface Variant {
  readonly timing: Timing;
  readonly kernels: number;
  readonly bytes: number;
  readonly exact: boolean;
}

interface Measured {
  readonly block: string;
  readonly part: Part;
  readonly step: string;
  readonly reference: Timing;
  readonly compiled: Variant;
  readonly claimed: Variant;
  /** The reference outputs (the decode step starts from the prefill's caches). */
  readonly outputs: Record<string, TensorData>;
}

function timingOptions(slow: boolean): TimingOptions {
  return slow ? { minRuns: 2, targetSeconds: 0, warmupRuns: 1 } : { minRuns: 5, targetSeconds: 0.3 };
}

/** The fastest of two timings of the same code. */
const faster = (a: Timing, b: Timing): Timing => ({
  best: Math.min(a.best, b.best),
  median: Math.min(a.median, b.median),
  bestCpu: Math.min(a.bestCpu, b.bestCpu),
  runs: a.runs + b.runs,
  cpuShare: Math.min(a.cpuShare, b.cpuShare),
});

/** Times each function in turn, `rounds` times round, so that a busy stretch of the machine does not favour one of them. */
function measureAlternating(fns: readonly (() => unknown)[], options: TimingOptions, rounds = 2): Timing[] {
  let timings = fns.map((f) => measure(f, options));
  for (let r = 1; r < rounds; r++) timings = fns.map((f, i) => faster(timings[i]!, measure(f, { ...options, warmupRuns: 0 })));
  return timings;
}

function measurePart(b: Block, part: Part, S: number, pos: number, caches: Readonly<Record<string, TensorData>>): Measured {
  const graph = partGraph(b, part, S);
  const inputs = chunkInputs(b, graph, S, pos, caches);
  const outputs = evaluate(graph, inputs, b.weights);
  const programs = [new Set<string>(), claimableComposites(graph)].map((claimed) => {
    const program = compile(graph, { donated: new Set(Object.keys(caches)), claimed });
    const runner = new CpuProgramRunner(program, b.weights);
    const own = copyInputs(inputs);
    const stats = programStats(program);
    return { run: () => runner.run(own), kernels: stats.kernels, bytes: stats.bytesRead + stats.bytesWritten, exact: sameBits(runner.run(own), outputs) };
  });
  const [reference, ...timings] = measureAlternating([() => evaluate(graph, inputs, b.weights), ...programs.map((p) => p.run)], timingOptions(b.name === 'large' && S > 1), 3);
  const [compiled, claimed] = programs.map(({ kernels, bytes, exact }, i) => ({ timing: timings[i]!, kernels, bytes, exact }));
  return { block: b.name, part, step: S > 1 ? `prefill ${S}` : `decode @${pos}`, reference: reference!, compiled: compiled!, claimed: claimed!, outputs };
}

/** The block's prefill from empty caches, then one decode step from the prefill's caches. */
function measureSteps(b: Block, part: Part): Measured[] {
  const mla = mlaAttrs(b.config, b.settings);
  const cacheTypes = mlaCacheTypes(mla, 1, b.settings.maxSeqLen);
  const empty = Object.fromEntries(Object.entries(cacheTypes).map(([n, shape]) => [n, tensorData('f32', shape, new Float32Array(shape.reduce((p, d) => p * d, 1)))]));
  const prefill = measurePart(b, part, b.prefill, 0, part === 'moe' ? {} : empty);
  const filled = part === 'moe' ? {} : Object.fromEntries(Object.keys(cacheTypes).map((n) => [n, prefill.outputs[n]!]));
  return [prefill, measurePart(b, part, 1, b.prefill, filled)];
}

const ms = (seconds: number) => seconds * 1000;
const mib = (bytes: number) => bytes / 2 ** 20;

/** Weight bytes a decode step reads: every weight of the block except the routed experts no token selects. */
function decodeWeightBytes(b: Block): number {
  const slots = Object.values(blockWeightSlots(b.layer));
  const total = slots.reduce((sum, s) => sum + 4 * s.shape.reduce((p, d) => p * d, 1), 0);
  const c = b.config;
  return total - (c.nRoutedExperts - c.numExpertsPerTok) * 3 * 4 * c.hiddenSize * c.moeIntermediateSize;
}

function printBlocks(rows: readonly Measured[], seconds: (t: Timing) => number): void {
  const time = (t: Timing) => ms(seconds(t));
  const speedup = (base: Timing, t: Timing) => seconds(base) / seconds(t);
  printTable(
    ['block', 'part', 'step', 'op-by-op ms', 'compiled ms', 'x', 'claims ms', 'x', 'kernels', 'claims', 'MiB moved', 'claims', 'bit-exact'],
    rows.map((r) => [
      r.block, r.part, r.step,
      time(r.reference), time(r.compiled.timing), speedup(r.reference, r.compiled.timing),
      time(r.claimed.timing), speedup(r.reference, r.claimed.timing),
      String(r.compiled.kernels), String(r.claimed.kernels), mib(r.compiled.bytes), mib(r.claimed.bytes),
      r.compiled.exact && r.claimed.exact ? 'yes' : 'NO',
    ]),
  );
}

const met = (ok: boolean) => (ok ? 'met' : 'NOT met');

/** Kernels of the tiny model's decode step: in total, and what one more MoE or dense layer adds. */
function decodeKernels(): void {
  const tiny = loadModelConfig(directoryFiles(TINY_DIR));
  const count = (layers: number, dense: number, claims: boolean): number => {
    const config: ModelConfig = { ...tiny, numHiddenLayers: layers, firstKDenseReplace: dense };
    const settings = defaultSettings(config);
    const graph = buildModelGraph(config, settings, modelLayout(config), { batch: 1, seqLen: 1 });
    const donated = new Set(cacheSpecs(config, settings, 1).map((c) => c.name));
    return compile(graph, { donated, claimed: claims ? claimableComposites(graph) : new Set() }).kernels.length;
  };
  const { numHiddenLayers: L, firstKDenseReplace: K } = tiny;
  const rows = [true, false].map((claims) => {
    const total = count(L, K, claims);
    const moeLayer = total - count(L - 1, K, claims);
    const denseLayer = count(2, 2, claims) - count(1, 1, claims);
    return { claims, total, moeLayer, denseLayer };
  });
  console.log(`\nv3-tiny decode step (${L} layers, ${K} dense), kernels; per layer = what one more layer adds`);
  printTable(['claims', 'total', 'per MoE layer', 'per dense layer', 'goal', 'met'], rows.map((r) => [r.claims ? 'on' : 'off', String(r.total), String(r.moeLayer), String(r.denseLayer), '<= 8 per layer', met(Math.max(r.moeLayer, r.denseLayer) <= 8)]));
}

interface GemmCase {
  readonly name: string;
  readonly M: number;
  readonly K: number;
  readonly N: number;
}

const GEMM_CASES: readonly GemmCase[] = [
  { name: 'matvec 1x4096 @ W^T 4096x4096', M: 1, K: 4096, N: 4096 },
  { name: 'decode 16x4096 @ W^T 4096x4096', M: 16, K: 4096, N: 4096 },
  { name: 'gemm 256x1024 @ W^T 1024x1024', M: 256, K: 1024, N: 1024 },
];

/**
 * A compiled `linear` (one contraction kernel reading the weight in place, packing it once when M > 16) against
 * the foundation kernel it calls, on the same data: matmulF32 on the transposed view, or gemmPacked on B packed once.
 */
function compiledContractions(): void {
  const rows = GEMM_CASES.map((c) => {
    const next = mulberry32(c.M);
    const x = tensorData('f32', [c.M, c.K], uniform(c.M * c.K, 1, next));
    const w = tensorData('f32', [c.N, c.K], uniform(c.N * c.K, 1, next));
    const t = new Trace('linear');
    const graph = t.build({ y: linear(t.input('x', 'f32', [c.M, c.K]), t.weight('w', 'f32', [c.N, c.K])) });
    const program = compile(graph);
    const runner = new CpuProgramRunner(program, { get: () => w });
    const a = denseView(x.data as Float32Array, c.M, c.K);
    const b = transposedView(denseView(w.data as Float32Array, c.N, c.K));
    const out = denseView(new Float32Array(c.M * c.N), c.M, c.N);
    const packed = c.M > SMALL_M_MAX ? packB(b) : undefined;
    const [foundation, compiled] = measureAlternating([() => (packed ? gemmPacked(a, packed, out) : matmulF32(a, b, out)), () => runner.run({ x })], timingOptions(false), 5);
    const exact = Array.from(runner.run({ x }).y!.data as Float32Array).every((v, i) => Object.is(v, out.data[i]));
    return { c, foundation: foundation!, compiled: compiled!, exact, kernels: program.kernels.length };
  });
  const clock = chooseClock(rows.flatMap((r) => [r.foundation, r.compiled]));
  console.log(`\ncompiled contraction (a program of one \`linear\`) vs the foundation kernel on the same operands; ${clock.note}`);
  printTable(
    ['case', 'kernels', 'foundation GFLOP/s', 'compiled GFLOP/s', 'compiled GB/s of W', 'compiled / foundation time', 'bit-exact', 'goal', 'met'],
    rows.map((r) => {
      const flops = 2 * r.c.M * r.c.K * r.c.N;
      const ratio = clock.seconds(r.compiled) / clock.seconds(r.foundation);
      const weightGbps = r.c.M === 1 ? (4 * r.c.K * r.c.N) / clock.seconds(r.compiled) / 1e9 : '';
      return [r.c.name, String(r.kernels), flops / clock.seconds(r.foundation) / 1e9, flops / clock.seconds(r.compiled) / 1e9, weightGbps, ratio, r.exact ? 'yes' : 'NO', '<= 1.05 (no slower; 5% noise)', met(ratio <= 1.05)];
    }),
  );
}

export function compilerSuite(): void {
  console.log('DeepSeek decoder block (MLA + MoE), batch 1, f32, single thread; best of N runs, all timed in this run');
  console.log('op-by-op: the reference interpreter; compiled: compile() + CpuProgramRunner, caches donated; claims: MLA and MoE run by their CPU kernels');
  const tiny = tinyBlock();
  const large = largeBlock();
  const rows = [...measureSteps(tiny, 'block'), ...measureSteps(large, 'block'), ...measureSteps(large, 'mla_attention'), ...measureSteps(large, 'moe')];
  const clock = chooseClock(rows.flatMap((r) => [r.reference, r.compiled.timing, r.claimed.timing]));
  console.log(clock.note);
  printBlocks(rows, clock.seconds);
  for (const r of rows.filter((x) => x.block === 'large' && x.part === 'block')) {
    const ratio = clock.seconds(r.reference) / clock.seconds(r.claimed.timing);
    console.log(`goal: larger block ${r.step}, compiled (claims) >= 2x op-by-op: ${formatNumber(ratio)}x, ${met(ratio >= 2)}`);
  }
  const decode = rows.find((x) => x.block === 'large' && x.part === 'block' && x.step.startsWith('decode'))!;
  const streamed = decodeWeightBytes(large);
  console.log(
    `where the decode time goes: the step reads ${formatNumber(mib(streamed))} MiB of weights (attention, router, shared and ${large.config.numExpertsPerTok} routed experts), ` +
      `once each: ${formatNumber(streamed / clock.seconds(decode.claimed.timing) / 1e9)} GB/s with claims; compare the matvec GB/s of W below`,
  );
  console.log('MiB moved: programStats, every buffer a kernel binds counted whole (a routed expert stack in full, though a step reads only its selected experts)');
  decodeKernels();
  compiledContractions();
}
