// A tensor kept where a backend keeps it between runs (a KV cache): one buffer of its DeviceBackend, owned by the
// tensor until it is disposed or donated to a run, which then takes the buffer over.

import { formatType, numel, type TensorData, type TensorType } from '../../ir/index.js';
import type { DeviceTensor } from '../backend.js';
import type { DeviceBackend } from './device-backend.js';

export class BufferTensor<B> implements DeviceTensor {
  readonly type: TensorType;

  constructor(
    /** The backend holding the buffer (only its name, read and free are used). */
    readonly device: Pick<DeviceBackend<B>, 'name' | 'read' | 'free'>,
    type: TensorType,
    private held: B | undefined,
  ) {
    this.type = { dtype: type.dtype, shape: [...type.shape] };
  }

  get backend(): string {
    return this.device.name;
  }

  /** The buffer, while the tensor still owns it. */
  get buffer(): B {
    if (this.held === undefined) throw new Error(`${this.device.name}: this ${formatType(this.type)} tensor was disposed or donated to a run`);
    return this.held;
  }

  /** The buffer, giving up ownership (a donated input). */
  take(): B {
    const b = this.buffer;
    this.held = undefined;
    return b;
  }

  async read(): Promise<TensorData> {
    const data = await this.device.read(this.buffer, this.type.dtype, numel(this.type.shape));
    return { dtype: this.type.dtype, shape: [...this.type.shape], data };
  }

  /** `t`, a run's input `what`, as a live tensor of `device` itself; anything else is an error naming its owner. */
  static ownedBy<B>(device: Pick<DeviceBackend<B>, 'name'>, what: string, t: DeviceTensor): BufferTensor<B> {
    if (!(t instanceof BufferTensor) || t.device !== device) {
      const owner = t.backend === device.name ? `another ${t.backend} backend` : `backend ${t.backend}`;
      throw new Error(`${what} lives on ${owner}, not this ${device.name} backend`);
    }
    void t.buffer; // throws if the tensor was disposed or donated
    return t as BufferTensor<B>;
  }

  dispose(): void {
    if (this.held === undefined) return;
    this.device.free(this.held);
    this.held = undefined;
  }
}
