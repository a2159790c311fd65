// What every program, run and tensor of one WebGPU backend shares: the device, its buffer pools, the pipeline cache
// and the launch shape chosen for its adapter.

import { STORAGE_USAGE, READBACK_USAGE } from './buffer-usage.js';
import { BufferPool } from './buffer-pool.js';
import type { WebGpuDevice } from './device.js';
import { adapterLaunchShape } from './launch-shapes.js';
import { PipelineCache } from './pipelines.js';
import type { WgslLaunchShape } from './wgsl-shader.js';

export class WebGpuContext {
  readonly storage: BufferPool;
  readonly staging: BufferPool;
  readonly pipelines: PipelineCache;
  readonly shape: WgslLaunchShape;

  constructor(readonly gpu: WebGpuDevice) {
    this.storage = new BufferPool(gpu, STORAGE_USAGE, 'dsv3 tensors');
    this.staging = new BufferPool(gpu, READBACK_USAGE, 'dsv3 readback');
    this.pipelines = new PipelineCache(gpu);
    this.shape = adapterLaunchShape(gpu.adapter, gpu.limits);
  }
}
