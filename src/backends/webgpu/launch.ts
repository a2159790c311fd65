// One run of a prepared program on the device: runtime parameters written to uniforms, then everything the driver
// issues — input copies, the kernels as dispatches of one compute pass, copies of kept outputs, and the copies that
// read the error words and the outputs back — recorded into one command encoder and submitted once, when the run
// reads its outputs. A profiled or shadow run flushes or reads between kernels, and recording goes on in a new
// encoder. The index-check words are inspected on every read, before any output is returned.

import { viewStorage, type DType, type StorageArray } from '../../ir/index.js';
import type { BufferRead, Launch } from '../sdk/device-backend.js';
import { MAP_MODE_READ } from './buffer-usage.js';
import type { WebGpuContext } from './context.js';
import { boundBytes, type WebGpuProgram } from './program.js';
import { packedByteLength } from './transfers.js';

export class WebGpuLaunch implements Launch<GPUBuffer> {
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;
  /** The run's index-check words, one per checking kernel (absent when no kernel checks). */
  private readonly errors: GPUBuffer | undefined;

  constructor(
    private readonly context: WebGpuContext,
    private readonly program: WebGpuProgram,
    params: Readonly<Record<string, number>>,
  ) {
    program.writeParams(params);
    this.errors = program.errorBytes ? context.storage.acquire(program.errorBytes) : undefined;
    if (this.errors) this.commands().clearBuffer(this.errors);
  }

  private get name(): string {
    return this.program.program.name;
  }

  /** The open encoder, outside any compute pass. */
  private commands(): GPUCommandEncoder {
    this.pass?.end();
    this.pass = undefined;
    return (this.encoder ??= this.context.gpu.use(`run ${this.name}`).createCommandEncoder({ label: this.name }));
  }

  private submit(): void {
    const encoder = this.commands();
    this.encoder = undefined;
    this.context.gpu.use(`run ${this.name}`).queue.submit([encoder.finish()]);
  }

  copy(from: GPUBuffer, to: GPUBuffer, dtype: DType, size: number): void {
    this.commands().copyBufferToBuffer(from, 0, to, 0, boundBytes({ dtype, size }));
  }

  dispatch(index: number, buffers: readonly GPUBuffer[]): void {
    if (this.pass === undefined) {
      const encoder = this.commands();
      this.pass = encoder.beginComputePass({ label: this.name });
    }
    this.program.encodeKernel(this.pass, index, buffers, this.errors);
  }

  async flush(): Promise<void> {
    this.submit();
    const what = `run ${this.name}`;
    await this.context.gpu.untilLost(this.context.gpu.use(what).queue.onSubmittedWorkDone(), what);
  }

  /** Copies the error words and every buffer of `reads` into one staging buffer, submits, and maps it. */
  async read(reads: readonly BufferRead<GPUBuffer>[]): Promise<StorageArray[]> {
    const { gpu, staging } = this.context;
    const what = `read back the outputs of ${this.name}`;
    const errorBytes = this.errors ? this.program.errorBytes : 0;
    const offsets: number[] = [];
    let bytes = errorBytes;
    for (const r of reads) {
      offsets.push(bytes);
      bytes += packedByteLength(r.dtype, r.size);
    }
    if (bytes === 0) {
      this.submit();
      return reads.map((r) => viewStorage(r.dtype, new ArrayBuffer(0), 0, 0));
    }
    const stage = staging.acquire(bytes);
    try {
      const encoder = this.commands();
      if (this.errors) encoder.copyBufferToBuffer(this.errors, 0, stage, 0, errorBytes);
      reads.forEach((r, i) => {
        const n = packedByteLength(r.dtype, r.size);
        if (n > 0) encoder.copyBufferToBuffer(r.buffer, 0, stage, offsets[i]!, n);
      });
      this.submit();
      await gpu.untilLost(stage.mapAsync(MAP_MODE_READ, 0, bytes), what);
      const mapped = stage.getMappedRange(0, bytes);
      const failure = this.errors ? this.program.failure(new Uint32Array(mapped, 0, errorBytes / 4)) : undefined;
      const data = failure ? [] : reads.map((r, i) => viewStorage(r.dtype, mapped.slice(offsets[i]!, offsets[i]! + packedByteLength(r.dtype, r.size)), 0, r.size));
      stage.unmap();
      if (failure !== undefined) throw failure;
      return data;
    } finally {
      staging.release(stage);
    }
  }

  end(): void {
    if (this.errors) this.context.storage.release(this.errors);
  }
}
