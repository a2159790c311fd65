// Runtime scalars of a kernel (a sequence position, a token count) in a small uniform buffer, rewritten between
// dispatches without recompiling. Every field is a 4-byte scalar, so fields sit at offsets 0, 4, 8, ... in WGSL's
// uniform layout, and the buffer is padded to 16 bytes.

import { UNIFORM_USAGE } from './buffer-usage.js';
import type { WebGpuDevice } from './device.js';

export type UniformScalarType = 'u32' | 'i32' | 'f32';

export interface UniformField {
  readonly name: string;
  readonly type: UniformScalarType;
}

const RANGE: Record<Exclude<UniformScalarType, 'f32'>, readonly [number, number]> = {
  u32: [0, 2 ** 32 - 1],
  i32: [-(2 ** 31), 2 ** 31 - 1],
};

export class UniformBlock {
  readonly buffer: GPUBuffer;
  private readonly bytes: ArrayBuffer;

  constructor(
    private readonly gpu: WebGpuDevice,
    readonly fields: readonly UniformField[],
    readonly label: string,
  ) {
    if (fields.length === 0) throw new RangeError(`uniform block "${label}": no fields; expected at least one scalar`);
    this.bytes = new ArrayBuffer(Math.ceil(fields.length / 4) * 16);
    this.buffer = gpu.use(`create uniform block "${label}"`).createBuffer({ label, size: this.bytes.byteLength, usage: UNIFORM_USAGE });
  }

  /** The WGSL struct whose layout matches the buffer. */
  wgslStruct(structName: string): string {
    return `struct ${structName} {\n${this.fields.map((f) => `  ${f.name}: ${f.type},\n`).join('')}}`;
  }

  /** Sets every field, in declaration order; visible to work submitted afterwards. */
  write(values: readonly number[]): void {
    if (values.length !== this.fields.length) {
      throw new RangeError(`uniform block "${this.label}": ${values.length} values for ${this.fields.length} fields (${this.fields.map((f) => f.name).join(', ')})`);
    }
    const view = new DataView(this.bytes);
    this.fields.forEach(({ name, type }, i) => {
      const value = values[i];
      if (type === 'f32') return view.setFloat32(4 * i, value, true);
      const [lo, hi] = RANGE[type];
      if (!Number.isInteger(value) || value < lo || value > hi) {
        throw new RangeError(`uniform block "${this.label}": field ${name} is ${type}, got ${value}; expected an integer ${lo}..${hi}`);
      }
      if (type === 'u32') view.setUint32(4 * i, value, true);
      else view.setInt32(4 * i, value, true);
    });
    this.gpu.use(`write uniform block "${this.label}"`).queue.writeBuffer(this.buffer, 0, this.bytes);
  }

  destroy(): void {
    this.buffer.destroy();
  }
}
