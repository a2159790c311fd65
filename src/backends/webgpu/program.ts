// A compiled Program prepared on one device: every kernel rendered to WGSL (expressions: render-wgsl.ts; library
// routines: library.ts) with its pipeline compiled and run once on no workgroups (pipelines.ts: so that a driver
// compiling at the first dispatch does it now; kernels that differ only in name share one pipeline), weights and
// constants on the device, temporaries allocated once. A run (launch.ts) supplies the per-run buffers (inputs and
// outputs) by buffer id; `encodeKernel` records a kernel as a dispatch of a compute pass, and `failure` reads the
// index-check words a run left behind.

import type { BufferDesc, Kernel, Program } from '../../compiler/kernel.js';
import type { WeightStore } from '../../ir/index.js';
import { SILENT_PROGRESS, type Progress } from '../progress.js';
import type { Launch, PreparedProgram } from '../sdk/device-backend.js';
import { constantStorage } from '../sdk/program-storage.js';
import type { WebGpuContext } from './context.js';
import { WebGpuLaunch } from './launch.js';
import { contractionLaunchShape } from './launch-shapes.js';
import { renderLibrary } from './library.js';
import type { ComputeKernel } from './pipelines.js';
import { renderWgsl } from './render-wgsl.js';
import type { ResidentWeights } from './resident-weights.js';
import { packedByteLength, uploadStorage } from './transfers.js';
import { UniformBlock } from './uniforms.js';
import { pipelineKey, type RenderedKernel, type WgslLaunchShape } from './wgsl-shader.js';

/** Each checking kernel's error word sits at its own offset: the largest minStorageBufferOffsetAlignment allowed. */
const ERROR_WORD_STRIDE = 256;

export interface PreparedKernel {
  readonly kernel: Kernel;
  readonly rendered: RenderedKernel;
  readonly compute: ComputeKernel;
  /** The kernel's runtime parameters, rewritten before each run. */
  readonly uniforms: UniformBlock | undefined;
  /** Byte offset of the kernel's error word in a run's error buffer. */
  readonly errorOffset: number | undefined;
}

/** The WGSL of any kernel of a program, with the launch shape adapted to its size. */
export function renderKernel(k: Kernel, shape: WgslLaunchShape): RenderedKernel {
  if (k.body.kind === 'library') return renderLibrary(k, shape);
  return renderWgsl(k, k.body.kind === 'contraction' ? contractionLaunchShape(shape, k.body.m) : shape);
}

/** Bytes bound for buffer `b`: its packed length (at least one word). */
export const boundBytes = (b: Pick<BufferDesc, 'dtype' | 'size'>): number => Math.max(packedByteLength(b.dtype, b.size), 4);

export class WebGpuProgram implements PreparedProgram<GPUBuffer> {
  /** Buffers living as long as the program (weights, constants, temporaries) by id; inputs and outputs come per run. */
  readonly resident: readonly (GPUBuffer | undefined)[];
  /** Bytes of a run's error buffer (0 when no kernel checks indices). */
  readonly errorBytes: number;

  private constructor(
    private readonly context: WebGpuContext,
    readonly program: Program,
    readonly kernels: readonly PreparedKernel[],
    private readonly weights: { readonly store: WeightStore; readonly resident: ResidentWeights },
    progress: Progress,
  ) {
    const { gpu, storage } = context;
    const limit = gpu.limits.maxStorageBufferBindingSize;
    for (const b of program.buffers) {
      if (boundBytes(b) > limit) throw new Error(`webgpu: buffer ${b.id}${b.name ? ` (${b.name})` : ''} of ${b.size} ${b.dtype} takes ${boundBytes(b)} bytes, over the device's maxStorageBufferBindingSize (${limit})`);
    }
    const loading = progress.start('loading weights', program.buffers.filter((b) => b.role === 'weight').length);
    try {
      this.resident = program.buffers.map((b) => {
        if (b.role === 'constant') return uploadStorage(gpu, storage, constantStorage(b));
        if (b.role === 'temp') return storage.acquire(boundBytes(b));
        if (b.role !== 'weight') return undefined;
        const buffer = weights.resident.acquire(weights.store, b);
        loading.advance();
        return buffer;
      });
    } finally {
      loading.end();
    }
    this.errorBytes = kernels.filter((k) => k.errorOffset !== undefined).length * ERROR_WORD_STRIDE;
  }

