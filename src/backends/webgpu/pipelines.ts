// Compute pipelines, compiled once per shader and kept by key (the WGSL source unless the caller has a shorter
// signature), and each run once on no workgroups before its first real dispatch (runOnce). A shader that does not
// compile raises the compiler's messages with the offending source lines.

import { STORAGE } from './buffer-usage.js';
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

/** GPUBufferUsage.INDIRECT */
const INDIRECT = 0x0100;

/**
 * Bytes of scratch storage per binding of a first run: every storage binding is a runtime-sized array (wgsl-shader.ts)
 * whose minimum binding size is one element, 16 bytes at most; 256 is an offset alignment every device accepts.
 */
export const SCRATCH_BINDING_BYTES = 256;

/**
 * What a first run binds: bind group 0's entries, given a scratch range for each storage binding by index and access
 * (one buffer may not be read-only storage and writable storage in one dispatch, so each access has its own).
 */
export type FirstRunBindings = (scratch: (binding: number, access: 'read-only' | 'read-write') => GPUBufferBinding) => GPUBindGroupEntry[];

export class PipelineCache {
  private readonly kernels = new Map<string, Promise<ComputeKernel>>();
  private readonly firstRuns = new WeakMap<GPUComputePipeline, Promise<void>>();
  /** The scratch storage by access and the indirect arguments (three zeros) of first runs, made at the first. */
  private firstRunBuffers: { readonly scratch: Record<'read-only' | 'read-write', GPUBuffer>; readonly noWorkgroups: GPUBuffer } | undefined;

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

  /**
   * Runs `kernel` once on no workgroups, the first time it is asked to: a driver that compiles a shader only when it
   * first runs (Mesa's lavapipe: from a fraction of a second to seconds per shader) compiles it here, while a program
   * is prepared, not in its first run, where a profile would count it as the kernel's time. The workgroup count comes
   * from an indirect buffer of zeros (Dawn warns about a direct dispatch of none).
   */
  runOnce(kernel: ComputeKernel, bindings: FirstRunBindings): Promise<void> {
    let run = this.firstRuns.get(kernel.pipeline);
    if (run === undefined) {
      run = this.dispatchNothing(kernel, bindings);
      this.firstRuns.set(kernel.pipeline, run);
      run.catch(() => this.firstRuns.delete(kernel.pipeline));
    }
    return run;
  }

  private async dispatchNothing(kernel: ComputeKernel, bindings: FirstRunBindings): Promise<void> {
    const what = `run the pipeline of shader "${kernel.label}" once, on no workgroups`;
    const device = this.gpu.use(what);
    const scratchBuffer = (access: string) =>
      device.createBuffer({ label: `first-run scratch (${access})`, size: SCRATCH_BINDING_BYTES * (this.gpu.limits.maxStorageBuffersPerShaderStage + 1), usage: STORAGE });
    const { scratch, noWorkgroups } = (this.firstRunBuffers ??= {
      scratch: { 'read-only': scratchBuffer('read-only'), 'read-write': scratchBuffer('read-write') },
      noWorkgroups: device.createBuffer({ label: 'no workgroups', size: 12, usage: INDIRECT }),
    });
    device.pushErrorScope('validation');
    const entries = bindings((binding, access) => ({ buffer: scratch[access], offset: SCRATCH_BINDING_BYTES * binding, size: SCRATCH_BINDING_BYTES }));
    const encoder = device.createCommandEncoder({ label: what });
    const pass = encoder.beginComputePass({ label: what });
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, device.createBindGroup({ label: kernel.label, layout: kernel.layout, entries }));
    pass.dispatchWorkgroupsIndirect(noWorkgroups, 0);
    pass.end();
    device.queue.submit([encoder.finish()]);
    const validation = await this.gpu.untilLost(device.popErrorScope(), what);
    if (validation !== null) throw new GpuOperationError(what, validation);
    await this.gpu.untilLost(device.queue.onSubmittedWorkDone(), what);
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
