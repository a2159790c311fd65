// The child process of suite `scale`: one checkpoint, a 16-token prefill and 4 decode steps on the CPU backend, in
// a process of its own so that its peak resident memory is this run's alone. The session is resident or streamed
// as the memory budget says (session-plan.ts). Every graph the session compiles and runs is timed (a wrapper around
// the backend) and so is every read of the checkpoint (a wrapper around its files); reads happen while a graph is
// bound or run, so each part's time splits into reading and the rest (compiling, decoding weights, computing).

import type { Backend, Executable } from '../src/backends/backend.js';
import { openBackend } from '../src/backends/registry.js';
import { watchedFiles } from '../src/io/file-set.js';
import { directoryFiles } from '../src/io/local-files.js';
import type { TensorData } from '../src/ir/index.js';
import { loadModel, type LoadedModel } from '../src/models/deepseek/loaded-model.js';
import { openSession, planSession } from '../src/models/deepseek/session-plan.js';
import { answerRequest, lapTimer, peakRss } from './child-run.js';

export interface ScaleRunRequest {
  readonly dir: string;
  /** Bytes the weights may take before the session streams the layers. */
  readonly memoryBudget: number;
  readonly prompt: readonly number[];
  readonly decode: readonly number[];
}

/** Seconds spent in one part (a graph: the embedding, a layer, the head; or a whole-model graph) of one step. */
export interface PartTime {
  readonly step: string;
  readonly part: string;
  readonly seconds: number;
  readonly readSeconds: number;
  readonly readBytes: number;
}

export interface ScaleRunResult {
  readonly streamed: boolean;
  /** Seconds to open the checkpoint (config, index, headers). */
  readonly open: number;
  /** Wall seconds of each step: the prefill, then the decode steps. */
  readonly steps: readonly number[];
  readonly parts: readonly PartTime[];
  readonly peakRss: number;
  readonly baselineRss: number;
  /** Tensor data read from the checkpoint, and the lazy minimum (read-report.ts). */
  readonly tensorBytes: number;
  readonly lazyMinimum: number;
  /** What a resident run of the same tokens would hold: the weights it touched as f32 (widened) and as stored. */
  readonly residentF32: number;
  readonly residentStored: number;
}

/** Where time and reads are being counted: the part under way. */
class Clock {
  step = 'open';
  private part = 'open';
  private readonly parts = new Map<string, { step: string; part: string; seconds: number; readSeconds: number; readBytes: number }>();

  /** Runs `body` as part `part` of the current step. */
  async within<T>(part: string, body: () => Promise<T>): Promise<T> {
    const outer = this.part;
    this.part = part;
    const start = performance.now();
    try {
      return await body();
    } finally {
      this.entry().seconds += (performance.now() - start) / 1000;
      this.part = outer;
      // Tells the suite how far the run got, should it have to stop it.
      process.send?.({ done: `${this.step} ${part}` });
    }
  }

  read(seconds: number, bytes: number): void {
    const e = this.entry();
    e.readSeconds += seconds;
    e.readBytes += bytes;
  }

  times(): PartTime[] {
    return [...this.parts.values()];
  }

  private entry() {
    const key = `${this.step}\u0000${this.part}`;
    let e = this.parts.get(key);
    if (e === undefined) this.parts.set(key, (e = { step: this.step, part: this.part, seconds: 0, readSeconds: 0, readBytes: 0 }));
    return e;
  }
}

/** `backend` with every compile and run counted as part of the graph's name (deepseek_layer_3, ...) on `clock`. */
function timedBackend(backend: Backend, clock: Clock): Backend {
  const timedExecutable = (exe: Executable, part: string): Executable =>
    new Proxy(exe, {
      get: (target, key) => (key === 'run' ? (...args: Parameters<Executable['run']>) => clock.within(part, () => target.run(...args)) : Reflect.get(target, key, target)),
    });
  return new Proxy(backend, {
    get: (target, key) =>
      key === 'compile'
        ? (...args: Parameters<Backend['compile']>) => clock.within(args[0].name, async () => timedExecutable(await target.compile(...args), args[0].name))
        : Reflect.get(target, key, target),
  });
}

/** The weights a resident run of the steps would hold: every tensor but the routed experts no token chose. */
function residentBytes(model: LoadedModel, gates: readonly Record<string, TensorData>[]): { f32: number; stored: number } {
  const chosen = new Map<string, Set<number>>();
  for (const outputs of gates)
    for (const [name, t] of Object.entries(outputs)) {
      const layer = /^gate\.(\d+)\.indices$/.exec(name)?.[1];
      if (layer !== undefined) chosen.set(layer, new Set([...(chosen.get(layer) ?? []), ...Array.from(t.data, Number)]));
    }
  const ckpt = model.weights.checkpoint;
  let f32 = 0;
  let stored = 0;
  for (const name of ckpt.names()) {
    const expert = /^model\.layers\.(\d+)\.mlp\.experts\.(\d+)\./.exec(name);
    if (expert !== null && !chosen.get(expert[1]!)?.has(Number(expert[2]))) continue;
    const info = ckpt.info(name);
    stored += info.byteLength;
    if (!name.endsWith('_scale_inv')) f32 += 4 * info.shape.reduce((a, b) => a * b, 1);
  }
  return { f32, stored };
}

async function scaleRun(r: ScaleRunRequest): Promise<ScaleRunResult> {
  const clock = new Clock();
  const backend = timedBackend(await openBackend('cpu'), clock);
  const baselineRss = peakRss();
  const lap = lapTimer();
  const model = loadModel(watchedFiles(directoryFiles(r.dir), ({ seconds, bytes }) => clock.read(seconds, bytes)), { maxSeqLen: r.prompt.length + r.decode.length });
  const plan = planSession(model, r.memoryBudget);
  const session = openSession(model, backend, { batch: 1 }, plan);
  const open = lap();
  const steps: number[] = [];
  const outputs: Record<string, TensorData>[] = [];
  try {
    for (const [s, chunk] of [r.prompt, ...r.decode.map((t) => [t])].entries()) {
      clock.step = s === 0 ? 'prefill' : `decode.${s - 1}`;
      outputs.push((await session.forward([chunk])).outputs);
      steps.push(lap());
    }
    const reads = session.readReport();
    const resident = residentBytes(model, outputs);
    return {
      streamed: plan.streamed,
      open,
      steps,
      parts: clock.times(),
      peakRss: peakRss(),
      baselineRss,
      tensorBytes: reads.tensorBytes,
      lazyMinimum: reads.lazyMinimum,
      residentF32: resident.f32,
      residentStored: resident.stored,
    };
  } finally {
    session.dispose();
    backend.dispose();
    model.weights.close();
  }
}

answerRequest(scaleRun);
