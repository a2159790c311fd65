// Weights a compiled program binds slice by slice. A weight that every kernel reading it reads only through slices
// it loads first (the experts operand of gather_matmul, which loads each row's expert) is bound as the store's
// SlicedWeight when the store offers one, so that experts no token selects are never read. Any other reader gets
// the whole weight from `get`.

import type { SlicedWeight, WeightStore } from '../../ir/index.js';
import type { BufferId, Kernel, Program } from '../../compiler/kernel.js';

/** The operand of a library op that its CPU kernel reads by slices along axis 0, loading each before reading it. */
const SLICED_OPERAND: Readonly<Record<string, number>> = { gather_matmul: 1 };

/** Whether kernel `k` reads its input slot `slot` only by slices it loads first. */
function readsBySlices(k: Kernel, slot: number): boolean {
  if (k.body.kind !== 'library') return false;
  const operand = k.body.operands[SLICED_OPERAND[k.body.op] ?? -1];
  return operand?.kind === 'buffer' && operand.slot === slot && k.body.operands.filter((o) => o.kind === 'buffer' && o.slot === slot).length === 1;
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
