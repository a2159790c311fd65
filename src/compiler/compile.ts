// The compiler: graph -> ordered named passes -> fusion -> memory planning -> a Program of kernels.

import { checkCompositesKnown } from '../composites/index.js';
import { printGraph, verify, type Graph } from '../ir/index.js';
import { claimsWithinLimit } from './claims.js';
import { fuseWithinLimits, type FusedProgram } from './fusion/index.js';
import type { Program } from './kernel.js';
import { planMemory } from './memory.js';
import { graphPasses } from './passes/index.js';
import { printProgram } from './print-kernel.js';
import { verifyProgram } from './verify-kernels.js';

export interface CompileOptions {
  /** Composites the backend runs with its own kernels (kept as library kernels, not decomposed). */
  readonly claimed?: ReadonlySet<string>;
  /** Graph inputs whose buffers the program may overwrite (KV caches). */
  readonly donated?: ReadonlySet<string>;
  /** Receives the printed IR of every stage (`DSV3_DUMP`). */
  readonly dump?: (stage: string, text: string) => void;
  /**
   * The most buffers one kernel may bind (WebGPU: maxStorageBuffersPerShaderStage); larger kernels are split, and a
   * claimed composite that would bind more is decomposed instead. Every graph fits a limit of 4 or more.
   */
  readonly maxBuffersPerKernel?: number;
  /** Whether a kernel may write its output over an input it reads (default true; WebGPU: false). */
  readonly inPlace?: boolean;
  /** Runs the graph verifier after every pass, and the kernel-IR verifier on the program (default true). */
  readonly verifyEachPass?: boolean;
  /** Claimed composites read bf16 and f16 weights as stored and widen them themselves (FusionOptions; default false). */
  readonly narrowClaimedWeights?: boolean;
}

/** Every stage of a compile: the graph after the passes, the fusion (with each kernel's graph values), the program. */
export interface CompileStages {
  readonly graph: Graph;
  readonly fused: FusedProgram;
  readonly program: Program;
}

export function compileStages(graph: Graph, options: CompileOptions = {}): CompileStages {
  const { dump, verifyEachPass = true } = options;
  verify(graph);
  checkCompositesKnown(graph);
  dump?.('00-input', printGraph(graph));
  let g = graph;
  const maxBuffersPerKernel = options.maxBuffersPerKernel ?? Infinity;
  graphPasses(claimsWithinLimit(graph, options.claimed ?? new Set(), maxBuffersPerKernel)).forEach((pass, i) => {
    g = pass.run(g);
    if (verifyEachPass) verify(g);
    dump?.(`${String(i + 1).padStart(2, '0')}-${pass.name}`, printGraph(g));
  });
  const fused = fuseWithinLimits(g, {
    donated: options.donated ?? new Set(),
    claimedUpdatesInPlace: options.inPlace ?? true,
    maxBuffersPerKernel,
    narrowClaimedWeights: options.narrowClaimedWeights ?? false,
  });
  const planned = planMemory(fused, options.inPlace ?? true);
  const shapeOf = (v: { shape: readonly number[] }) => [...v.shape];
  const program: Program = {
    name: graph.name,
    buffers: planned.buffers,
    kernels: planned.kernels,
    inputs: planned.inputs,
    params: planned.params,
    outputs: planned.outputs,
    outputShapes: Object.fromEntries(g.outputs.map((o) => [o.name, shapeOf(o.value)])),
    inputShapes: Object.fromEntries(g.inputs.map((v) => [v.def.kind === 'input' ? v.def.name : '', shapeOf(v)])),
  };
  dump?.('90-kernels', printProgram(program));
  if (verifyEachPass) verifyProgram(program);
  return { graph: fused.graph, fused, program };
}

export const compile = (graph: Graph, options: CompileOptions = {}): Program => compileStages(graph, options).program;
