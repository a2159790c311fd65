// Device acquisition and its failure modes: no adapter, a lost device, errors the device reports.

import { describe, expect, it } from 'vitest';
import {
  acquireDevice,
  BufferPool,
  DeviceLostError,
  dispatch,
  GpuOperationError,
  NoAdapterError,
  PipelineCache,
  READBACK_USAGE,
  readStorage,
  REQUESTED_LIMITS,
  STORAGE_USAGE,
  uploadStorage,
} from '../../../src/backends/webgpu/index.js';
import { useWebGpu } from '../../support/webgpu.js';

describe('without an adapter', () => {
  it('says that no adapter was found and how to get one', async () => {
    const gpuWithoutAdapters = { requestAdapter: async () => null } as unknown as GPU;
    const failure = acquireDevice(gpuWithoutAdapters);
    await expect(failure).rejects.toBeInstanceOf(NoAdapterError);
    await expect(failure).rejects.toThrow(/No WebGPU adapter was found/);
    await expect(failure).rejects.toThrow(/apt-get install -t bookworm-backports mesa-vulkan-drivers/);
    await expect(failure).rejects.toThrow(/XDG_RUNTIME_DIR/);
  });
});

describe('on a device', () => {
  const gpu = useWebGpu();

  it('reports the adapter and the limits it requested', () => {
    const { adapter, limits, device } = gpu();
    expect(typeof adapter.vendor).toBe('string');
    expect(typeof adapter.architecture).toBe('string');
    expect(typeof adapter.description).toBe('string');
    for (const name of REQUESTED_LIMITS) {
      expect(limits[name], name).toBe(device.limits[name]);
      expect(limits[name], name).toBeGreaterThan(0);
    }
    // At least WebGPU's defaults: the device asked for the adapter's maximum.
    expect(limits.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(8);
    expect(limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
  });

  it('raises a lost device at the next use, synchronously or as a rejection, never hanging', async () => {
    const own = await acquireDevice();
    const storage = new BufferPool(own, STORAGE_USAGE, 'storage');
    const staging = new BufferPool(own, READBACK_USAGE, 'staging');
    const buffer = uploadStorage(own, storage, new Float32Array([1, 2, 3]));
    own.destroy();
    expect(own.isLost).toBe(true);
    expect(() => uploadStorage(own, storage, new Float32Array([1]))).toThrow(DeviceLostError);
    expect(() => storage.acquire(16)).toThrow(/device lost \(destroyed.*cannot allocate 16 bytes/);
    await expect(readStorage(own, staging, buffer, 'f32', 3)).rejects.toThrow(DeviceLostError);
    await expect(new PipelineCache(own).get('@compute @workgroup_size(1) fn main() {}')).rejects.toThrow(DeviceLostError);
    await expect(own.lost).resolves.toBeInstanceOf(DeviceLostError);
  });

  it('turns a device destroyed behind its back into a rejected readback, not a hang', async () => {
    const own = await acquireDevice();
    const storage = new BufferPool(own, STORAGE_USAGE, 'storage');
    const buffer = uploadStorage(own, storage, new Int32Array([7, 8]));
    own.device.destroy();
    await expect(readStorage(own, new BufferPool(own, READBACK_USAGE, 'staging'), buffer, 'i32', 2)).rejects.toThrow(
      /device lost|could not read back 2 i32 elements/,
    );
    await own.lost;
    expect(() => own.use('upload')).toThrow(DeviceLostError);
  }, 10_000);

  it('raises an error the device reported outside any error scope at the next use, once', async () => {
    const own = await acquireDevice();
    own.device.createBuffer({ size: 16, usage: READBACK_USAGE | STORAGE_USAGE });
    await own.device.queue.onSubmittedWorkDone();
    expect(() => own.use('upload weights')).toThrow(GpuOperationError);
    expect(() => own.use('upload weights')).not.toThrow();
    own.destroy();
  });

  it('in debug mode, rejects a dispatch the device finds invalid and names the kernel', async () => {
    const own = await acquireDevice(undefined, { debug: true });
    const kernel = await new PipelineCache(own).get(
      '@group(0) @binding(0) var<storage, read_write> out: array<u32, 64>;\n@compute @workgroup_size(1) fn main() { out[0] = 1u; }',
      { label: 'fixed-size output' },
    );
    const small = new BufferPool(own, STORAGE_USAGE, 'storage').acquire(16);
    // The shader needs 256 bytes at binding 0; a 16-byte range is invalid.
    await expect(dispatch(own, kernel, [{ buffer: small, size: 16 }], [1, 1, 1])).rejects.toThrow(
      /GPUValidationError while trying to dispatch kernel "fixed-size output" on 1x1x1 workgroups/,
    );
    own.destroy();
  });
});
