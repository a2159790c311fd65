// The kernel IR: what one fused kernel computes. It is the contract between the compiler and every backend
// (spec/kernel-ir.md). A kernel reads input buffers and writes output buffers; what it computes per element is
// a scalar expression (expr.ts) over its loop variables.
//
// Bodies:
// - map:         for each idx in `shape`: every store writes value(idx) at index(idx).
// - reduce:      for each idx in `shape`: accumulators run in order over ridx in `rshape` (each may read the
//                finished accumulators before it); then `stores` (per idx, may read every accumulator) and
//                `rowStores` (per (idx, ridx) — a second pass over the row, e.g. softmax's normalisation).
// - contraction: batched matmul over idx = (batch..., m, n), ridx = (k): acc = Σ_k a(idx, k) · b(idx, k), then
//                `stores` read `acc` (the epilogue). `a` only uses the batch axes, m and k; `b` the batch axes, n and k.
// - library:     an op computed by a backend routine (scan, sort, scatter, grouped GEMM, a claimed composite),
//                on whole input buffers.

import type { Attrs, DType } from '../ir/index.js';
import type { Expr } from './expr.js';

export type BufferId = number;

export interface KernelBuffer {
  readonly buffer: BufferId;
  readonly dtype: DType;
  /** Elements. */
  readonly size: number;
}

export interface Store {
  /** Index into the kernel's `outputs`. */
  readonly output: number;
  /** Flat element index written (i32). */
  readonly index: Expr;
  readonly value: Expr;
  /** Whether `value` is the storage code (an i32) of the output's float dtype, written as it is (moves.ts). */
  readonly bits?: true;
}

export type ReduceOp = 'sum' | 'max' | 'min';

export interface Accumulator {
  readonly op: ReduceOp;
  readonly type: 'f32' | 'i32';
  /** The reduction's result dtype: a float sum is rounded once to it (narrow floats: see spec/kernel-ir.md). */
  readonly dtype: DType;
  /** The value accumulated at (idx, ridx); may read earlier accumulators as `acc`. */
  readonly value: Expr;
}

export interface MapBody {
  readonly kind: 'map';
  readonly shape: readonly number[];
  readonly stores: readonly Store[];
}

export interface ReduceBody {
  readonly kind: 'reduce';
  readonly shape: readonly number[];
  readonly rshape: readonly number[];
  readonly accumulators: readonly Accumulator[];
  readonly stores: readonly Store[];
  readonly rowStores: readonly Store[];
}

export interface ContractionBody {
  readonly kind: 'contraction';
  readonly batch: readonly number[];
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: Expr;
  readonly b: Expr;
  readonly stores: readonly Store[];
}

export interface LibraryBody {
  readonly kind: 'library';
  /** A primitive (cumsum, topk, scatter_add, gather_matmul) or a claimed composite's name. */
  readonly op: string;
  readonly attrs: Attrs;
  /** Where each operand of the op comes from: an input buffer slot, or a runtime scalar. */
  readonly operands: readonly ({ readonly kind: 'buffer'; readonly slot: number } | { readonly kind: 'param'; readonly name: string })[];
  /** The op's operand and result shapes. */
  readonly inputShapes: readonly (readonly number[])[];
  /**
   * The operands (by index) given as a bf16 or f16 weight that the op reads widened to f32: the buffer holds the
   * weight as stored and the kernel widens it as it reads (CompileOptions.narrowClaimedWeights).
   */
  readonly widened?: readonly number[];
  readonly outputShapes: readonly (readonly number[])[];
}

export type KernelBody = MapBody | ReduceBody | ContractionBody | LibraryBody;

export interface Kernel {
  readonly name: string;
  /** The composite regions (outermost first) the kernel's ops came from. */
  readonly origin: readonly string[];
  readonly inputs: readonly KernelBuffer[];
  readonly outputs: readonly KernelBuffer[];
  /** Runtime i32 scalars read by `param` expressions. */
  readonly params: readonly string[];
  readonly body: KernelBody;
}

/** What a kernel is, in a word: its body's kind, or `library:<op>` for a library kernel. */
export const kernelKind = (k: Kernel): string => (k.body.kind === 'library' ? `library:${k.body.op}` : k.body.kind);

export type BufferRole = 'input' | 'weight' | 'constant' | 'temp' | 'output';

export interface BufferDesc {
  readonly id: BufferId;
  readonly dtype: DType;
  readonly size: number;
  readonly role: BufferRole;
  /** Graph input or output name, or weight name. */
  readonly name?: string;
  /** Constant contents (row-major, in the dtype's compute values). */
  readonly values?: readonly number[];
}

/**
 * Whether buffer `b` holds its contents with no kernel writing it: an input, a weight or a constant (bound before
 * the first kernel runs), or an empty buffer (it has no element to write, so the kernel that would is never emitted).
 * Memory planning neither reuses nor aliases such buffers.
 */
export const needsNoWriter = (b: BufferDesc): boolean => b.role === 'input' || b.role === 'weight' || b.role === 'constant' || b.size === 0;

/** A compiled graph: kernels in execution order over planned buffers. */
export interface Program {
  readonly name: string;
  readonly buffers: readonly BufferDesc[];
  readonly kernels: readonly Kernel[];
  readonly inputs: Readonly<Record<string, BufferId>>;
  /** Rank-0 i32 graph inputs, passed to kernels as parameters instead of buffers. */
  readonly params: readonly string[];
  readonly outputs: Readonly<Record<string, BufferId>>;
  readonly outputShapes: Readonly<Record<string, readonly number[]>>;
  readonly inputShapes: Readonly<Record<string, readonly number[]>>;
}
