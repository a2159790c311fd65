// One run of a compiled program on the device: inputs uploaded (or taken from this backend's DeviceTensors without
// a copy), runtime parameters written to uniforms, every kernel encoded into one submission together with the
// copies that read the outputs back, then the index-check words inspected before any output is returned. A profiled
// run submits and times the kernels one by one instead.
// An input the program overwrites in place (a KV cache) is used directly only when the caller donates it;
// otherwise it is copied first, so the caller's tensor keeps its value.

import { formatShape, formatType, numel, sameType, viewStorage, type Graph, type TensorData } from '../../ir/index.js';
import { kernelKind } from '../../compiler/kernel.js';
import { isDeviceTensor, type DeviceTensor, type Executable, type KernelTime, type RunInput, type RunOptions, type RunResult } from '../backend.js';
import { MAP_MODE_READ } from './buffer-usage.js';
import type { WebGpuContext } from './context.js';
import { WebGpuTensor } from './gpu-tensor.js';
import { boundBytes, type WebGpuProgram } from './program.js';
import { packedByteLength, uploadStorage } from './transfers.js';

/** Runs kernel by kernel and checks each against the CPU (shadow.ts). */
export interface KernelChecker {
  check(program: WebGpuProgram, buffers: readonly GPUBuffer[], errors: GPUBuffer | undefined, params: Readonly<Record<string, number>>): Promise<void>;
}

interface Readback {
  readonly name: string;
  readonly offset: number;
  readonly id: number;
}

export class WebGpuExecutable implements Executable {
  /** Graph inputs whose buffers some kernel writes. */
  private readonly overwritten: ReadonlySet<string>;

  constructor(
    readonly graph: Graph,
    private readonly context: WebGpuContext,
    readonly program: WebGpuProgram,
    private readonly checker?: KernelChecker,
  ) {
    const p = program.program;
    this.overwritten = new Set(Object.entries(p.inputs).filter(([, id]) => p.kernels.some((k) => k.outputs.some((o) => o.buffer === id))).map(([n]) => n));
  }

  async run(inputs: Readonly<Record<string, RunInput>>, options: RunOptions = {}): Promise<RunResult> {
    const p = this.program.program;
    const keep = new Set(options.keep ?? []);
    for (const k of keep) if (!(k in p.outputs)) throw new Error(`${this.graph.name}: cannot keep "${k}"; the outputs are ${Object.keys(p.outputs).join(', ')}`);
    const extra = Object.keys(inputs).filter((k) => !(k in p.inputs) && !p.params.includes(k));
    if (extra.length) throw new Error(`${this.graph.name}: unknown input(s) ${extra.join(', ')}`);

    if (options.profile && this.checker) throw new Error(`${this.graph.name}: a profile and the shadow mode (DSV3_WEBGPU_SHADOW) both run kernel by kernel; use one at a time`);
    const profile: KernelTime[] | undefined = options.profile ? [] : undefined;
    const device = this.context.gpu.use(`run ${this.graph.name}`);
    const encoder = device.createCommandEncoder({ label: this.graph.name });
    const buffers: GPUBuffer[] = [...this.program.resident] as GPUBuffer[];
    // Buffers this run owns: returned to the pool at the end unless a kept output takes one over.
    const owned = new Set<GPUBuffer>();
    const fresh = (bytes: number): GPUBuffer => {
      const b = this.context.storage.acquire(bytes);
      owned.add(b);
      return b;
    };
    try {
      const params = await this.bindInputs(inputs, new Set(options.donate ?? []), buffers, owned, encoder);
      for (const b of p.buffers) if (b.role === 'output') buffers[b.id] = fresh(boundBytes(b));
      this.program.writeParams(params);
      const errors = this.program.errorBytes ? fresh(this.program.errorBytes) : undefined;
      if (errors) encoder.clearBuffer(errors);
      if (this.checker) {
        device.queue.submit([encoder.finish()]);
        await this.checker.check(this.program, buffers, errors, params);
      } else if (profile) {
        device.queue.submit([encoder.finish()]);
        await this.timeKernels(buffers, errors, profile);
      } else {
        const pass = encoder.beginComputePass({ label: this.graph.name });
        this.program.encode(pass, buffers, errors);
        pass.end();
      }
      const tail = this.checker || profile ? device.createCommandEncoder({ label: `${this.graph.name} readback` }) : encoder;

      // Kept outputs take over a buffer the run owns; any other (a weight, a caller's tensor, one kept twice) is copied.
      const kept: Record<string, DeviceTensor> = {};
      for (const [out, id] of Object.entries(p.outputs)) {
        if (!keep.has(out)) continue;
        let b = buffers[id]!;
        if (owned.has(b)) owned.delete(b);
        else {
          b = this.context.storage.acquire(boundBytes(p.buffers[id]!));
          tail.copyBufferToBuffer(buffers[id]!, 0, b, 0, boundBytes(p.buffers[id]!));
        }
        kept[out] = new WebGpuTensor(this.context, { dtype: p.buffers[id]!.dtype, shape: p.outputShapes[out]! }, b);
      }
      try {
        return { outputs: await this.readBack(tail, buffers, errors, keep), kept, ...(profile ? { profile } : {}) };
      } catch (e) {
        for (const t of Object.values(kept)) t.dispose();
        throw e;
      }
    } finally {
      for (const b of owned) this.context.storage.release(b);
    }
  }

