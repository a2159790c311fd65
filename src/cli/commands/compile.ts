// `dsv3 compile`: compiles a graph and shows what the compiler did — a summary of the program, per-kernel
// figures, every stage's text (--dump), and drawings of the fused graph (--dot, --html). Loading the graph is
// kept apart from reporting so that every source of graphs (a text file, or one step of a model) shares the same
// reports.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inTask, type Progress } from '../../backends/progress.js';
import { parseGraph, ParseError, type Graph } from '../../ir/index.js';
import { compileStages, type CompileOptions } from '../../compiler/compile.js';
import { dumpTo } from '../../compiler/dump.js';
import type { Program } from '../../compiler/kernel.js';
import { printProgram } from '../../compiler/print-kernel.js';
import { programStats, type ProgramStats } from '../../compiler/stats.js';
import { graphToDot } from '../../compiler/view/dot.js';
import { graphToHtml } from '../../compiler/view/html.js';
import { writeFileAtomic } from '../../io/atomic-file.js';
import { directoryFiles } from '../../io/local-files.js';
import { checkOutputFile, checkOutputFolder } from '../../io/output-path.js';
import { loadModelConfig } from '../../models/deepseek/config.js';
import { modelLayout } from '../../models/deepseek/layout.js';
import { defaultSettings, type AttentionMode, type GemmMode } from '../../models/deepseek/settings.js';
import { EXIT, integerOption, refuseExisting, UsageError, type Command } from '../command.js';
import { gemmArg } from './forward.js';
import { kernelSources, type DrivenBackend } from '../../backends/sdk/driver.js';
import { backendList, backendNames, DEFAULT_BACKEND, openKernelBackend } from '../backends.js';
import { commandProgress, QUIET_OPTION, quietHelp } from '../progress.js';
import { describeLayerKernels, kernelsByLayer, stepCompile, stepGraph, type StepSpec } from './model-step.js';

/** What is compiled: a graph, and how its backend compiles it. */
export interface CompileTarget {
  readonly graph: Graph;
  /** What the target's backend tells the compiler (claimed composites, donated inputs, limits). */
  readonly options?: Omit<CompileOptions, 'dump'>;
  /** Each kernel's source as the target's backend generates it, by file name. */
  readonly kernelSources: (p: Program) => Record<string, string>;
  /** More to report about the compiled program: lines after the summary, and fields of the JSON object. */
  readonly describe?: (p: Program) => { readonly lines: readonly string[]; readonly json: Readonly<Record<string, unknown>> };
}

export interface ReportOptions {
  readonly stats: boolean;
  readonly json: boolean;
  readonly dump?: string;
  readonly dot?: string;
  readonly html?: string;
  readonly maxBuffers?: number;
  readonly force: boolean;
  /** Told of the compile while it runs. */
  readonly progress: Progress;
}

