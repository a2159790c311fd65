// A compiled Program prepared on the wasm backend: weights and constants copied into the linear memory once, every
// map, reduce and contraction kernel compiled to a WebAssembly module of its own (contractions that pay run the SIMD
// GEMM of gemm.ts), and library kernels run by the reference's routines on views of the linear memory.

import type { Kernel, Program } from '../../compiler/kernel.js';
import { numel, type WeightStore } from '../../ir/index.js';
import { libraryKernel } from '../reference/library.js';
import { SILENT_PROGRESS, type Progress } from '../progress.js';
import type { Launch, PreparedProgram } from '../sdk/device-backend.js';
import { constantStorage, weightStorage } from '../sdk/program-storage.js';
import { gemmPlan, packB } from './gemm.js';
import { importObject } from './imports.js';
import { moduleOf, type RenderedKernel } from './kernel-module.js';
import type { LinearMemory, WasmBuffer } from './linear-memory.js';
import { renderKernel } from './render-kernel.js';
import { encodeModule, watText, type WasmModule } from './wasm-module.js';

type Step = (buffers: readonly WasmBuffer[], params: Readonly<Record<string, number>>) => void;

/** A kernel's module, ready to compile, and what its imports need. */
export interface KernelModule {
  readonly module: WasmModule;
  readonly imports: readonly string[];
  readonly what: readonly string[];
}

export function kernelModule(k: Kernel, sharedMemory: boolean, fma: boolean): KernelModule {
  const rendered: RenderedKernel = renderKernel(k, fma);
  return { ...moduleOf(rendered, sharedMemory), what: rendered.what };
}

/** The WAT of kernel `k`, for dumps; undefined for a library kernel. */
export const kernelWat = (k: Kernel, sharedMemory: boolean, fma: boolean): string | undefined =>
  k.body.kind === 'library' ? undefined : watText(kernelModule(k, sharedMemory, fma).module);

type KernelFunction = (...pointersAndParams: number[]) => void;

/** What a kernel's step holds in the linear memory besides the program's buffers (the GEMM's packed B and product). */
interface Scratch {
  readonly buffers: WasmBuffer[];
}

async function compileKernel(k: Kernel, program: Program, resident: readonly (WasmBuffer | undefined)[], memory: LinearMemory, fma: boolean, scratch: Scratch): Promise<Step> {
  const m = kernelModule(k, memory.shared, fma);
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(encodeModule(m.module)), importObject(memory.memory, m.imports, m.what));
  const fn = instance.exports.kernel as KernelFunction;
  const pointers = (buffers: readonly WasmBuffer[]) => [...k.inputs.map((b) => buffers[b.buffer]!.ptr), ...k.outputs.map((b) => buffers[b.buffer]!.ptr)];
  const b = k.body;
  const plan = b.kind === 'contraction' ? gemmPlan(b) : undefined;
  if (b.kind !== 'contraction' || !plan) return (buffers, params) => fn(...pointers(buffers), ...k.params.map((p) => params[p]!));

  const batches = numel(b.batch);
  const product = memory.alloc(batches * b.m * plan.paddedN * 4);
  const packed = memory.alloc(batches * plan.paddedN * b.k * 4);
  scratch.buffers.push(product, packed);
  const bInput = k.inputs[plan.b.slot]!;
  const pack = (source: WasmBuffer) => {
    const src = memory.view(source, 'f32', bInput.size) as Float32Array;
    const dst = memory.view(packed, 'f32', batches * plan.paddedN * b.k) as Float32Array;
    for (let i = 0; i < batches; i++) packB(b, plan, src, i, dst, i * plan.paddedN * b.k);
  };
  // A weight or constant B is packed once, here; any other every run.
  const role = program.buffers[bInput.buffer]!.role;
  const constantB = role === 'weight' || role === 'constant';
  if (constantB) pack(resident[bInput.buffer]!);
  return (buffers, params) => {
    if (!constantB) pack(buffers[bInput.buffer]!);
    fn(...pointers(buffers), ...k.params.map((p) => params[p]!), product.ptr, packed.ptr);
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

  static async prepare(program: Program, weights: WeightStore, memory: LinearMemory, fma: boolean, progress: Progress = SILENT_PROGRESS): Promise<WasmProgram> {
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
          const step = k.body.kind === 'library' ? libraryStep(k, memory) : await compileKernel(k, program, resident, memory, fma, scratch);
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
