// The WebGPU backend as a `Backend`. One code path for Node and browsers: the environment supplies the GPU object
// (navigator.gpu, or Dawn through the `webgpu` package), or the caller passes a device. Graphs go through the
// compiler with what the device needs (no in-place kernels, a buffer limit per kernel) and the composites WebGPU
// claims (claims.ts: the FP8 recipe, bit-exact with the CPU), and are cached by graph signature; each executable
// binds its program's weights once and runs it with runtime parameters in uniforms.

import { printGraph, type Graph, type TensorData, type WeightStore } from '../../ir/index.js';
import { compile, type CompileOptions } from '../../compiler/compile.js';
import type { Program } from '../../compiler/kernel.js';
import { printProgram } from '../../compiler/print-kernel.js';
import type { Backend, CompileRequest, Executable } from '../backend.js';
import { claimableComposites } from './claims.js';
import { WebGpuContext } from './context.js';
import { acquireDevice, type AcquireOptions, type WebGpuDevice } from './device.js';
import { WebGpuExecutable, type KernelChecker } from './executable.js';
import { WebGpuTensor } from './gpu-tensor.js';
import { WebGpuProgram } from './program.js';
import { ResidentWeights } from './resident-weights.js';
import { uploadStorage } from './transfers.js';

export type DumpSink = (graph: string, stage: string, text: string) => void;

export interface WebGpuBackendOptions {
  /** The GPU object to take an adapter from (default: the environment's). */
  readonly gpu?: GPU;
  /** A device to use; the backend then leaves it alive when disposed. */
  readonly device?: WebGpuDevice;
  readonly acquire?: AcquireOptions;
  /** Runs every kernel on the CPU too and reports the first that differs (default: DSV3_WEBGPU_SHADOW=1). */
  readonly shadow?: boolean;
  /** Receives every compile stage and each kernel's WGSL (default: files under $DSV3_DUMP when it is set). */
  readonly dump?: DumpSink;
  /** Run the composites of claims.ts with their own kernels (default true); false decomposes them. */
  readonly claims?: boolean;
}

/** Bindings each kernel may take beyond its buffers: the error word (the params uniform is not a storage buffer). */
const EXTRA_STORAGE_BINDINGS = 1;

/** What the compiler is told for this device: no in-place kernels, and as many buffers per kernel as it can bind. */
export function webgpuCompileOptions(gpu: WebGpuDevice): Pick<CompileOptions, 'inPlace' | 'maxBuffersPerKernel'> {
  return { inPlace: false, maxBuffersPerKernel: gpu.limits.maxStorageBuffersPerShaderStage - EXTRA_STORAGE_BINDINGS };
}

/** An environment variable where there is an environment (Node); undefined in a browser. */
const envVar = (name: string): string | undefined => (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] || undefined;

async function envDump(): Promise<DumpSink | undefined> {
  const dir = envVar('DSV3_DUMP');
  if (dir === undefined) return undefined;
  // Loaded only when asked for: it writes files, which a browser cannot.
  const { dumpTo } = await import('../../compiler/dump.js');
  return (graph, stage, text) => dumpTo(dir, graph)!(stage, text);
}

export interface WebGpuBackend extends Backend {
  /** The device, pools and pipeline cache its executables share. */
  readonly context: WebGpuContext;
  upload(t: TensorData): WebGpuTensor;
}

export async function webgpuBackend(options: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
  const gpu = options.device ?? (await acquireDevice(options.gpu, options.acquire));
  const context = new WebGpuContext(gpu);
  const weights = new ResidentWeights(context);
  const programs = new Map<string, Program>();
  const shadow = options.shadow ?? envVar('DSV3_WEBGPU_SHADOW') === '1';
  const compileOptions = webgpuCompileOptions(gpu);

  return {
    name: 'webgpu',
    context,
    async compile(graph: Graph, store: WeightStore, request: CompileRequest = {}): Promise<Executable> {
      const donated = new Set(request.donate ?? []);
      const sink = options.dump ?? (await envDump());
      const dump = sink ? (stage: string, text: string) => sink(graph.name, stage, text) : undefined;
      // Programs are cached by graph signature: the printed graph and what may be donated (claims follow from the graph).
      const key = `${JSON.stringify([...donated].sort())}\n${printGraph(graph)}`;
      let program = dump ? undefined : programs.get(key);
      if (!program) {
        const claimed = options.claims === false ? new Set<string>() : claimableComposites(graph);
        program = compile(graph, { donated, claimed, ...compileOptions, ...(dump ? { dump } : {}) });
        if (!dump) programs.set(key, program);
      }
      const prepared = await WebGpuProgram.create(context, program, { store, resident: weights });
      if (dump) {
        dump('91-program', printProgram(program));
        for (const k of prepared.kernels) dump(`kernels/${k.kernel.name}.wgsl`, k.rendered.wgsl);
      }
      let checker: KernelChecker | undefined;
      if (shadow) {
        // The CPU backend is loaded only for shadow runs: a normal run never calls across backends.
        const { ShadowChecker } = await import('./shadow.js');
        checker = new ShadowChecker(context, program, store);
      }
      return new WebGpuExecutable(graph, context, prepared, checker);
    },
    upload(t: TensorData): WebGpuTensor {
      return new WebGpuTensor(context, t, uploadStorage(gpu, context.storage, t.data));
    },
    dispose() {
      programs.clear();
      context.storage.trim();
      context.staging.trim();
      if (options.device === undefined) gpu.destroy();
    },
  };
}