  /**
   * Renders every kernel, compiles its pipeline (shared through the context's cache by WGSL source) and runs it once,
   * then binds the weights; `progress` is told of both.
   */
  static async create(
    context: WebGpuContext,
    program: Program,
    weights: { readonly store: WeightStore; readonly resident: ResidentWeights },
    progress: Progress = SILENT_PROGRESS,
  ): Promise<WebGpuProgram> {
    let errorWords = 0;
    const compiling = progress.start('compiling pipelines', program.kernels.length);
    let kernels: PreparedKernel[];
    try {
      kernels = await Promise.all(
        program.kernels.map(async (kernel): Promise<PreparedKernel> => {
          const rendered = renderKernel(kernel, context.shape);
          const compute = await context.pipelines.get(rendered.wgsl, { label: kernel.name, key: pipelineKey(rendered.wgsl) });
          const uniforms = kernel.params.length ? new UniformBlock(context.gpu, kernel.params.map((_, i) => ({ name: `p${i}`, type: 'i32' })), `${kernel.name} params`) : undefined;
          await context.pipelines.runOnce(compute, (scratch) =>
            rendered.bindings.map((role, i): GPUBindGroupEntry => ({
              binding: i,
              resource: role.kind === 'params' ? { buffer: uniforms!.buffer } : scratch(i, role.kind === 'input' ? 'read-only' : 'read-write'),
            })),
          );
          compiling.advance();
          return { kernel, rendered, compute, uniforms, errorOffset: rendered.checks.length ? ERROR_WORD_STRIDE * errorWords++ : undefined };
        }),
      );
    } finally {
      compiling.end();
    }
    return new WebGpuProgram(context, program, kernels, weights, progress);
  }

  /** Writes the runtime parameters of every kernel; visible to work submitted afterwards. */
  writeParams(params: Readonly<Record<string, number>>): void {
    for (const { kernel, uniforms } of this.kernels) uniforms?.write(kernel.params.map((p) => params[p]!));
  }

  launch(params: Readonly<Record<string, number>>): Launch<GPUBuffer> {
    return new WebGpuLaunch(this.context, this, params);
  }

  /**
   * Records kernel `index` as a dispatch of `pass`; `buffers` holds a GPU buffer for every buffer id, `errors` the
   * run's error buffer (cleared) when errorBytes > 0.
   */
  encodeKernel(pass: GPUComputePassEncoder, index: number, buffers: readonly GPUBuffer[], errors: GPUBuffer | undefined): void {
    const device = this.context.gpu.use(`encode the kernels of ${this.program.name}`);
    const binding = (id: number): GPUBufferBinding => ({ buffer: buffers[id]!, offset: 0, size: boundBytes(this.program.buffers[id]!) });
    const { kernel, rendered, compute, uniforms, errorOffset } = this.kernels[index]!;
    const entries = rendered.bindings.map((role, i): GPUBindGroupEntry => {
      const resource =
        role.kind === 'input' ? binding(kernel.inputs[role.slot]!.buffer)
        : role.kind === 'output' ? binding(kernel.outputs[role.slot]!.buffer)
        : role.kind === 'params' ? { buffer: uniforms!.buffer }
        : { buffer: errors!, offset: errorOffset!, size: 4 };
      return { binding: i, resource };
    });
    pass.setPipeline(compute.pipeline);
    pass.setBindGroup(0, device.createBindGroup({ label: kernel.name, layout: compute.layout, entries }));
    pass.dispatchWorkgroups(...rendered.grid);
  }

  /** The error of the first kernel whose index check failed, given the words of a run's error buffer. */
  failure(words: Uint32Array): Error | undefined {
    for (const { kernel, rendered, errorOffset } of this.kernels) {
      if (errorOffset === undefined) continue;
      const site = words[errorOffset / 4]!;
      if (site === 0) continue;
      const check = rendered.checks[site - 1]!;
      const origin = kernel.origin.length ? ` (from ${kernel.origin.join('/')})` : '';
      return new RangeError(`webgpu: kernel ${kernel.name}${origin} failed: ${check.what}: an index is out of range (expected 0 <= index < ${check.bound})`);
    }
    return undefined;
  }

  dispose(): void {
    this.program.buffers.forEach((b, id) => {
      const buffer = this.resident[id];
      if (buffer === undefined) return;
      if (b.role === 'weight') this.weights.resident.release(this.weights.store, b.name!);
      else this.context.storage.release(buffer);
    });
    for (const k of this.kernels) k.uniforms?.destroy();
  }
}