  /**
   * Runs the kernels one submission each, after the work already submitted, and times each from its submission to
   * the queue's report that it is done (so a time includes the submission's own cost, tens of microseconds).
   */
  private async timeKernels(buffers: readonly GPUBuffer[], errors: GPUBuffer | undefined, profile: KernelTime[]): Promise<void> {
    const gpu = this.context.gpu;
    const what = `profile ${this.graph.name}`;
    await gpu.untilLost(gpu.use(what).queue.onSubmittedWorkDone(), what);
    for (const [i, k] of this.program.program.kernels.entries()) {
      const device = gpu.use(what);
      const encoder = device.createCommandEncoder({ label: k.name });
      const pass = encoder.beginComputePass({ label: k.name });
      this.program.encode(pass, buffers, errors, [i]);
      pass.end();
      const start = performance.now();
      device.queue.submit([encoder.finish()]);
      await gpu.untilLost(device.queue.onSubmittedWorkDone(), what);
      profile.push({ kernel: k.name, origin: k.origin, kind: kernelKind(k), seconds: (performance.now() - start) / 1000 });
    }
  }

  /**
   * Binds every graph input: host data is uploaded, this backend's tensors are bound as they are (taken over when
   * donated, copied when the program overwrites them and the caller keeps them). Returns the runtime parameters.
   */
  private async bindInputs(inputs: Readonly<Record<string, RunInput>>, donated: ReadonlySet<string>, buffers: GPUBuffer[], owned: Set<GPUBuffer>, encoder: GPUCommandEncoder): Promise<Record<string, number>> {
    const p = this.program.program;
    const name = this.graph.name;
    // Every input is checked before any is bound, so a bad run takes no donated tensor.
    const checked = this.graph.inputs.map((v) => {
      const input = v.def.kind === 'input' ? v.def.name : '';
      const given = inputs[input];
      if (given === undefined) throw new Error(`${name}: input "${input}" is missing; expected ${formatType(v.type)}`);
      const t = isDeviceTensor(given) ? this.ownTensor(input, given) : given;
      const type = t instanceof WebGpuTensor ? t.type : t;
      if (!sameType(type, v.type)) throw new Error(`${name}: input "${input}" is ${formatType(type)}; expected ${formatType(v.type)}`);
      if (!(t instanceof WebGpuTensor) && t.data.length !== numel(t.shape)) throw new Error(`${name}: input "${input}" has ${t.data.length} elements for shape ${formatShape(t.shape)}`);
      return { input, t };
    });
    const params: Record<string, number> = {};
    for (const { input, t } of checked) {
      if (p.params.includes(input)) {
        params[input] = ((t instanceof WebGpuTensor ? (await t.read()).data : t.data) as Int32Array)[0]!;
        continue;
      }
      const id = p.inputs[input]!;
      let buffer: GPUBuffer;
      if (!(t instanceof WebGpuTensor)) buffer = uploadStorage(this.context.gpu, this.context.storage, t.data);
      else if (donated.has(input)) buffer = t.take();
      else if (this.overwritten.has(input)) {
        buffer = this.context.storage.acquire(boundBytes(p.buffers[id]!));
        encoder.copyBufferToBuffer(t.buffer, 0, buffer, 0, boundBytes(p.buffers[id]!));
      } else {
        buffers[id] = t.buffer;
        continue;
      }
      owned.add(buffer);
      buffers[id] = buffer;
    }
    return params;
  }

