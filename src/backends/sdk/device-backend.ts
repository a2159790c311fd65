// What a backend implements: a per-kernel interface that the shared driver (driver.ts) turns into a `Backend`.
// Modelled on tinygrad's device (an allocator and compiled programs; scheduling, caching and checking against the
// CPU shared by every device) and on jax-js's backend (malloc, read, prepare, dispatch). The driver compiles graphs,
// caches programs, writes dumps, checks inputs, handles donated inputs and kept outputs, profiles and shadow-checks;
// a backend says what its device can do, holds buffers and runs kernels. `B` is the backend's buffer: a host
// storage array on the CPU, a GPUBuffer on WebGPU.

import type { ClaimTest } from '../../compiler/claims.js';
import type { Kernel, Program } from '../../compiler/kernel.js';
import type { DType, StorageArray, WeightStore } from '../../ir/index.js';
import type { Progress } from '../progress.js';

/** What the compiler is told about the device (compiler/compile.ts). */
export interface DeviceCompileOptions {
  /** Whether a kernel may write its output over an input it reads (WebGPU: no, a buffer is bound once per kernel). */
  readonly inPlace: boolean;
  /** The most buffers one kernel may bind; larger kernels are split (Infinity: no limit). */
  readonly maxBuffersPerKernel: number;
  /** Whether the device's claimed kernels read bf16 and f16 weights as stored, widening them (default false). */
  readonly narrowClaimedWeights?: boolean;
}

/** The code a backend generated for one kernel, written to `kernels/<file>` by dumps (DSV3_DUMP, `dsv3 compile --dump`). */
export interface KernelSource {
  readonly file: string;
  readonly text: string;
}

/** A buffer to read back: `size` elements of `dtype` from its start. */
export interface BufferRead<B> {
  readonly buffer: B;
  readonly dtype: DType;
  readonly size: number;
}

export interface DeviceBackend<B> {
  /** The name DeviceTensors and messages carry (the registry's name for it). */
  readonly name: string;
  /** Where it runs, for reports (a GPU adapter's name); absent when that is the host. */
  readonly runsOn?: string;
  readonly compileOptions: DeviceCompileOptions;
  /** The composites it runs with kernels of its own, each with the test of which occurrences (compiler/claims.ts). */
  readonly claims: ReadonlyMap<string, ClaimTest>;

  /** A buffer of `size` elements of `dtype` (contents undefined). */
  alloc(dtype: DType, size: number): B;
  /** A new buffer holding a copy of `data`. */
  upload(data: StorageArray): B;
  /**
   * Host memory only: `data` itself as a buffer, read by kernels in place (and overwritten in place when the caller
   * donates it). Without it, host inputs are uploaded.
   */
  view?(data: StorageArray): B;
  /** A copy of the first `size` elements of `buffer`, after all work issued on it. */
  read(buffer: B, dtype: DType, size: number): Promise<StorageArray>;
  /** Gives `buffer` (from alloc or upload) back. */
  free(buffer: B): void;

  /**
   * Binds `program` to the device: kernels compiled, weights and constants in place, temporaries allocated; what
   * takes long (loading weights, compiling pipelines) is reported to `progress` as tasks.
   */
  prepare(program: Program, weights: WeightStore, progress?: Progress): Promise<PreparedProgram<B>>;
  /** The code it generates for `kernel`, when it generates any, for dumps. */
  kernelSource?(kernel: Kernel): KernelSource | undefined;
  dispose(): void;
}

export interface PreparedProgram<B> {
  /**
   * The buffers that live as long as the program, by buffer id (weights, constants, temporaries, and any other the
   * backend keeps); the driver binds inputs and allocates every other buffer per run.
   */
  readonly resident: readonly (B | undefined)[];
  /** Starts one run with the program's runtime parameters (rank-0 i32 inputs) by name. */
  launch(params: Readonly<Record<string, number>>): Launch<B>;
  dispose(): void;
}

/**
 * One run's work, issued in order. A backend may queue it (WebGPU records one command buffer) as long as `flush`
 * and `read` see everything issued before them.
 */
export interface Launch<B> {
  /** Copies `size` elements of `dtype` from the start of `from` to the start of `to`. */
  copy(from: B, to: B, dtype: DType, size: number): void;
  /** Runs kernel `index` of the program on `buffers` (one per buffer id). */
  dispatch(index: number, buffers: readonly B[]): void;
  /** Resolves once everything issued so far has run (profiles time kernels with it). */
  flush(): Promise<void>;
  /**
   * Copies of `reads` after everything issued so far; rejects with the first failed index check of the run instead
   * (a backend that checks indices as kernels run throws from `dispatch`).
   */
  read(reads: readonly BufferRead<B>[]): Promise<StorageArray[]>;
  /** Releases what the run held; called once, after the last read or after a failure. */
  end?(): void;
}
