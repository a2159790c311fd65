// The shared driver: turns a DeviceBackend (device-backend.ts) into the public `Backend` (../backend.ts). It
// decides which composites the backend claims in a graph, compiles with what the device tells the compiler, caches
// programs by graph signature, writes every stage and kernel source to the dump sink, prepares the program on the
// device, and runs it (executable.ts: input checks, donated inputs, kept outputs, profiles, shadow checks).

import { printGraph, type Graph, type TensorData, type WeightStore } from '../../ir/index.js';
import { claimableComposites } from '../../compiler/claims.js';
import { compile, type CompileOptions } from '../../compiler/compile.js';
import type { Program } from '../../compiler/kernel.js';
import { printProgram } from '../../compiler/print-kernel.js';
import type { Backend, CompileRequest } from '../backend.js';
import { SILENT_PROGRESS, type Progress } from '../progress.js';
import type { DeviceBackend } from './device-backend.js';
import { BufferTensor } from './device-tensor.js';
import { envDump, envShadow, type DumpSink } from './environment.js';
import { DriverExecutable } from './executable.js';
import { openShadowReference, SHADOW_REFERENCE, ShadowCheck } from './shadow.js';

export interface DriverOptions {
  /** Run the composites the backend claims with its own kernels (default true); false decomposes them. */
  readonly claims?: boolean;
  /** Receives every compile stage and each kernel's source (default: files under $DSV3_DUMP when it is set). */
  readonly dump?: DumpSink;
  /**
   * Check every kernel against the reference (shadow.ts; default: DSV3_SHADOW=1 or DSV3_<NAME>_SHADOW=1); a
   * DeviceBackend: check against that one (the caller keeps it alive).
   */
  readonly shadow?: boolean | DeviceBackend<unknown>;
  /** Told about compiling each graph and preparing it on the device (weights, pipelines); default: nothing shown. */
  readonly progress?: Progress;
}

/** What the driver tells the compiler for one graph. */
export type DriverCompileOptions = Required<Pick<CompileOptions, 'claimed' | 'donated' | 'inPlace' | 'maxBuffersPerKernel'>> & Pick<CompileOptions, 'narrowClaimedWeights'>;

/** A Backend run by the driver, with its device and what it tells the compiler. */
export interface DrivenBackend<B = unknown> extends Backend {
  readonly device: DeviceBackend<B>;
  /** What the compiler is told for `graph`: the composites claimed, the inputs donated, the device's limits. */
  compileOptions(graph: Graph, request?: CompileRequest): DriverCompileOptions;
  upload(t: TensorData): BufferTensor<B>;
}

export const isDrivenBackend = (b: Backend): b is DrivenBackend => 'device' in b && 'compileOptions' in b;

/** The code `device` generates for the kernels of `program`, by file name (for dumps). */
export function kernelSources<B>(device: DeviceBackend<B>, program: Program): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const k of program.kernels) {
    const source = device.kernelSource?.(k);
    if (source) sources[source.file] = source.text;
  }
  return sources;
}

export function driveBackend<B>(device: DeviceBackend<B>, options: DriverOptions = {}): DrivenBackend<B> {
  const programs = new Map<string, Program>();
  const shadowing = options.shadow ?? (envShadow(device.name) && device.name !== SHADOW_REFERENCE);
  const progress = options.progress ?? SILENT_PROGRESS;
  let reference: ReturnType<typeof openShadowReference> | undefined;
  const shadowReference = async (): Promise<DeviceBackend<unknown>> =>
    typeof shadowing === 'object' ? shadowing : (await (reference ??= openShadowReference())).device;

  const compileOptions = (graph: Graph, request: CompileRequest = {}): DriverCompileOptions => ({
    claimed: options.claims === false ? new Set<string>() : claimableComposites(graph, device.claims),
    donated: new Set(request.donate ?? []),
    ...device.compileOptions,
  });

  return {
    name: device.name,
    device,
    compileOptions,
    async compile(graph: Graph, weights: WeightStore, request: CompileRequest = {}) {
      const compiling = compileOptions(graph, request);
      const sink = options.dump ?? envDump();
      const dump = sink ? (stage: string, text: string) => sink(graph.name, stage, text) : undefined;
      // Programs are cached by graph signature: the printed graph, what may be donated and what is claimed. A dumped
      // compile always runs, so that its stages are written.
      const key = `${JSON.stringify([[...compiling.donated].sort(), [...compiling.claimed].sort()])}\n${printGraph(graph)}`;
      let program = dump ? undefined : programs.get(key);
      const start = performance.now();
      if (!program) {
        const task = progress.start(`compiling ${graph.name}`);
        try {
          program = compile(graph, { ...compiling, ...(dump ? { dump } : {}) });
        } finally {
          task.end();
        }
        if (!dump) programs.set(key, program);
      }
      const compiled = performance.now();
      const prepared = await device.prepare(program, weights, progress);
      const compileTime = { compiler: (compiled - start) / 1000, device: (performance.now() - compiled) / 1000 };
      if (dump) {
        dump('91-program', printProgram(program));
        for (const [file, text] of Object.entries(kernelSources(device, program))) dump(`kernels/${file}`, text);
      }
      const shadow = shadowing ? await ShadowCheck.create(device, program, weights, await shadowReference()) : undefined;
      return new DriverExecutable(graph, device, program, prepared, compileTime, shadow);
    },
    upload: (t: TensorData) => new BufferTensor(device, t, device.upload(t.data)),
    dispose() {
      programs.clear();
      void reference?.then((r) => r.dispose());
      device.dispose();
    },
  };
}
