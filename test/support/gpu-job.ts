// A GPU job: one WGSL compute shader, its buffers (binding i of group 0 is buffers[i]) and a workgroup count; the
// runner uploads, dispatches, and reads back the buffers marked for reading. Plain data in and out, so the same job
// runs on Dawn in Node and, serialised, on navigator.gpu in a browser page (test/browser/).

import type { WebGpuDevice } from '../../src/backends/webgpu/index.js';
import {
  BufferPool,
  dispatch,
  PipelineCache,
  READBACK_USAGE,
  readStorage,
  STORAGE_USAGE,
  UNIFORM_USAGE,
  uploadStorage,
  workgroupGrid,
} from '../../src/backends/webgpu/index.js';

export interface GpuJobBuffer {
  readonly kind: 'storage' | 'uniform';
  /** Initial contents (uniform buffers need them); storage buffers without data start undefined. */
  readonly data?: Uint8Array;
  /** Size in bytes; defaults to the data's. */
  readonly byteLength?: number;
  /** Read this buffer back after the dispatch. */
  readonly read?: boolean;
}

export interface GpuJob {
  readonly label: string;
  readonly wgsl: string;
  readonly buffers: readonly GpuJobBuffer[];
  /** Linear workgroup count; the runner lays it out with workgroupGrid (see there for the index formula). */
  readonly workgroups: number;
}

/** Outputs by binding: the bytes of each buffer marked `read`, undefined for the others. */
export type GpuJobOutputs = (Uint8Array | undefined)[];

export class GpuJobRunner {
  private readonly storage: BufferPool;
  private readonly uniforms: BufferPool;
  private readonly staging: BufferPool;
  private readonly kernels: PipelineCache;

  constructor(readonly gpu: WebGpuDevice) {
    this.storage = new BufferPool(gpu, STORAGE_USAGE, 'job storage');
    this.uniforms = new BufferPool(gpu, UNIFORM_USAGE, 'job uniforms');
    this.staging = new BufferPool(gpu, READBACK_USAGE, 'job readback');
    this.kernels = new PipelineCache(gpu);
  }

  async run(job: GpuJob): Promise<GpuJobOutputs> {
    const kernel = await this.kernels.get(job.wgsl, { label: job.label });
    const buffers = job.buffers.map((b) => this.bufferFor(b, job.label));
    try {
      await dispatch(this.gpu, kernel, buffers, workgroupGrid(job.workgroups, this.gpu.limits.maxComputeWorkgroupsPerDimension));
      return await Promise.all(
        job.buffers.map(async (b, i) => (b.read ? ((await readStorage(this.gpu, this.staging, buffers[i], 'u8', byteLengthOf(b))) as Uint8Array) : undefined)),
      );
    } finally {
      job.buffers.forEach((b, i) => (b.kind === 'uniform' ? this.uniforms : this.storage).release(buffers[i]));
    }
  }

  private bufferFor(b: GpuJobBuffer, label: string): GPUBuffer {
    const pool = b.kind === 'uniform' ? this.uniforms : this.storage;
    if (b.data !== undefined) return uploadStorage(this.gpu, pool, b.data);
    if (b.kind === 'uniform') throw new Error(`job "${label}": a uniform buffer needs data`);
    return pool.acquire(byteLengthOf(b));
  }
}

function byteLengthOf(b: GpuJobBuffer): number {
  const n = b.byteLength ?? b.data?.byteLength;
  if (n === undefined) throw new Error('job buffer: neither data nor byteLength given');
  return n;
}
