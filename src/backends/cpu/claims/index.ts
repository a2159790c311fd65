// The composites the CPU backend runs with its own kernels in compiled mode (cpuBackend's `claims` option), and
// the program step that runs one. A composite is claimed for a graph only when its kernel supports every
// occurrence of it there; otherwise the compiler decomposes it like any other.

import type { Graph, SlicedWeight, StorageArray } from '../../../ir/index.js';
import { claimableComposites as claimableBy } from '../../../compiler/claims.js';
import type { Kernel, LibraryBody } from '../../../compiler/kernel.js';
import type { CpuClaim } from './claim.js';
import { mlaClaim } from './mla.js';
import { moeClaim } from './moe.js';

export const CPU_CLAIMS: ReadonlyMap<string, CpuClaim> = new Map([
  ['mla_attention', mlaClaim],
  ['moe', moeClaim],
]);

/** The composites of `graph`, at any depth, whose every occurrence a CPU kernel supports. */
export const claimableComposites = (graph: Graph): Set<string> => claimableBy(graph, CPU_CLAIMS);

/** The operands of a claimed composite's library kernel that its kernel reads only by slices it loads first. */
export const claimedSlicedOperands = (body: LibraryBody): readonly number[] => CPU_CLAIMS.get(body.op)?.slicedOperands?.(body) ?? [];

/**
 * The step running library kernel `k` of a claimed composite; operands in `constantBuffers` (weights) keep their
 * storage and contents across runs, those in `sliced` are bound slice by slice (sliced-weights.ts).
 */
export function claimedStep(
  k: Kernel,
  body: LibraryBody,
  constantBuffers: ReadonlySet<number>,
  sliced: ReadonlyMap<number, SlicedWeight>,
): ((ins: StorageArray[], outs: StorageArray[], params: Readonly<Record<string, number>>) => void) | undefined {
  const claim = CPU_CLAIMS.get(body.op);
  if (!claim) return undefined;
  const buffer = (o: LibraryBody['operands'][number]) => (o.kind === 'buffer' ? k.inputs[o.slot]!.buffer : undefined);
  const constant = body.operands.map((o) => constantBuffers.has(buffer(o) ?? -1));
  const dtypes = body.operands.map((o) => (o.kind === 'buffer' ? k.inputs[o.slot]!.dtype : 'i32'));
  const kernel = claim.build({ body, dtypes, constant, sliced: body.operands.map((o) => sliced.get(buffer(o) ?? -1)) });
  return (ins, outs, params) => kernel(body.operands.map((o) => (o.kind === 'param' ? params[o.name]! : ins[o.slot]!)), outs);
}
