// One compiled program prepared on a DeviceBackend, run by the driver: inputs checked (inputs.ts) and bound (host
// data viewed or uploaded, the backend's own tensors bound as they are), every kernel issued in one launch, the
// outputs read back in one go (WebGPU: one submission with the copies that read them) or kept as tensors. A profiled
// run waits for each kernel in turn; a shadow run checks each against the reference (shadow.ts).
// An input the program overwrites in place (a KV cache) is used directly only when the caller donates it; otherwise
// it is copied first, so the caller's tensor keeps its value. Kept outputs take over a buffer the run owns; any
// other (a weight, a caller's tensor, one kept twice) is copied.

import type { Program } from '../../compiler/kernel.js';
import { kernelKind } from '../../compiler/kernel.js';
import type { Graph, TensorData } from '../../ir/index.js';
import type { CompileTime, DeviceTensor, Executable, KernelTime, RunInput, RunOptions, RunResult } from '../backend.js';
import type { DeviceBackend, Launch, PreparedProgram } from './device-backend.js';
import { BufferTensor } from './device-tensor.js';
import { checkInputs, checkKeep, graphInputs, type ExpectedInput } from './inputs.js';
import type { ShadowCheck } from './shadow.js';

export class DriverExecutable<B> implements Executable {
  private readonly expected: readonly ExpectedInput[];
  /** Graph inputs whose buffers some kernel writes. */
  private readonly overwritten: ReadonlySet<string>;

  constructor(
    readonly graph: Graph,
    readonly device: DeviceBackend<B>,
    readonly program: Program,
    private readonly prepared: PreparedProgram<B>,
    readonly compileTime: CompileTime,
    private readonly shadow?: ShadowCheck<B>,
  ) {
    this.expected = graphInputs(graph);
    const written = new Set(program.kernels.flatMap((k) => k.outputs.map((o) => o.buffer)));
    this.overwritten = new Set(Object.entries(program.inputs).flatMap(([name, id]) => (written.has(id) ? [name] : [])));
  }

  async run(inputs: Readonly<Record<string, RunInput>>, options: RunOptions = {}): Promise<RunResult> {
    const { device, program: p } = this;
    const name = this.graph.name;
    const keep = new Set(options.keep ?? []);
    checkKeep(name, keep, Object.keys(p.outputs));
    if (options.profile && this.shadow) throw new Error(`${name}: a profile and the shadow mode (DSV3_SHADOW) both run kernel by kernel; use one at a time`);
    const checked = checkInputs(name, this.expected, inputs, (what, t) => BufferTensor.ownedBy<B>(device, what, t));
    const donated = new Set(options.donate ?? []);
    const params: Record<string, number> = {};
    for (const [i, { name: input }] of this.expected.entries()) {
      const t = checked[i]!;
      if (p.params.includes(input)) params[input] = ((t instanceof BufferTensor ? (await t.read()).data : t.data) as Int32Array)[0]!;
    }

    const launch = this.prepared.launch(params);
    const buffers = [...this.prepared.resident] as B[];
    // Buffers this run owns: given back at the end unless a kept output takes one over.
    const owned = new Set<B>();
    const fresh = (id: number): B => {
      const b = device.alloc(p.buffers[id]!.dtype, p.buffers[id]!.size);
      owned.add(b);
      return b;
    };
    try {
      this.bindInputs(checked, donated, buffers, owned, fresh, launch);
      p.buffers.forEach((b, id) => {
        if (b.role !== 'input') buffers[id] ??= fresh(id);
      });
      const profile: KernelTime[] | undefined = options.profile ? [] : undefined;
      if (this.shadow) await this.shadow.check(launch, buffers, params);
      else if (profile) await this.timeKernels(launch, buffers, profile);
      else for (let i = 0; i < p.kernels.length; i++) launch.dispatch(i, buffers);

      const kept: Record<string, DeviceTensor> = {};
      for (const [out, id] of Object.entries(p.outputs)) {
        if (!keep.has(out)) continue;
        const { dtype, size } = p.buffers[id]!;
        let b: B = buffers[id]!;
        if (owned.has(b)) owned.delete(b);
        else launch.copy(buffers[id]!, (b = device.alloc(dtype, size)), dtype, size);
        kept[out] = new BufferTensor(device, { dtype, shape: p.outputShapes[out]! }, b);
      }
      try {
        const reads = Object.entries(p.outputs).filter(([out]) => !keep.has(out));
        const data = await launch.read(reads.map(([, id]) => ({ buffer: buffers[id]!, dtype: p.buffers[id]!.dtype, size: p.buffers[id]!.size })));
        const outputs: Record<string, TensorData> = {};
        reads.forEach(([out, id], i) => (outputs[out] = { dtype: p.buffers[id]!.dtype, shape: [...p.outputShapes[out]!], data: data[i]! }));
        return { outputs, kept, ...(profile ? { profile } : {}) };
      } catch (e) {
        for (const t of Object.values(kept)) t.dispose();
        throw e;
      }
    } finally {
      launch.end?.();
      for (const b of owned) device.free(b);
    }
  }

  /**
   * Binds every graph input that is a buffer: host data is viewed in place where the backend can (and the program
   * does not overwrite it, or the caller donated it), otherwise uploaded; this backend's tensors are bound as they
   * are, taken over when donated, copied when the program overwrites them and the caller keeps them.
   */
  private bindInputs(checked: readonly (TensorData | BufferTensor<B>)[], donated: ReadonlySet<string>, buffers: B[], owned: Set<B>, fresh: (id: number) => B, launch: Launch<B>): void {
    const { device, program: p } = this;
    this.expected.forEach(({ name }, i) => {
      const id = p.inputs[name];
      if (id === undefined) return; // a runtime parameter
      const t = checked[i]!;
      const inPlace = donated.has(name) || !this.overwritten.has(name);
      if (!(t instanceof BufferTensor)) {
        if (inPlace && device.view) buffers[id] = device.view(t.data);
        else owned.add((buffers[id] = device.upload(t.data)));
      } else if (donated.has(name)) owned.add((buffers[id] = t.take()));
      else if (inPlace) buffers[id] = t.buffer;
      else launch.copy(t.buffer, (buffers[id] = fresh(id)), t.type.dtype, p.buffers[id]!.size);
    });
  }

  /**
   * Runs the kernels one at a time, after the work already issued, and times each from its issue to its end (so a
   * time includes the cost of issuing it: on WebGPU one submission, tens of microseconds).
   */
  private async timeKernels(launch: Launch<B>, buffers: readonly B[], profile: KernelTime[]): Promise<void> {
    await launch.flush();
    for (const [i, k] of this.program.kernels.entries()) {
      const start = performance.now();
      launch.dispatch(i, buffers);
      await launch.flush();
      profile.push({ kernel: k.name, origin: k.origin, kind: kernelKind(k), seconds: (performance.now() - start) / 1000 });
    }
  }

  dispose(): void {
    this.prepared.dispose();
    this.shadow?.dispose();
  }
}
