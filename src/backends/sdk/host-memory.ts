// A device whose memory is the host's: buffers are storage arrays, host inputs are read in place, reads and
// uploads are copies, and kernels run as they are dispatched. The CPU backend and the worked example of
// docs/adding-a-backend.md are built on it.

import { allocStorage, type DType, type StorageArray } from '../../ir/index.js';
import type { DeviceBackend, Launch } from './device-backend.js';

/** The allocator of a host-memory DeviceBackend. */
export const hostMemory: Pick<DeviceBackend<StorageArray>, 'alloc' | 'upload' | 'view' | 'read' | 'free'> = {
  alloc: (dtype: DType, size: number) => allocStorage(dtype, size),
  upload: (data: StorageArray) => data.slice(),
  view: (data: StorageArray) => data,
  read: async (buffer: StorageArray, _dtype: DType, size: number) => buffer.slice(0, size),
  free: () => {},
};

/** A launch that runs kernel `index` on `buffers` at once with `run` (which throws on a failed index check). */
export function hostLaunch(run: (index: number, buffers: readonly StorageArray[]) => void): Launch<StorageArray> {
  return {
    copy: (from, to, _dtype, size) => to.set(from.subarray(0, size) as never),
    dispatch: run,
    flush: async () => {},
    read: async (reads) => reads.map((r) => r.buffer.slice(0, r.size)),
  };
}
