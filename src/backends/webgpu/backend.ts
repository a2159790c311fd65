// The WebGPU backend: a DeviceBackend run by the shared driver. One code path for Node and browsers: the environment
// supplies the GPU object (navigator.gpu, or Dawn through the `webgpu` package), or the caller passes a device. The
// compiler is told what the device needs (no in-place kernels, a buffer limit per kernel), WebGPU claims the FP8
// recipe (claims.ts: bit-exact with the CPU), each program binds its weights once (shared by every program of a
// weight store) and runs with runtime parameters in uniforms, in one submission per run (launch.ts).

import type { StorageArray } from '../../ir/index.js';
import type { DeviceBackend, DeviceCompileOptions } from '../sdk/device-backend.js';
import { driveBackend, type DrivenBackend, type DriverOptions } from '../sdk/driver.js';
import { WEBGPU_CLAIMS } from './claims.js';
import { WebGpuContext } from './context.js';
import { acquireDevice, type AcquireOptions, type WebGpuDevice } from './device.js';
import { boundBytes, renderKernel, WebGpuProgram } from './program.js';
import { ResidentWeights } from './resident-weights.js';
import { readStorage, uploadStorage } from './transfers.js';

export interface WebGpuBackendOptions extends DriverOptions {
  /** The GPU object to take an adapter from (default: the environment's). */
  readonly gpu?: GPU;
  /** A device to use; the backend then leaves it alive when disposed. */
  readonly device?: WebGpuDevice;
  readonly acquire?: AcquireOptions;
}

/** Bindings each kernel may take beyond its buffers: the error word (the params uniform is not a storage buffer). */
const EXTRA_STORAGE_BINDINGS = 1;

/** What the compiler is told for this device: no in-place kernels, and as many buffers per kernel as it can bind. */
const compileOptionsFor = (gpu: WebGpuDevice): DeviceCompileOptions => ({ inPlace: false, maxBuffersPerKernel: gpu.limits.maxStorageBuffersPerShaderStage - EXTRA_STORAGE_BINDINGS });

/** WebGPU as a DeviceBackend; `context` is the device, pools and pipeline cache its programs share. */
export interface WebGpuDeviceBackend extends DeviceBackend<GPUBuffer> {
  readonly context: WebGpuContext;
}

/** The DeviceBackend of `gpu`; disposing it destroys the device when `ownsDevice`. */
export function webgpuDeviceBackend(gpu: WebGpuDevice, ownsDevice: boolean): WebGpuDeviceBackend {
  const context = new WebGpuContext(gpu);
  const weights = new ResidentWeights(context);
  return {
    name: 'webgpu',
    runsOn: gpu.adapter.description || gpu.adapter.device || gpu.adapter.vendor,
    context,
    compileOptions: compileOptionsFor(gpu),
    claims: WEBGPU_CLAIMS,
    alloc: (dtype, size) => context.storage.acquire(boundBytes({ dtype, size })),
    upload: (data: StorageArray) => uploadStorage(gpu, context.storage, data),
    read: (buffer, dtype, size) => readStorage(gpu, context.staging, buffer, dtype, size),
    free: (buffer) => context.storage.release(buffer),
    prepare: (program, store, progress) => WebGpuProgram.create(context, program, { store, resident: weights }, progress),
    kernelSource: (k) => ({ file: `${k.name}.wgsl`, text: renderKernel(k, context.shape).wgsl }),
    dispose() {
      context.storage.trim();
      context.staging.trim();
      if (ownsDevice) gpu.destroy();
    },
  };
}

export type WebGpuBackend = DrivenBackend<GPUBuffer> & { readonly device: WebGpuDeviceBackend };

export async function webgpuBackend(options: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
  const gpu = options.device ?? (await acquireDevice(options.gpu, options.acquire));
  const device = webgpuDeviceBackend(gpu, options.device === undefined);
  return driveBackend(device, options) as WebGpuBackend;
}
