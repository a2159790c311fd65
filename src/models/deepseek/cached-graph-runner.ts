// A graph run chunk after chunk on KV caches of its own: compiled once per chunk length, the caches donated to each
// run and kept from it, as the Session does for the whole model. One decoder layer (layer-runner.ts) and each MTP
// module (mtp-drafter.ts) run this way.

import { tensorData, zeros, type Graph, type TensorData, type WeightStore } from '../../ir/index.js';
import type { Backend, DeviceTensor, Executable } from '../../backends/backend.js';
import type { CacheSpec } from './model.js';

export class CachedGraphRunner {
  private readonly executables = new Map<number, Executable>();
  private readonly cacheNames: readonly string[];
  private caches: Record<string, DeviceTensor>;

  /** `build(seqLen)`: the graph over a chunk of seqLen positions, reading and writing the caches `specs` name. */
  constructor(
    private readonly backend: Backend,
    private readonly weights: WeightStore,
    specs: readonly CacheSpec[],
    private readonly build: (seqLen: number) => Graph,
  ) {
    this.cacheNames = specs.map((c) => c.name);
    this.caches = Object.fromEntries(specs.map((c) => [c.name, backend.upload(zeros('f32', c.shape))]));
  }

  /**
   * Runs the graph for a chunk of `seqLen` positions on `inputs` and the caches, written from position `start`;
   * `compiled`: seconds spent compiling the graph in this call (0 when it was compiled before).
   */
  async run(seqLen: number, inputs: Record<string, TensorData>, start: number): Promise<{ outputs: Record<string, TensorData>; compiled: number }> {
    let exe = this.executables.get(seqLen);
    let compiled = 0;
    if (exe === undefined) {
      exe = await this.backend.compile(this.build(seqLen), this.weights, { donate: this.cacheNames });
      this.executables.set(seqLen, exe);
      compiled = (exe.compileTime?.compiler ?? 0) + (exe.compileTime?.device ?? 0);
    }
    const startPos = tensorData('i32', [], Int32Array.of(start));
    const { outputs, kept } = await exe.run({ ...inputs, start_pos: startPos, ...this.caches }, { donate: this.cacheNames, keep: this.cacheNames });
    this.caches = kept;
    return { outputs, compiled };
  }

  /** The caches, read back to the host under their input names. */
  async readCaches(): Promise<Record<string, TensorData>> {
    const out: Record<string, TensorData> = {};
    for (const name of this.cacheNames) out[name] = await this.caches[name]!.read();
    return out;
  }

  /**
   * Disposes the compiled executables, and with them the backend's copies of the weights, keeping the caches; the
   * next run compiles again, which the backend's program cache makes a binding of the weights.
   */
  release(): void {
    for (const exe of this.executables.values()) exe.dispose();
    this.executables.clear();
  }

  dispose(): void {
    for (const t of Object.values(this.caches)) t.dispose();
    this.release();
  }
}
