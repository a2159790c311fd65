// Compute pipelines, compiled once per shader and kept by key (the WGSL source unless the caller has a shorter
// signature). A shader that does not compile raises the compiler's messages with the offending source lines.

import type { WebGpuDevice } from './device.js';
import { GpuOperationError, ShaderCompileError } from './errors.js';

export interface ComputeKernel {
  readonly label: string;
  readonly pipeline: GPUComputePipeline;
  /** The layout of bind group 0, derived from the shader ('auto' layout). */
  readonly layout: GPUBindGroupLayout;
}

export interface KernelOptions {
  readonly label?: string;
  /** Cache key; defaults to the WGSL source. */
  readonly key?: string;
  readonly entryPoint?: string;
}

export class PipelineCache {
  private readonly kernels = new Map<string, Promise<ComputeKernel>>();

  constructor(private readonly gpu: WebGpuDevice) {}

  get size(): number {
    return this.kernels.size;
  }

  /** The kernel for `wgsl`, compiled on first request; concurrent requests share one compilation. */
  get(wgsl: string, options: KernelOptions = {}): Promise<ComputeKernel> {
    const key = options.key ?? wgsl;
    let kernel = this.kernels.get(key);
    if (kernel === undefined) {
      kernel = compileKernel(this.gpu, wgsl, options.label ?? 'kernel', options.entryPoint ?? 'main');
      this.kernels.set(key, kernel);
      // A failure is not kept, so that a later request reports it afresh rather than a stale rejection.
      kernel.catch(() => this.kernels.delete(key));
    }
    return kernel;
  }
}

async function compileKernel(gpu: WebGpuDevice, wgsl: string, label: string, entryPoint: string): Promise<ComputeKernel> {
  const what = `compile WGSL shader "${label}"`;
  const device = gpu.use(what);
  // Always scoped (not only in debug mode): otherwise a bad shader also surfaces as an uncaptured error later.
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label, code: wgsl });
  const scope = gpu.untilLost(device.popErrorScope(), what);
  const info = await gpu.untilLost(module.getCompilationInfo(), what);
  const validation = await scope;
  if (info.messages.some((m) => m.type === 'error')) throw new ShaderCompileError(label, wgsl, info.messages);
  if (validation !== null) throw new GpuOperationError(what, validation);
  const pipeline = await gpu.untilLost(
    device.createComputePipelineAsync({ label, layout: 'auto', compute: { module, entryPoint } }),
    `create the compute pipeline of shader "${label}" (entry point ${entryPoint})`,
  );
  return { label, pipeline, layout: pipeline.getBindGroupLayout(0) };
}