/** Reads a graph in the text form, its kernel sources those of `backend`; parse errors name the file, line and column. */
export function loadGraphFile(path: string, backend: DrivenBackend): CompileTarget {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read graph file "${path}": ${(e as Error).message}`);
  }
  try {
    return { graph: parseGraph(text), kernelSources: (p) => kernelSources(backend.device, p) };
  } catch (e) {
    if (e instanceof ParseError) throw new Error(`${path}: ${e.message}`);
    throw e;
  }
}

/** One prefill or decode step of the model in `dir` (only its config.json is read), compiled as `backend` compiles it. */
export function loadModelTarget(dir: string, spec: StepSpec & { readonly backend: DrivenBackend; readonly attention: AttentionMode; readonly gemm: GemmMode }): CompileTarget {
  const config = loadModelConfig(directoryFiles(dir));
  const settings = defaultSettings(config, { attention: spec.attention, gemm: spec.gemm });
  const layout = modelLayout(config);
  const graph = stepGraph(config, settings, layout, spec);
  const backend = stepCompile(spec.backend, graph, config, settings, spec.batch);
  const seqLen = spec.phase === 'decode' ? 1 : spec.seqLen;
  return {
    graph,
    options: backend.options,
    kernelSources: backend.kernelSources,
    describe: (p) => {
      const layers = kernelsByLayer(p, layout);
      return {
        lines: [`${spec.phase} step of ${dir}: batch ${spec.batch}, ${seqLen} token(s) per row; ${backend.description}`, `kernels per layer: ${describeLayerKernels(layers, layout)}`],
        json: { model: dir, phase: spec.phase, batch: spec.batch, seqLen, backend: spec.backend.name, claimed: [...(backend.options.claimed ?? [])].sort(), layers: config.numHiddenLayers, kernelsByLayer: layers },
      };
    },
  };
}

const UNITS = ['', 'k', 'M', 'G', 'T'];
/** 1536 -> "1.5 KiB" (binary) or 14080 -> "14.1 k" (decimal). */
function scaled(x: number, base: number, suffix: string): string {
  let i = 0;
  while (x >= base && i < UNITS.length - 1) {
    x /= base;
    i++;
  }
  const unit = base === 1024 && i > 0 ? `${UNITS[i]!.toUpperCase()}i` : UNITS[i]!;
  return `${i ? x.toFixed(1) : x} ${unit}${suffix}`;
}
const bytes = (x: number) => scaled(x, 1024, 'B');
const flops = (x: number) => scaled(x, 1000, 'flop');

function statsJson(name: string, s: ProgramStats, extra: Readonly<Record<string, unknown>>) {
  return {
    graph: name,
    ...extra,
    kernels: s.kernels,
    dispatches: s.dispatches,
    bytes: { read: s.bytesRead, written: s.bytesWritten },
    flops: s.flops,
    perKernel: s.perKernel.map((k) => ({ name: k.name, kind: k.kind, origin: k.origin, bytes: { read: k.bytesRead, written: k.bytesWritten }, flops: k.flops })),
  };
}

function statsTable(s: ProgramStats): string {
  const header = ['#', 'kernel', 'kind', 'origin', 'read', 'written', 'flops'];
  const rows = s.perKernel.map((k, i) => [String(i), k.name, k.kind, k.origin || '-', bytes(k.bytesRead), bytes(k.bytesWritten), flops(k.flops)]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const numeric = new Set([0, 4, 5, 6]);
  const line = (cells: string[]) => cells.map((x, c) => (numeric.has(c) ? x.padStart(widths[c]!) : x.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}


/** Compiles the target and writes the reports asked for; returns the exit code. */
export async function reportCompile(target: CompileTarget, options: ReportOptions): Promise<number> {
  const { graph } = target;
  const dumpDir = options.dump === undefined ? undefined : join(options.dump, graph.name);
  if (dumpDir) refuseExisting('compile', dumpDir, options.force, 'folder');
  for (const path of [options.dot, options.html]) if (path) refuseExisting('compile', path, options.force, 'file');
  if (dumpDir) checkOutputFolder(dumpDir);
  for (const path of [options.dot, options.html]) if (path) checkOutputFile(path, { overwrite: options.force });

  const dump = dumpTo(options.dump, graph.name);
  const maxBuffers = options.maxBuffers === undefined ? {} : { maxBuffersPerKernel: options.maxBuffers };
  const stages = await inTask(options.progress, `compiling ${graph.name}`, undefined, async () => compileStages(graph, { ...target.options, ...maxBuffers, dump }));
  const stats = programStats(stages.program);
  const described = target.describe?.(stages.program) ?? { lines: [], json: {} };
  const written: string[] = [];
  if (dump && dumpDir) {
    dump('91-program', printProgram(stages.program));
    for (const [file, source] of Object.entries(target.kernelSources(stages.program))) dump(`kernels/${file}`, source);
    written.push(dumpDir);
  }
  if (options.dot) {
    writeFileAtomic(options.dot, graphToDot(stages), { overwrite: options.force });
    written.push(options.dot);
  }
  if (options.html) {
    writeFileAtomic(options.html, graphToHtml(stages, stats), { overwrite: options.force });
    written.push(options.html);
  }

  if (options.json) {
    console.log(JSON.stringify(statsJson(graph.name, stats, described.json), null, 2));
  } else {
    console.log(`${graph.name}: ${stats.kernels} kernels, ${stats.dispatches} dispatches, ${bytes(stats.bytesRead)} read, ${bytes(stats.bytesWritten)} written, ${flops(stats.flops)}`);
    for (const line of described.lines) console.log(line);
    if (options.stats) console.log(statsTable(stats));
  }
  for (const path of written) console.error(`wrote ${path}`);
  return EXIT.ok;
}

function positiveInteger(text: string | undefined, option: string): number | undefined {
  return text === undefined ? undefined : integerOption('compile', option, text, 1);
}

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

const MODEL_ONLY = ['phase', 'backend', 'batch', 'seq', 'attn', 'gemm'];

/** Tokens per row of the prefill chunk without --seq. */
const DEFAULT_PREFILL = 16;

/** --model DIR with --phase, --batch, --seq, --attn and --gemm, checked, compiled as `backend` compiles it. */
function modelTarget(dir: string, values: Values, backend: DrivenBackend): CompileTarget {
  const phase = (values.phase as string | undefined) ?? 'decode';
  const attention = (values.attn as string | undefined) ?? 'absorb';
  if (phase !== 'prefill' && phase !== 'decode') throw new UsageError(`dsv3 compile: --phase must be prefill or decode, got "${phase}"`);
  if (attention !== 'absorb' && attention !== 'naive') throw new UsageError(`dsv3 compile: --attn must be absorb or naive, got "${attention}"`);
  const seq = positiveInteger(values.seq as string | undefined, 'seq');
  if (phase === 'decode' && seq !== undefined) throw new UsageError('dsv3 compile: --seq is the prefill chunk length; a decode step has one token per row');
  const batch = positiveInteger(values.batch as string | undefined, 'batch') ?? 1;
  const gemm = gemmArg({ gemm: values.gemm ?? 'dequant' }, 'compile');
  return loadModelTarget(dir, { phase, backend, attention, gemm, batch, seqLen: seq ?? DEFAULT_PREFILL });
}

export const compileCommand: Command = {
  name: 'compile',
  summary: 'compile a graph or a model step and show the kernels, their figures, every stage, or a drawing of the fusion',
  help: `Usage: dsv3 compile <graph file> [options]
       dsv3 compile --model DIR [--phase prefill|decode] [--backend ${backendNames(true).join('|')}] [--batch N] [--seq N] [--attn MODE] [--gemm MODE] [options]

Compiles a graph written in the IR text form (as printGraph prints it; see spec/examples/block.graph),
or one step of a model, and prints a one-line summary: kernels, dispatches, bytes read and written,
and flops.

Model steps:
  --model DIR        compile one step of the model whose config.json is in DIR (only the config is
                     read): the graph a session runs, with its KV caches donated, as the backend
                     compiles it; also prints the kernels of each decoder layer
  --phase PHASE      decode (default): one token per row; prefill: a chunk of --seq tokens per row
  --backend NAME     the backend whose compile to show (default ${DEFAULT_BACKEND}): the composites it
                     claims and its device's limits (a GPU's are its adapter's, so it needs one)
${backendList('                       ', true)}
  --batch N          rows (default 1)
  --seq N            prefill tokens per row (default ${DEFAULT_PREFILL})
  --attn MODE        absorb (default) or naive attention
  --gemm MODE        dequant (default: f32 GEMMs) or fp8 (act_quant + FP8 GEMMs; an FP8 checkpoint)

Options:
  --stats            also print a table of every kernel: kind, origin, bytes read/written, flops
  --json             print the figures as one JSON object instead: graph, kernels, dispatches,
                     bytes {read, written}, flops, and perKernel (one entry per kernel); with --model
                     also model, phase, batch, seqLen, backend, claimed, layers and kernelsByLayer
                     {before, layers: [per decoder layer], after}
  --dump DIR         write every compiler stage to DIR/<graph name>/ (the layout of DSV3_DUMP):
                     00-input.txt, one file per graph pass, 90-kernels.txt, 91-program.txt, and
                     the code the backend generates for each kernel under kernels/ (a graph file:
                     the ${DEFAULT_BACKEND} backend's)
  --dot FILE         write the fused graph as Graphviz DOT (regions as clusters, nodes coloured
                     by kernel); render with e.g. dot -Tsvg FILE > graph.svg
  --html FILE        write a self-contained HTML page: the fused graph as SVG, fitted to the window
                     (the wheel zooms, dragging pans), nodes coloured by kernel, beside a table of
                     kernels; search by op, name or kernel; hovering a kernel highlights its nodes,
                     clicking it brings them into view; hovering a node shows it
  --max-buffers N    split kernels that would bind more than N buffers (WebGPU's limit per stage)
  --force            replace the --dump folder and the --dot and --html files if they exist (without
                     --force, an existing one stops the command before any work)
${quietHelp(21)}
  -h, --help         show this help

The paths written are reported on stderr, so --json output can be piped. Each file is written under a
temporary name and renamed when complete, so none is ever seen half-written.`,
  options: {
    model: { type: 'string' },
    phase: { type: 'string' },
    backend: { type: 'string' },
    batch: { type: 'string' },
    seq: { type: 'string' },
    attn: { type: 'string' },
    gemm: { type: 'string' },
    stats: { type: 'boolean' },
    json: { type: 'boolean' },
    dump: { type: 'string' },
    dot: { type: 'string' },
    html: { type: 'string' },
    'max-buffers': { type: 'string' },
    force: { type: 'boolean' },
    ...QUIET_OPTION,
  },
  positionals: true,
  async run(values, positionals) {
    const model = values.model as string | undefined;
    const maxBuffers = positiveInteger(values['max-buffers'] as string | undefined, 'max-buffers');
    if (model !== undefined) {
      if (positionals.length > 0) throw new UsageError(`dsv3 compile: give a graph file or --model DIR, not both (got ${positionals.join(' ')})`);
    } else {
      if (positionals.length !== 1) throw new UsageError(`dsv3 compile: expected one graph file or --model DIR, got ${positionals.length ? positionals.join(' ') : 'none'}\nRun 'dsv3 compile --help' for usage.`);
      const modelOnly = MODEL_ONLY.filter((o) => values[o] !== undefined);
      if (modelOnly.length) throw new UsageError(`dsv3 compile: ${modelOnly.map((o) => `--${o}`).join(', ')} only apply with --model DIR`);
    }
    const backend = await openKernelBackend((values.backend as string | undefined) ?? DEFAULT_BACKEND, 'compile');
    try {
      const target = model !== undefined ? modelTarget(model, values, backend) : loadGraphFile(positionals[0]!, backend);
      return await reportCompile(target, {
        progress: commandProgress(values),
        stats: values.stats === true,
        json: values.json === true,
        force: values.force === true,
        dump: values.dump as string | undefined,
        dot: values.dot as string | undefined,
        html: values.html as string | undefined,
        maxBuffers,
      });
    } finally {
      backend.dispose();
    }
  },
};
