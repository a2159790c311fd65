// Launch shapes per adapter: software adapters get CPU-friendly workgroups, real GPUs larger ones; both within the
// device's limits, and a contraction's tile never has more rows than its product.

import { describe, expect, it } from 'vitest';
import { adapterLaunchShape, contractionLaunchShape, isSoftwareAdapter, type AdapterDescription, type DeviceLimits } from '../../../src/backends/webgpu/index.js';

const adapter = (vendor: string, architecture: string, description: string): AdapterDescription => ({ vendor, architecture, description, device: '' });
const limits = (invocations: number): DeviceLimits =>
  ({ maxComputeInvocationsPerWorkgroup: invocations, maxComputeWorkgroupSizeX: invocations, maxComputeWorkgroupsPerDimension: 65535 }) as DeviceLimits;

describe('launch shapes', () => {
  it('tell software adapters from GPUs', () => {
    expect(isSoftwareAdapter(adapter('mesa', 'software', 'llvmpipe (LLVM 19.1.7, 256 bits)'))).toBe(true);
    expect(isSoftwareAdapter(adapter('google', 'swiftshader', ''))).toBe(true);
    expect(isSoftwareAdapter(adapter('nvidia', 'hopper', 'NVIDIA H200'))).toBe(false);
  });

  it('size workgroups per adapter, within its limits', () => {
    expect(adapterLaunchShape(adapter('mesa', 'software', 'llvmpipe'), limits(1024))).toMatchObject({ workgroupSize: 64, tileRows: 8, tileCols: 8 });
    expect(adapterLaunchShape(adapter('nvidia', 'hopper', ''), limits(1024))).toMatchObject({ workgroupSize: 256, tileRows: 4, tileCols: 4 });
    expect(adapterLaunchShape(adapter('nvidia', 'hopper', ''), limits(128)).workgroupSize).toBe(128);
  });

  it('give a matvec one row per invocation', () => {
    const shape = adapterLaunchShape(adapter('mesa', 'software', 'llvmpipe'), limits(1024));
    expect(contractionLaunchShape(shape, 1).tileRows).toBe(1);
    expect(contractionLaunchShape(shape, 3).tileRows).toBe(3);
    expect(contractionLaunchShape(shape, 100).tileRows).toBe(8);
    expect(contractionLaunchShape(adapterLaunchShape(adapter('nvidia', 'hopper', ''), limits(1024)), 100).workgroupSize).toBe(64);
  });
});
