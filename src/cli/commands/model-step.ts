// The compiler's view of one step of a model, for `dsv3 compile --model` and `dsv3 inspect`: the graph a Session
// compiles for a prefill chunk or a decode step, compiled with what the chosen backend tells the compiler (the
// composites it claims, its device's limits), and the program's kernels counted per decoder layer.

import type { Graph } from '../../ir/index.js';
import type { CompileOptions } from '../../compiler/compile.js';
import type { Program } from '../../compiler/kernel.js';
import { kernelSources, type DrivenBackend } from '../../backends/sdk/driver.js';
import type { ModelConfig } from '../../models/deepseek/config.js';
import type { ModelLayout } from '../../models/deepseek/layout.js';
import { buildModelGraph, cacheSpecs } from '../../models/deepseek/model.js';
import type { ModelSettings } from '../../models/deepseek/settings.js';

export type StepPhase = 'prefill' | 'decode';

export interface StepSpec {
  readonly phase: StepPhase;
  readonly batch: number;
  /** Tokens per row of a prefill chunk (a decode step has one). */
  readonly seqLen: number;
}

/** The graph of one step, as a Session builds it. */
export function stepGraph(config: ModelConfig, settings: ModelSettings, layout: ModelLayout, spec: StepSpec): Graph {
  return buildModelGraph(config, settings, layout, { batch: spec.batch, seqLen: spec.phase === 'decode' ? 1 : spec.seqLen });
}

/** How a backend compiles a step: the compiler options, a line saying what they are, and its kernels' code. */
export interface BackendCompile {
  readonly options: Omit<CompileOptions, 'dump'>;
  readonly description: string;
  /** Each kernel's source as the backend generates it, by file name. */
  readonly kernelSources: (p: Program) => Record<string, string>;
}

/** `backend`'s compile of a step: what it tells the compiler, and the caches donated as a Session donates them. */
export function stepCompile(backend: DrivenBackend, graph: Graph, config: ModelConfig, settings: ModelSettings, batch: number): BackendCompile {
  const options = backend.compileOptions(graph, { donate: cacheSpecs(config, settings, batch).map((c) => c.name) });
  const { name, runsOn, compileOptions: device } = backend.device;
  const claimed = [...options.claimed].sort();
  const description = [
    runsOn === undefined ? name : `${name} on ${runsOn}`,
    ...(device.inPlace ? [] : ['no in-place kernels']),
    ...(Number.isFinite(device.maxBuffersPerKernel) ? [`at most ${device.maxBuffersPerKernel} buffers per kernel`] : []),
    `claimed composites: ${claimed.length ? claimed.join(', ') : 'none'}`,
  ].join(', ');
  return { options, description, kernelSources: (p) => kernelSources(backend.device, p) };
}

export interface LayerKernels {
  /** Kernels before the first layer (embedding, rotary rows), of each decoder layer, and after the last (final norm, head). */
  readonly before: number;
  readonly layers: readonly number[];
  readonly after: number;
}

/** A decoder layer's weights are named model.layers.<i>.* (layout.ts). */
const LAYER_WEIGHT = /^model\.layers\.(\d+)\./;

/**
 * Kernels per decoder layer, in execution order: a kernel reading layer i's weights belongs to layer i, one reading
 * no layer's weights to the layer it runs among (residual adds, the embedding gather fused into them); the kernels
 * from the first that reads the final norm or the head on come after the layers.
 */
export function kernelsByLayer(p: Program, layout: ModelLayout): LayerKernels {
  const layers = layout.layers.map(() => 0);
  const finalWeights = new Set([layout.norm.name, layout.head.name]);
  let before = 0;
  let after = 0;
  let current: number | 'after' | undefined;
  for (const k of p.kernels) {
    const weights = k.inputs.map((b) => p.buffers[b.buffer]!).flatMap((b) => (b.role === 'weight' ? [b.name!] : []));
    const layer = weights.map((name) => LAYER_WEIGHT.exec(name)?.[1]).find((i) => i !== undefined);
    if (layer !== undefined) current = Number(layer);
    else if (weights.some((name) => finalWeights.has(name))) current = 'after';
    if (current === undefined) before++;
    else if (current === 'after') after++;
    else layers[current]!++;
  }
  return { before, layers, after };
}

/** "7" or "5-6": the range of `counts`. */
function countRange(counts: readonly number[]): string {
  const [lo, hi] = [Math.min(...counts), Math.max(...counts)];
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

/** "2 before the layers; dense layer 0: 7; MoE layers 1-60: 5-6 each; 3 after". */
export function describeLayerKernels(k: LayerKernels, layout: ModelLayout): string {
  const parts = [`${k.before} before the layers`];
  for (const kind of ['dense', 'moe'] as const) {
    const ids = layout.layers.flatMap((l, i) => (l.ffn.kind === kind ? [i] : []));
    if (ids.length === 0) continue;
    const label = kind === 'dense' ? 'dense' : 'MoE';
    const counts = countRange(ids.map((i) => k.layers[i]!));
    parts.push(ids.length === 1 ? `${label} layer ${ids[0]}: ${counts}` : `${label} layers ${ids[0]}-${ids[ids.length - 1]}: ${counts} each`);
  }
  parts.push(`${k.after} after`);
  return parts.join('; ');
}
