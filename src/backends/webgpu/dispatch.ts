// Running a compiled kernel once: bind buffers to group 0, dispatch a grid of workgroups, submit.

import type { WebGpuDevice } from './device.js';
import type { ComputeKernel } from './pipelines.js';

/** A whole buffer, or a range of one. */
export type KernelBinding = GPUBuffer | GPUBufferBinding;

export type WorkgroupGrid = readonly [number, number, number];

/**
 * A grid of at least `workgroups` workgroups within `limit` per dimension (maxComputeWorkgroupsPerDimension). A grid
 * may hold more than asked, so a kernel computes its linear workgroup index as
 * `(wid.z * nwg.y + wid.y) * nwg.x + wid.x` (wid: workgroup_id, nwg: num_workgroups) and skips indices past the count.
 */
export function workgroupGrid(workgroups: number, limit: number): WorkgroupGrid {
  if (!Number.isSafeInteger(workgroups) || workgroups < 0) throw new RangeError(`workgroupGrid: ${workgroups} workgroups; expected a non-negative integer`);
  if (workgroups > limit ** 3) throw new RangeError(`workgroupGrid: ${workgroups} workgroups exceed ${limit}^3, the most a dispatch holds`);
  const x = Math.min(workgroups, limit);
  const rows = Math.ceil(workgroups / Math.max(x, 1));
  const y = Math.min(rows, limit);
  return [x, y, Math.ceil(rows / Math.max(y, 1))];
}

/**
 * Dispatches `kernel` with `bindings[i]` at binding i of group 0. Resolves once submitted; in debug mode once the
 * device has validated it (rejecting with its error).
 */
export function dispatch(gpu: WebGpuDevice, kernel: ComputeKernel, bindings: readonly KernelBinding[], grid: WorkgroupGrid): Promise<void> {
  return gpu.scoped(`dispatch kernel "${kernel.label}" on ${grid.join('x')} workgroups`, (device) => {
    const bindGroup = device.createBindGroup({
      label: kernel.label,
      layout: kernel.layout,
      entries: bindings.map((b, binding) => ({ binding, resource: 'buffer' in b ? b : { buffer: b } })),
    });
    const encoder = device.createCommandEncoder({ label: kernel.label });
    const pass = encoder.beginComputePass({ label: kernel.label });
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
    pass.end();
    device.queue.submit([encoder.finish()]);
  });
}
