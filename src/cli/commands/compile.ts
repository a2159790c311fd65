// `dsv3 compile`: compiles a graph and shows what the compiler did — a summary of the program, per-kernel
// figures, every stage's text (--dump), and drawings of the fused graph (--dot, --html). Loading the graph is
// kept apart from reporting so that every source of graphs (a text file here) shares the same reports.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGraph, ParseError, zeros, type Graph, type WeightStore } from '../../ir/index.js';
import { compileStages } from '../../compiler/compile.js';
import { dumpTo } from '../../compiler/dump.js';
import type { Program } from '../../compiler/kernel.js';
import { printProgram } from '../../compiler/print-kernel.js';
import { programStats, type ProgramStats } from '../../compiler/stats.js';
import { graphToDot } from '../../compiler/view/dot.js';
import { graphToHtml } from '../../compiler/view/html.js';
import { CpuProgramRunner } from '../../backends/cpu/program.js';
import { UsageError, type Command } from '../command.js';

/** What is compiled: a graph, and the weights its kernels bind (when known; code generation only needs their sizes). */
export interface CompileTarget {
  readonly graph: Graph;
  readonly weights?: WeightStore;
}

export interface ReportOptions {
  readonly stats: boolean;
  readonly json: boolean;
  readonly dump?: string;
  readonly dot?: string;
  readonly html?: string;
  readonly maxBuffers?: number;
  readonly force: boolean;
}

/** Reads a graph in the text form; parse errors name the file, line and column. */
export function loadGraphFile(path: string): CompileTarget {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read graph file "${path}": ${(e as Error).message}`);
  }
  try {
    return { graph: parseGraph(text) };
  } catch (e) {
    if (e instanceof ParseError) throw new Error(`${path}: ${e.message}`);
    throw e;
  }
}

/** Weights of the right dtype and size, all zero: enough to generate kernel code when the real ones are absent. */
function zeroWeights(p: Program): WeightStore {
  const sizes = new Map(p.buffers.filter((b) => b.role === 'weight').map((b) => [b.name!, b]));
  return {
    get(name) {
      const b = sizes.get(name);
      if (!b) throw new Error(`weight "${name}" is not used by program ${p.name}`);
      return zeros(b.dtype, [b.size]);
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

function statsJson(name: string, s: ProgramStats) {
  return {
    graph: name,
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

/** Refuses to replace what is already at `path` unless forced. */
function checkWritable(path: string, what: string, force: boolean): void {
  if (existsSync(path) && !force) throw new Error(`${what} "${path}" already exists; pass --force to overwrite it`);
}

/** Compiles the target and writes the reports asked for; returns the exit code. */
export function reportCompile(target: CompileTarget, options: ReportOptions): number {
  const { graph } = target;
  const dumpDir = options.dump === undefined ? undefined : join(options.dump, graph.name);
  if (dumpDir) checkWritable(dumpDir, 'dump directory', options.force);
  if (options.dot) checkWritable(options.dot, 'DOT file', options.force);
  if (options.html) checkWritable(options.html, 'HTML file', options.force);

  const dump = dumpTo(options.dump, graph.name);
  const stages = compileStages(graph, { dump, maxBuffersPerKernel: options.maxBuffers });
  const stats = programStats(stages.program);
  const written: string[] = [];
  if (dump && dumpDir) {
    const runner = new CpuProgramRunner(stages.program, target.weights ?? zeroWeights(stages.program));
    dump('91-program', printProgram(stages.program));
    for (const [name, source] of Object.entries(runner.sources)) dump(`kernels/${name}.js`, source);
    written.push(dumpDir);
  }
  if (options.dot) {
    writeFileSync(options.dot, graphToDot(stages));
    written.push(options.dot);
  }
  if (options.html) {
    writeFileSync(options.html, graphToHtml(stages, stats));
    written.push(options.html);
  }

  if (options.json) {
    console.log(JSON.stringify(statsJson(graph.name, stats), null, 2));
  } else {
    console.log(`${graph.name}: ${stats.kernels} kernels, ${stats.dispatches} dispatches, ${bytes(stats.bytesRead)} read, ${bytes(stats.bytesWritten)} written, ${flops(stats.flops)}`);
    if (options.stats) console.log(statsTable(stats));
  }
  for (const path of written) console.error(`wrote ${path}`);
  return 0;
}

function positiveInteger(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`dsv3 compile: ${option} expects a positive integer, got "${text}"`);
  return n;
}

export const compileCommand: Command = {
  name: 'compile',
  summary: 'compile a graph and show the kernels, their figures, every stage, or a drawing of the fusion',
  help: `Usage: dsv3 compile <graph file> [options]

Compiles a graph written in the IR text form (as printGraph prints it; see spec/examples/block.graph)
and prints a one-line summary: kernels, dispatches, bytes read and written, and flops.

Options:
  --stats            also print a table of every kernel: kind, origin, bytes read/written, flops
  --json             print the figures as one JSON object instead: graph, kernels, dispatches,
                     bytes {read, written}, flops, and perKernel (one entry per kernel)
  --dump DIR         write every compiler stage to DIR/<graph name>/ (the layout of DSV3_DUMP):
                     00-input.txt, one file per graph pass, 90-kernels.txt, 91-program.txt, and
                     the generated JavaScript of each map/reduce kernel under kernels/
  --dot FILE         write the fused graph as Graphviz DOT (regions as clusters, nodes coloured
                     by kernel); render with e.g. dot -Tsvg FILE > graph.svg
  --html FILE        write a self-contained HTML page: the fused graph as SVG beside a table of
                     kernels; hovering a kernel highlights its nodes, hovering a node shows it
  --max-buffers N    split kernels that would bind more than N buffers (WebGPU's limit per stage)
  --force            overwrite existing --dump, --dot and --html outputs
  -h, --help         show this help

The paths written are reported on stderr, so --json output can be piped.`,
  options: {
    stats: { type: 'boolean' },
    json: { type: 'boolean' },
    dump: { type: 'string' },
    dot: { type: 'string' },
    html: { type: 'string' },
    'max-buffers': { type: 'string' },
    force: { type: 'boolean' },
  },
  positionals: true,
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError(`dsv3 compile: expected one graph file, got ${positionals.length ? positionals.join(' ') : 'none'}\nRun 'dsv3 compile --help' for usage.`);
    const maxBuffers = positiveInteger(values['max-buffers'] as string | undefined, '--max-buffers');
    return reportCompile(loadGraphFile(positionals[0]!), {
      stats: values.stats === true,
      json: values.json === true,
      force: values.force === true,
      dump: values.dump as string | undefined,
      dot: values.dot as string | undefined,
      html: values.html as string | undefined,
      maxBuffers,
    });
  },
};
