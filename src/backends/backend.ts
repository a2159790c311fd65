// The one small interface a backend implements. A backend compiles a graph once (weights bound, kernels
// generated, buffers planned) and then runs it many times. Tensors that should stay where the backend keeps them
// between runs (KV caches on a GPU) travel as DeviceTensors; `donate` lets an output reuse a donated input's
// buffer, so a cache update happens in place.

import type { Graph, TensorData, TensorType, WeightStore } from '../ir/index.js';

export interface DeviceTensor {
  readonly type: TensorType;
  /** The backend that owns the buffer; only that backend's executables accept it. */
  readonly backend: string;
  read(): Promise<TensorData>;
  dispose(): void;
}

export type RunInput = TensorData | DeviceTensor;

export interface RunOptions {
  /** Inputs whose buffers the run may overwrite (they must not be used afterwards). */
  readonly donate?: readonly string[];
  /** Outputs to return as DeviceTensors instead of reading them back. */
  readonly keep?: readonly string[];
  /** Time every kernel (profile.ts); the run then waits for each kernel before starting the next. */
  readonly profile?: boolean;
}

/** One kernel of a profiled run: its name and composite regions (the compiled program's) and its wall time. */
export interface KernelTime {
  readonly kernel: string;
  readonly origin: readonly string[];
  /** The kernel body's kind, `library:<op>` for a library kernel (a claimed composite or a library primitive). */
  readonly kind: string;
  readonly seconds: number;
}

export interface RunResult {
  readonly outputs: Record<string, TensorData>;
  readonly kept: Record<string, DeviceTensor>;
  /** With `profile`: every kernel in the order it ran. */
  readonly profile?: readonly KernelTime[];
}

/**
 * Where the time of making an executable went, in seconds: the compiler's passes (0 when the program was cached), and
 * the backend preparing it on its device (weights loaded, kernels compiled: WebGPU's pipelines, run once so that a
 * driver compiling shaders at their first dispatch does it then). Never part of a run or its profile.
 */
export interface CompileTime {
  readonly compiler: number;
  readonly device: number;
}

export interface Executable {
  readonly graph: Graph;
  /** How long compiling it took, where the backend compiles (the interpreter does not). */
  readonly compileTime?: CompileTime;
  run(inputs: Readonly<Record<string, RunInput>>, options?: RunOptions): Promise<RunResult>;
  dispose(): void;
}

export interface CompileRequest {
  /** Graph inputs the executable may overwrite in place when a run donates them (KV caches). */
  readonly donate?: readonly string[];
}

export interface Backend {
  readonly name: string;
  compile(graph: Graph, weights: WeightStore, request?: CompileRequest): Promise<Executable>;
  /** Uploads host data as a DeviceTensor of this backend. */
  upload(t: TensorData): DeviceTensor;
  dispose(): void;
}

export const isDeviceTensor = (x: RunInput): x is DeviceTensor => 'backend' in x && typeof (x as DeviceTensor).read === 'function';
