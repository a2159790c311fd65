// The closed list of composites, as primitives.ts lists the primitives: the op library's, then DeepSeek's layers.
// A compiler or backend that meets a composite by name looks it up here; the list is complete as soon as this
// module is loaded, whatever else is (no definition registers itself as a side effect of model code).

import { provideComposites, walkNodes, type CompositeDef, type Graph } from '../ir/index.js';
import { SIGMOID, SILU, SWIGLU } from './activation.js';
import { CROSS_ENTROPY } from './cross-entropy.js';
import { FP8_BLOCK_DEQUANTIZE, FP8_BLOCK_QUANTIZE } from './fp8-blocks.js';
import { FP8_GATHER_GEMM, FP8_GEMM } from './fp8-gemm.js';
import { FP8_QUANTIZE } from './fp8-quantize.js';
import { MLA_ATTENTION } from './mla.js';
import { MLP } from './mlp.js';
import { MOE } from './moe.js';
import { MTP_BLOCK } from './mtp.js';
import { RMS_NORM } from './norm.js';
import { PROJECTION } from './projection.js';
import { ROPE } from './rope.js';
import { ROUTER } from './router.js';
import { LOG_SOFTMAX, SOFTMAX } from './softmax.js';

const ALL: readonly CompositeDef[] = [
  SIGMOID,
  SILU,
  SWIGLU,
  SOFTMAX,
  LOG_SOFTMAX,
  CROSS_ENTROPY,
  RMS_NORM,
  ROPE,
  FP8_QUANTIZE,
  FP8_BLOCK_QUANTIZE,
  FP8_BLOCK_DEQUANTIZE,
  FP8_GEMM,
  FP8_GATHER_GEMM,
  PROJECTION,
  ROUTER,
  MLP,
  MOE,
  MLA_ATTENTION,
  MTP_BLOCK,
];

export const COMPOSITES: ReadonlyMap<string, CompositeDef> = new Map(ALL.map((d) => [d.name, d]));
if (COMPOSITES.size !== ALL.length) throw new Error(`src/composites: a composite name is listed twice in ${ALL.map((d) => d.name).join(', ')}`);

provideComposites(COMPOSITES);

export const compositeNames = (): string[] => [...COMPOSITES.keys()].sort();

/** The definition of composite `name`; a name not in the list is an error, never skipped. */
export function compositeDef(name: string): CompositeDef {
  const def = COMPOSITES.get(name);
  if (!def) throw new Error(`composite "${name}" is not defined; the composites are ${compositeNames().join(', ')}`);
  return def;
}

/** Throws unless every composite region of `graph`, at any depth, is in the list (a compiler needs the definitions). */
export function checkCompositesKnown(graph: Graph): void {
  for (const n of walkNodes(graph)) if (n.body) compositeDef(n.op);
}
