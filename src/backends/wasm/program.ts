// A compiled Program prepared on the wasm backend: weights and constants copied into the linear memory once, every
// map, reduce and contraction kernel compiled to a WebAssembly module of its own, or taken from the backend's cache
// (contractions that pay run the SIMD GEMM of gemm.ts on the backend's threads, then their epilogue), and library
// kernels run by the reference's routines on views of the linear memory.

import type { Kernel, Program } from '../../compiler/kernel.js';
import { numel, type WeightStore } from '../../ir/index.js';
import { libraryKernel } from '../reference/library.js';
import { SILENT_PROGRESS, type Progress } from '../progress.js';
import type { Launch, PreparedProgram } from '../sdk/device-backend.js';
import { constantStorage, weightStorage } from '../sdk/program-storage.js';
import { gemmCalls, gemmPlan, packB } from './gemm.js';
import { importObject } from './imports.js';
import { moduleOf, type RenderedKernel } from './kernel-module.js';
import type { LinearMemory, WasmBuffer } from './linear-memory.js';
import { renderKernel } from './render-kernel.js';
import type { ModuleCache } from './module-cache.js';
import type { GemmThreads } from './thread-pool.js';
import { watText, type WasmModule } from './wasm-module.js';

type Step = (buffers: readonly WasmBuffer[], params: Readonly<Record<string, number>>) => void;

/** What every program of one wasm backend shares. */
export interface WasmContext {
  readonly memory: LinearMemory;
  readonly modules: ModuleCache;
  /** The GEMM threads, started by the first program that needs them. */
  gemmThreads(): Promise<GemmThreads>;
}

/** A kernel's module, ready to compile, and what its imports need. */
export interface KernelModule {
  readonly module: WasmModule;
  readonly imports: readonly string[];
  readonly what: readonly string[];
}

export function kernelModule(k: Kernel, sharedMemory: boolean): KernelModule {
  const rendered: RenderedKernel = renderKernel(k);
  return { ...moduleOf(rendered, sharedMemory), what: rendered.what };
}

/** The WAT of kernel `k`, for dumps (a GEMM's epilogue; the GEMM itself is gemm.ts's); undefined for a library kernel. */
export const kernelWat = (k: Kernel, sharedMemory: boolean): string | undefined =>
  k.body.kind === 'library' ? undefined : watText(kernelModule(k, sharedMemory).module);

type KernelFunction = (...pointersAndParams: number[]) => void;

/** What a kernel's step holds in the linear memory besides the program's buffers (the GEMM's packed B and product). */
interface Scratch {
  readonly buffers: WasmBuffer[];
}

async function compileKernel(k: Kernel, program: Program, resident: readonly (WasmBuffer | undefined)[], context: WasmContext, scratch: Scratch): Promise<Step> {
  const { memory } = context;
  const m = kernelModule(k, memory.shared);
  const instance = await WebAssembly.instantiate(await context.modules.compile(m.module), importObject(memory.memory, m.imports, m.what));
  const fn = instance.exports.kernel as KernelFunction;
  const pointers = (buffers: readonly WasmBuffer[]) => [...k.inputs.map((b) => buffers[b.buffer]!.ptr), ...k.outputs.map((b) => buffers[b.buffer]!.ptr)];
  const b = k.body;
  const plan = b.kind === 'contraction' ? gemmPlan(b) : undefined;
  if (b.kind !== 'contraction' || !plan) return (buffers, params) => fn(...pointers(buffers), ...k.params.map((p) => params[p]!));

  const threads = await context.gemmThreads();
  const calls = gemmCalls(b, plan, threads.threads);
  const batches = numel(b.batch);
  const product = memory.alloc(batches * b.m * plan.paddedN * 4);
  const packed = memory.alloc(batches * plan.paddedN * b.k * 4);
  scratch.buffers.push(product, packed);
  const [aInput, bInput] = [k.inputs[plan.a.slot]!, k.inputs[plan.b.slot]!];
  const pack = (source: WasmBuffer) => {
    const src = memory.view(source, 'f32', bInput.size) as Float32Array;
    const dst = memory.view(packed, 'f32', batches * plan.paddedN * b.k) as Float32Array;
    for (let i = 0; i < batches; i++) packB(b, plan, src, i, dst, i * plan.paddedN * b.k);
  };
  // A weight or constant B is packed once, here; any other every run.
  const role = program.buffers[bInput.buffer]!.role;
  const constantB = role === 'weight' || role === 'constant';
  if (constantB) pack(resident[bInput.buffer]!);
  const strides = { aRowStride: plan.a.rowStride * 4, aColStride: plan.a.colStride * 4, packed: packed.ptr, product: product.ptr, k: b.k, ldc: plan.paddedN * 4 };
  return (buffers, params) => {
    if (!constantB) pack(buffers[bInput.buffer]!);
    threads.run(calls, { ...strides, a: buffers[aInput.buffer]!.ptr });
    fn(...pointers(buffers), ...k.params.map((p) => params[p]!), product.ptr);
  };
}

