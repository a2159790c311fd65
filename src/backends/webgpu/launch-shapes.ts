// How big a workgroup is and how many outputs one contraction invocation computes, chosen per adapter.
//
// Software adapters (Mesa's lavapipe, SwiftShader) run a workgroup as SIMD lanes of one CPU thread: barriers are
// expensive and there is no fast shared memory, so register tiles win (on lavapipe, 4 x 4 register tiles ran GEMMs
// about 10x faster than 16 x 16 shared-memory tiles), and larger ones more so: on lavapipe an 8 x 8 tile ran GEMMs
// at 3.9-4.6 GFLOP/s where 4 x 4 gave 2.3-2.4 (`npm run bench -- webgpu`, same run, same peers). A real GPU hides
// latency with many resident invocations, so it gets larger workgroups and smaller tiles (fewer registers each).

import type { AdapterDescription, DeviceLimits } from './device.js';
import type { WgslLaunchShape } from './wgsl-shader.js';

/** Whether the adapter runs shaders on the CPU. */
export function isSoftwareAdapter(adapter: AdapterDescription): boolean {
  return adapter.architecture === 'software' || /llvmpipe|lavapipe|swiftshader|warp/i.test(`${adapter.architecture} ${adapter.description} ${adapter.device}`);
}

/** The launch shape for kernels on this adapter. */
export function adapterLaunchShape(adapter: AdapterDescription, limits: DeviceLimits): WgslLaunchShape {
  const software = isSoftwareAdapter(adapter);
  const tile = software ? 8 : 4;
  return {
    workgroupSize: Math.min(software ? 64 : 256, limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX),
    tileRows: tile,
    tileCols: tile,
    maxWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
  };
}

/** Contraction invocations keep a whole tile of accumulators in registers, so their workgroups stay small. */
const CONTRACTION_WORKGROUP = 64;

/** The shape for one contraction: fewer tile rows when the product has fewer rows (a decode step's matvec). */
export function contractionLaunchShape(shape: WgslLaunchShape, rows: number): WgslLaunchShape {
  return { ...shape, workgroupSize: Math.min(shape.workgroupSize, CONTRACTION_WORKGROUP), tileRows: Math.max(1, Math.min(shape.tileRows, rows)) };
}