  /**
   * Encodes into `tail` the copies of the error words and of every output not kept into one staging buffer, submits,
   * and returns the outputs, or throws the first failed index check.
   */
  private async readBack(tail: GPUCommandEncoder, buffers: readonly GPUBuffer[], errors: GPUBuffer | undefined, keep: ReadonlySet<string>): Promise<Record<string, TensorData>> {
    const { gpu, staging } = this.context;
    const p = this.program.program;
    const device = gpu.use(`read back the outputs of ${this.graph.name}`);
    const reads: Readback[] = [];
    let bytes = this.program.errorBytes;
    for (const [name, id] of Object.entries(p.outputs)) {
      if (keep.has(name)) continue;
      reads.push({ name, offset: bytes, id });
      bytes += packedByteLength(p.buffers[id]!.dtype, p.buffers[id]!.size);
    }
    if (bytes === 0) {
      device.queue.submit([tail.finish()]);
      return {};
    }
    const stage = staging.acquire(bytes);
    try {
      if (errors) tail.copyBufferToBuffer(errors, 0, stage, 0, this.program.errorBytes);
      for (const r of reads) {
        const n = packedByteLength(p.buffers[r.id]!.dtype, p.buffers[r.id]!.size);
        if (n > 0) tail.copyBufferToBuffer(buffers[r.id]!, 0, stage, r.offset, n);
      }
      device.queue.submit([tail.finish()]);
      await gpu.untilLost(stage.mapAsync(MAP_MODE_READ, 0, bytes), `read back the outputs of ${this.graph.name}`);
      const mapped = stage.getMappedRange(0, bytes);
      const failure = errors ? this.program.failure(new Uint32Array(mapped, 0, this.program.errorBytes / 4)) : undefined;
      const outputs: Record<string, TensorData> = {};
      if (failure === undefined) {
        for (const r of reads) {
          const b = p.buffers[r.id]!;
          const copy = mapped.slice(r.offset, r.offset + packedByteLength(b.dtype, b.size));
          outputs[r.name] = { dtype: b.dtype, shape: [...p.outputShapes[r.name]!], data: viewStorage(b.dtype, copy, 0, b.size) };
        }
      }
      stage.unmap();
      if (failure !== undefined) throw failure;
      return outputs;
    } finally {
      staging.release(stage);
    }
  }

  /** A DeviceTensor given as input, which must be a live tensor of this backend. */
  private ownTensor(input: string, t: DeviceTensor): WebGpuTensor {
    if (!(t instanceof WebGpuTensor) || t.context !== this.context)
      throw new Error(`${this.graph.name}: input "${input}" lives on ${t.backend === 'webgpu' ? 'another WebGPU backend' : `backend ${t.backend}`}, not this webgpu backend`);
    void t.buffer; // throws if the tensor was disposed or donated
    return t;
  }

  dispose(): void {
    this.program.dispose();
  }
}
