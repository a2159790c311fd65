// A tensor kept on the device between runs (a KV cache): one storage buffer of the backend's pool. Reading it
// back is asynchronous; disposing it returns the buffer to the pool; donating it to a run hands the buffer over.

import { formatType, numel, type TensorData, type TensorType } from '../../ir/index.js';
import type { DeviceTensor } from '../backend.js';
import type { WebGpuContext } from './context.js';
import { readStorage } from './transfers.js';

export class WebGpuTensor implements DeviceTensor {
  readonly backend = 'webgpu';
  readonly type: TensorType;

  constructor(
    readonly context: WebGpuContext,
    type: TensorType,
    private held: GPUBuffer | undefined,
  ) {
    this.type = { dtype: type.dtype, shape: [...type.shape] };
  }

  /** The buffer, while the tensor still owns it. */
  get buffer(): GPUBuffer {
    if (this.held === undefined) throw new Error(`webgpu: this ${formatType(this.type)} tensor was disposed or donated to a run`);
    return this.held;
  }

  /** The buffer, giving up ownership (a donated input). */
  take(): GPUBuffer {
    const b = this.buffer;
    this.held = undefined;
    return b;
  }

  async read(): Promise<TensorData> {
    const data = await readStorage(this.context.gpu, this.context.staging, this.buffer, this.type.dtype, numel(this.type.shape));
    return { dtype: this.type.dtype, shape: [...this.type.shape], data };
  }

  dispose(): void {
    if (this.held === undefined) return;
    this.context.storage.release(this.held);
    this.held = undefined;
  }
}
