// The CPU backend as a `Backend`: `compiled` runs the compiler's kernels as generated JavaScript; `reference`
// runs the op-by-op interpreter (the oracle). Host memory is the device, so DeviceTensors are host tensors.

import { formatType, printGraph, sameType, type Graph, type TensorData, type WeightStore } from '../../ir/index.js';
import { compile } from '../../compiler/compile.js';
import { dumpTo, envDumpDir } from '../../compiler/dump.js';
import type { Program } from '../../compiler/kernel.js';
import { printProgram } from '../../compiler/print-kernel.js';
import { isDeviceTensor, type Backend, type CompileRequest, type DeviceTensor, type Executable, type KernelTime, type RunInput, type RunOptions, type RunResult } from '../backend.js';
import { evaluate } from './interpreter.js';
import { CpuProgramRunner } from './program.js';
import { claimableComposites } from './claims/index.js';

export type CpuMode = 'compiled' | 'reference';

export interface CpuBackendOptions {
  readonly mode?: CpuMode;
  /** compiled mode: run the composites of claims/ (MLA, MoE) with their own kernels (default true). */
  readonly claims?: boolean;
  /** Receives every compile stage (see compiler/dump.ts); by default, stages go to $DSV3_DUMP when it is set. */
  readonly dump?: (graph: string, stage: string, text: string) => void;
}

class HostTensor implements DeviceTensor {
  readonly backend = 'cpu';
  constructor(private data: TensorData | undefined) {}
  get type() {
    return this.host();
  }
  private host(): TensorData {
    if (!this.data) throw new Error('cpu: this tensor was disposed or donated to a run');
    return this.data;
  }
  async read(): Promise<TensorData> {
    return this.host();
  }
  /** The data, giving up ownership (a donated input). */
  take(): TensorData {
    const t = this.host();
    this.data = undefined;
    return t;
  }
  dispose(): void {
    this.data = undefined;
  }
}

const copy = (t: TensorData): TensorData => ({ dtype: t.dtype, shape: [...t.shape], data: t.data.slice() });

class CpuExecutable implements Executable {
  constructor(
    readonly graph: Graph,
    /** Runs the graph; `profile`, when given, receives each kernel's time. */
    private readonly execute: (inputs: Record<string, TensorData>, profile?: KernelTime[]) => Record<string, TensorData>,
    /** Whether it runs kernels a profile can time (the interpreter does not). */
    private readonly profiles: boolean,
    private readonly donatable: ReadonlySet<string>,
    readonly program?: Program,
  ) {}

  async run(inputs: Readonly<Record<string, RunInput>>, options: RunOptions = {}): Promise<RunResult> {
    const donated = new Set(options.donate ?? []);
    const host: Record<string, TensorData> = {};
    for (const v of this.graph.inputs) {
      const name = v.def.kind === 'input' ? v.def.name : '';
      const given = inputs[name];
      if (!given) throw new Error(`${this.graph.name}: input "${name}" is missing; expected ${formatType(v.type)}`);
      if (isDeviceTensor(given) && given.backend !== 'cpu') throw new Error(`${this.graph.name}: input "${name}" lives on backend ${given.backend}, not cpu`);
      const t = isDeviceTensor(given) ? (donated.has(name) ? (given as HostTensor).take() : await given.read()) : given;
      if (!sameType(t, v.type)) throw new Error(`${this.graph.name}: input "${name}" is ${formatType(t)}; expected ${formatType(v.type)}`);
      // An input the program overwrites is copied unless the caller gave it up.
      host[name] = this.donatable.has(name) && !donated.has(name) ? copy(t) : t;
    }
    const extra = Object.keys(inputs).filter((k) => !(k in host));
    if (extra.length) throw new Error(`${this.graph.name}: unknown input(s) ${extra.join(', ')}`);
    if (options.profile && !this.profiles) throw new Error(`${this.graph.name}: the op-by-op interpreter (cpu-reference) runs no kernels to profile; profile the compiled CPU backend`);
    const profile: KernelTime[] | undefined = options.profile ? [] : undefined;
    const results = this.execute(host, profile);
    const keep = new Set(options.keep ?? []);
    const outputs: Record<string, TensorData> = {};
    const kept: Record<string, DeviceTensor> = {};
    for (const [name, t] of Object.entries(results)) {
      if (keep.has(name)) kept[name] = new HostTensor(t);
      else outputs[name] = t;
    }
    return { outputs, kept, ...(profile ? { profile } : {}) };
  }

  dispose(): void {}
}

export function cpuBackend(options: CpuBackendOptions = {}): Backend {
  const mode = options.mode ?? 'compiled';
  const cache = new Map<string, Program>();
  return {
    name: mode === 'compiled' ? 'cpu' : 'cpu-reference',
    async compile(graph: Graph, weights: WeightStore, request: CompileRequest = {}): Promise<Executable> {
      const donate = new Set(request.donate ?? []);
      if (mode === 'reference') return new CpuExecutable(graph, (inputs) => evaluate(graph, inputs, weights), false, new Set());
      const dump = options.dump ? (stage: string, text: string) => options.dump!(graph.name, stage, text) : dumpTo(envDumpDir(), graph.name);
      const claimed = options.claims === false ? new Set<string>() : claimableComposites(graph);
      // Programs are cached by graph signature: the printed graph, what may be donated and what is claimed.
      const key = `${JSON.stringify([[...donate].sort(), [...claimed].sort()])}\n${printGraph(graph)}`;
      let program = dump ? undefined : cache.get(key);
      if (!program) {
        program = compile(graph, { donated: donate, claimed, ...(dump ? { dump } : {}) });
        if (!dump) cache.set(key, program);
      }
      const runner = new CpuProgramRunner(program, weights);
      if (dump) {
        dump('91-program', printProgram(program));
        for (const [name, source] of Object.entries(runner.sources)) dump(`kernels/${name}.js`, source);
      }
      const overwritten = new Set(Object.entries(program.inputs).filter(([, id]) => program!.kernels.some((k) => k.outputs.some((o) => o.buffer === id))).map(([n]) => n));
      return new CpuExecutable(graph, (inputs, profile) => runner.run(inputs, profile), true, overwritten, program);
    },
    upload: (t: TensorData) => new HostTensor(copy(t)),
    dispose() {
      cache.clear();
    },
  };
}
