// The compiler's view of one step of a model, for `dsv3 compile --model` and `dsv3 inspect`: the graph a Session
// compiles for a prefill chunk or a decode step, compiled with what the chosen backend tells the compiler (the
// composites it claims; WebGPU's limits for its device), and the program's kernels counted per decoder layer.

import type { Graph } from '../../ir/index.js';
import type { CompileOptions } from '../../compiler/compile.js';
import type { Program } from '../../compiler/kernel.js';
import { claimableComposites } from '../../backends/cpu/claims/index.js';
import type { ModelConfig } from '../../models/deepseek/config.js';
import type { ModelLayout } from '../../models/deepseek/layout.js';
import { buildModelGraph, cacheSpecs } from '../../models/deepseek/model.js';
import type { ModelSettings } from '../../models/deepseek/settings.js';

export type StepPhase = 'prefill' | 'decode';
export const STEP_BACKENDS = ['cpu', 'webgpu'] as const;
export type StepBackend = (typeof STEP_BACKENDS)[number];

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

/** How a backend compiles a step: the compiler options, and a line saying what they are. */
export interface BackendCompile {
  readonly options: Omit<CompileOptions, 'dump'>;
  readonly description: string;
  /** Each kernel's source as the backend generates it, by file name (absent: the CPU backend's JavaScript). */
  readonly kernelSources?: (p: Program) => Record<string, string>;
}

/** The CPU backend's compile of a step: its claimed composites, and the caches donated as a Session donates them. */
export function cpuStepCompile(graph: Graph, config: ModelConfig, settings: ModelSettings, batch: number): BackendCompile {
  const claimed = claimableComposites(graph);
  const donated = new Set(cacheSpecs(config, settings, batch).map((c) => c.name));
  return { options: { claimed, donated }, description: `cpu, claimed composites: ${claimed.size ? [...claimed].sort().join(', ') : 'none'}` };
}

/** The WebGPU backend's compile of a step on this machine's adapter (its limits decide how kernels are split). */
export async function webgpuStepCompile(graph: Graph, config: ModelConfig, settings: ModelSettings, batch: number): Promise<BackendCompile> {
  // Loaded only for --backend webgpu: acquiring a device starts Dawn.
  const { acquireDevice } = await import('../../backends/webgpu/device.js');
  const { webgpuCompileOptions } = await import('../../backends/webgpu/backend.js');
  const { claimableComposites: webgpuClaims } = await import('../../backends/webgpu/claims.js');
  const { adapterLaunchShape } = await import('../../backends/webgpu/launch-shapes.js');
  const { renderKernel } = await import('../../backends/webgpu/program.js');
  const gpu = await acquireDevice();
  try {
    const shape = adapterLaunchShape(gpu.adapter, gpu.limits);
    const options = webgpuCompileOptions(gpu);
    const donated = new Set(cacheSpecs(config, settings, batch).map((c) => c.name));
    const claimed = webgpuClaims(graph);
    return {
      options: { ...options, donated, claimed },
      description:
        `webgpu on ${gpu.adapter.description || gpu.adapter.device || gpu.adapter.vendor}: no in-place kernels, at most ${options.maxBuffersPerKernel} buffers per kernel, ` +
        `claimed composites: ${claimed.size ? [...claimed].sort().join(', ') : 'none'}`,
      kernelSources: (p) => Object.fromEntries(p.kernels.map((k) => [`${k.name}.wgsl`, renderKernel(k, shape).wgsl])),
    };
  } finally {
    gpu.destroy();
  }
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
