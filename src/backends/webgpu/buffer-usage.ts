// The WebGPU buffer usage and map-mode flags by their values in the specification. In Node the GPUBufferUsage and
// GPUMapMode globals only exist once Dawn's globals are installed, which happens when the first device is acquired,
// after these modules have loaded.

export const MAP_READ = 0x0001;
export const COPY_SRC = 0x0004;
export const COPY_DST = 0x0008;
export const UNIFORM = 0x0040;
export const STORAGE = 0x0080;

/** GPUMapMode.READ */
export const MAP_MODE_READ = 0x0001;

/** Storage buffers that tensors live in: bound to kernels, written by uploads, read back by copies. */
export const STORAGE_USAGE = STORAGE | COPY_SRC | COPY_DST;
/** Staging buffers that readbacks map. */
export const READBACK_USAGE = MAP_READ | COPY_DST;
/** Uniform buffers of runtime scalars, rewritten between runs. */
export const UNIFORM_USAGE = UNIFORM | COPY_DST;
