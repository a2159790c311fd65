// Weights a compiled program binds slice by slice. A weight that every kernel reading it reads only through slices
// it loads first (the experts operand of gather_matmul, which loads each row's expert, and the expert stacks of a
// claimed MoE kernel) is bound as the store's SlicedWeight when the store offers one, so that experts no token
// selects are never read. Any other reader gets the whole weight from `get`.

import type { SlicedWeight, WeightStore } from '../../ir/index.js';
import type { BufferId, Kernel, LibraryBody, Program } from '../../compiler/kernel.js';
import { claimedSlicedOperands } from './claims/index.js';

/** The operands of a library op that its CPU kernel reads by slices along axis 0, loading each before reading it. */
const slicedOperands = (body: LibraryBody): readonly number[] => (body.op === 'gather_matmul' ? [1] : claimedSlicedOperands(body));

/** Whether kernel `k` reads its input slot `slot` only by slices it loads first. */
function readsBySlices(k: Kernel, slot: number): boolean {
  if (k.body.kind !== 'library') return false;
  const uses = k.body.operands.flatMap((o, i) => (o.kind === 'buffer' && o.slot === slot ? [i] : []));
  return uses.length === 1 && slicedOperands(k.body).includes(uses[0]!);
}

/** The weight buffers of `program` to bind slice by slice, with the store's SlicedWeight for each. */
export function slicedWeights(program: Program, store: WeightStore | undefined): Map<BufferId, SlicedWeight> {
  const out = new Map<BufferId, SlicedWeight>();
  if (store?.sliced === undefined) return out;
  const bySlices = new Map<BufferId, boolean>();
  for (const k of program.kernels) k.inputs.forEach((b, slot) => bySlices.set(b.buffer, (bySlices.get(b.buffer) ?? true) && readsBySlices(k, slot)));
  for (const b of program.buffers) {
    if (b.role !== 'weight' || bySlices.get(b.id) !== true) continue;
    const sliced = store.sliced(b.name!);
    if (sliced !== undefined) out.set(b.id, sliced);
  }
  return out;
}
