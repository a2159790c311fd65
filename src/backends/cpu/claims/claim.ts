// A claimed composite on the CPU: a hand-written kernel that computes what the composite's decomposition computes,
// run as one library kernel of a compiled program (spec/kernel-ir.md, `library`). The compiler keeps a claimed
// composite whole; the kernel gets its operands (buffers, or runtime scalars) and writes every element of its
// results on every run.

import { compositeDef } from '../../../composites/index.js';
import type { Attrs, DType, Node, SlicedWeight, StorageArray, Value } from '../../../ir/index.js';
import type { LibraryBody } from '../../../compiler/kernel.js';
import { widenedWeightOf } from '../../../compiler/fusion/plan.js';
import { WideningScratch, type OperandForm } from './matrix-operand.js';

/** An operand at run time: a buffer's storage, or the value of a runtime i32 scalar. */
export type ClaimOperand = StorageArray | number;

export interface ClaimBuild {
  readonly body: LibraryBody;
  /** Per operand: the dtype of its buffer (i32 for a runtime scalar). */
  readonly dtypes: readonly DType[];
  /** Per operand: whether its storage and contents are the same at every run (a weight), so derived data may be kept. */
  readonly constant: readonly boolean[];
  /** Per operand: the weight bound slice by slice, whose slices the kernel loads before reading them (slicedOperands). */
  readonly sliced: readonly (SlicedWeight | undefined)[];
}

export type ClaimedKernel = (operands: readonly ClaimOperand[], outputs: readonly StorageArray[]) => void;

export interface CpuClaim {
  /** Whether the kernel computes this composite node (its attributes and operand dtypes); others are decomposed. */
  supports(node: Node): boolean;
  /** The kernel for one occurrence of the composite; scratch space and packed weights live as long as it does. */
  build(b: ClaimBuild): ClaimedKernel;
  /** The operands the kernel reads only by slices along axis 0, each loaded first (MoE experts), so they may be bound sliced. */
  slicedOperands?(body: LibraryBody): readonly number[];
}

/** The operand index of every operand name the composite declares for these attributes. */
export function operandSlots(op: string, attrs: Attrs): Readonly<Record<string, number>> {
  return Object.fromEntries(compositeDef(op).operands(attrs).map((name, i) => [name, i]));
}

/**
 * Whether `v` is a narrow weight widened in the graph (a cast, or an FP8 block dequantisation, of a weight). A
 * claimed kernel reads its operands whole, so the compiler would store an f32 copy of the weight for it: exactly
 * the memory that keeping weights in their stored dtype saves (spec/model.md §Weights in their stored dtype).
 */
const widenedWeight = (v: Value): boolean => (v.node?.op === 'cast' || v.node?.op === 'fp8_block_dequantize') && v.node.inputs[0]!.node?.op === 'weight';

/**
 * Whether every operand of `node` is f32, except those named in `i32Scalars`, which are rank-0 i32. Operands named
 * in `narrowWeights` may also be bf16 or f16 weights, or such weights cast to f32, which the compiler hands over as
 * stored (CompileOptions.narrowClaimedWeights) and the kernel widens block by block; any other widened weight (an
 * FP8 dequantisation) has the composite decomposed, so that its kernels widen the weight as they read it.
 */
export function f32Operands(node: Node, i32Scalars: readonly string[] = [], narrowWeights: readonly string[] = []): boolean {
  const slots = operandSlots(node.op, node.attrs);
  const scalars = new Set(i32Scalars.map((n) => slots[n]));
  const narrow = new Set(narrowWeights.map((n) => slots[n]));
  const narrowWeight = (v: Value) => ((v.dtype === 'bf16' || v.dtype === 'f16') && v.node?.op === 'weight') || widenedWeightOf(v) !== undefined;
  return node.inputs.every((v, i) =>
    scalars.has(i) ? v.dtype === 'i32' && v.shape.length === 0 : (v.dtype === 'f32' && !widenedWeight(v)) || (narrow.has(i) && narrowWeight(v)),
  );
}

/** The OperandForm of each named operand: constant or not, its dtype, and the kernel's one widening scratch. */
export function operandForms({ constant, dtypes }: ClaimBuild, slots: Readonly<Record<string, number>>): (name: string) => OperandForm {
  const scratch = new WideningScratch();
  return (name) => ({ constant: constant[slots[name]!]!, dtype: dtypes[slots[name]!]!, scratch });
}

/** A runtime scalar operand's value, whether it came as a parameter or in a one-element buffer. */
export const scalarOperand = (x: ClaimOperand | undefined): number => (typeof x === 'number' ? x : (x as Int32Array)[0]!);

export const f32Operand = (x: ClaimOperand | undefined, what: string): Float32Array => {
  if (!(x instanceof Float32Array)) throw new TypeError(`cpu claim: operand ${what} must be f32 storage`);
  return x;
};