function libraryStep(k: Kernel, memory: LinearMemory): Step {
  if (k.body.kind !== 'library') throw new Error(`libraryStep: ${k.name} is a ${k.body.kind} kernel`);
  const run = libraryKernel(k, k.body);
  return (buffers, params) =>
    run(
      k.inputs.map((b) => memory.view(buffers[b.buffer]!, b.dtype, b.size)),
      k.outputs.map((b) => memory.view(buffers[b.buffer]!, b.dtype, b.size)),
      params,
    );
}

export class WasmProgram implements PreparedProgram<WasmBuffer> {
  private constructor(
    readonly resident: readonly (WasmBuffer | undefined)[],
    private readonly steps: readonly Step[],
    private readonly memory: LinearMemory,
    /** Gives back the resident and scratch buffers. */
    private readonly release: () => void,
  ) {}

  static async prepare(program: Program, weights: WeightStore, context: WasmContext, progress: Progress = SILENT_PROGRESS): Promise<WasmProgram> {
    const { memory } = context;
    const loading = progress.start('loading weights', program.buffers.filter((b) => b.role === 'weight').length);
    const resident: (WasmBuffer | undefined)[] = [];
    try {
      for (const b of program.buffers) {
        if (b.role === 'weight') {
          resident.push(memory.upload(weightStorage(b, weights.get(b.name!))));
          loading.advance();
        } else resident.push(b.role === 'constant' ? memory.upload(constantStorage(b)) : undefined);
      }
    } catch (e) {
      for (const r of resident) if (r) memory.free(r);
      throw e;
    } finally {
      loading.end();
    }
    const compiling = progress.start('compiling kernels', program.kernels.length);
    const scratch: Scratch = { buffers: [] };
    const release = () => {
      for (const r of [...resident, ...scratch.buffers]) if (r) memory.free(r);
    };
    try {
      const steps = await Promise.all(
        program.kernels.map(async (k) => {
          const step = k.body.kind === 'library' ? libraryStep(k, memory) : await compileKernel(k, program, resident, context, scratch);
          compiling.advance();
          return step;
        }),
      );
      return new WasmProgram(resident, steps, memory, release);
    } catch (e) {
      release();
      throw e;
    } finally {
      compiling.end();
    }
  }

  launch(params: Readonly<Record<string, number>>): Launch<WasmBuffer> {
    const memory = this.memory;
    return {
      copy: (from, to, dtype, size) => memory.copy(from, to, dtype, size),
      dispatch: (index, buffers) => this.steps[index]!(buffers, params),
      flush: async () => {},
      read: async (reads) => reads.map((r) => memory.view(r.buffer, r.dtype, r.size).slice()),
    };
  }

  dispose(): void {
    this.release();
  }
}
