// Where a library routine finds its operands: input slots, and the [P, D, Q] view around the axis it works along.

import type { Kernel, LibraryBody } from '../../compiler/kernel.js';

/** The input slot of operand `i` of a library kernel (every operand of these routines is a tensor). */
export function operandSlot(k: Kernel, body: LibraryBody, i: number): number {
  const o = body.operands[i];
  if (o?.kind !== 'buffer') throw new Error(`webgpu ${body.op} (${k.name}): operand ${i} must be a tensor in a buffer, got ${o ? `runtime scalar ${o.name}` : 'none'}`);
  return o.slot;
}

/** Sizes of the axes before `axis`, of `axis`, and after it: the [P, D, Q] view the routines index by. */
export function aroundAxis(shape: readonly number[], axis: number): [number, number, number] {
  const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return [prod(shape.slice(0, axis)), shape[axis]!, prod(shape.slice(axis + 1))];
}
