// Device limits: a kernel binding more buffers than the device allows is split, never refused. Fusion runs again
// after each step until every kernel fits:
// - sibling reductions share a kernel only while it fits (rows.ts);
// - a kernel over the limit gets a value of its own region stored instead — an inline value, a reduction merged
//   into its row kernel, or a matmul or reduction ahead of its epilogue: the one reading the most of its buffers,
//   short of all of them;
// - failing that, a concat in it whose operands read three buffers or more becomes a concat of two concats (halves
//   of its operands), which the step before can then store.
// No primitive but concat has more than three operands, so every graph fits a limit of MIN_BUFFERS_PER_KERNEL.

import type { Graph, Node, Value } from '../../ir/index.js';
import type { Kernel } from '../kernel.js';
import { emit, rewriteGraph } from '../rewrite.js';
import { fuse, type FusedProgram } from './index.js';
import { boundBuffers, type FusionOptions } from './plan.js';

/** The smallest buffer limit every graph fits: one op's three operands and its result. */
export const MIN_BUFFERS_PER_KERNEL = 4;

/** Fuses `graph` so that no kernel binds more than `options.maxBuffersPerKernel` buffers. */
export function fuseWithinLimits(graph: Graph, options: FusionOptions): FusedProgram {
  const limit = options.maxBuffersPerKernel ?? Infinity;
  if (!(limit >= 1)) throw new Error(`fusion: maxBuffersPerKernel must be at least 1, got ${limit}`);
  let g = graph;
  let split = new Set(options.split ?? []);
  for (;;) {
    const p = fuse(g, { ...options, split });
    const over = p.kernels.find((k) => boundBuffers(k) > limit);
    if (!over) return p;
    const needs = `kernel ${over.name} needs ${boundBuffers(over)} buffers, over the limit of ${limit}`;
    // Claimed composites over the limit are decomposed before fusion (compile.ts), so only a primitive gets here.
    if (over.body.kind === 'library') throw new Error(`fusion: library ${needs}: a library routine reads whole operands and is not split (every primitive fits a limit of ${MIN_BUFFERS_PER_KERNEL})`);
    const region = kernelRegion(p, over);
    const value = splitPoint(region, split);
    if (value) {
      split.add(value);
      continue;
    }
    const concat = wideConcat(region);
    if (!concat) throw new Error(`fusion: ${needs}, and no split lowers it (one op may read three buffers and write one: every graph fits a limit of ${MIN_BUFFERS_PER_KERNEL} or more)`);
    ({ graph: g, carried: split } = nestConcat(g, concat, split));
  }
}

/** What a kernel computes: its roots, the values its region computes inline, and the buffers under each value. */
interface KernelRegion {
  readonly roots: readonly Value[];
  /** Values the kernel computes without storing them (its roots excluded). */
  readonly values: ReadonlySet<Value>;
  /** The buffers `v`'s computation reads (just `v` when it is a buffer). */
  readonly reads: (v: Value) => ReadonlySet<Value>;
}

function kernelRegion(p: FusedProgram, k: Kernel): KernelRegion {
  const under = new Map<Value, Set<Value>>();
  const reads = (v: Value): Set<Value> => {
    let r = under.get(v);
    if (r) return r;
    r = new Set(p.isBuffer(v) ? [v] : (v.node?.inputs ?? []).flatMap((x) => [...reads(x)]));
    under.set(v, r);
    return r;
  };
  const roots = p.rootsOf.get(k)!;
  const values = new Set<Value>();
  const visit = (v: Value) => {
    if (values.has(v) || p.isBuffer(v)) return;
    values.add(v);
    v.node?.inputs.forEach(visit);
  };
  roots.forEach((v) => v.node?.inputs.forEach(visit));
  return { roots, values, reads };
}

/** The distinct buffers `n`'s operands read. */
const operandReads = (region: KernelRegion, n: Node): Set<Value> => new Set(n.inputs.flatMap((x) => [...region.reads(x)]));

/** The value of the region reading the most distinct buffers: at least 2, fewer than the kernel reads. */
function splitPoint(region: KernelRegion, split: ReadonlySet<Value>): Value | undefined {
  const total = new Set(region.roots.flatMap((v) => (v.node ? [...operandReads(region, v.node)] : []))).size;
  let best: Value | undefined;
  let bestCount = 1;
  for (const v of region.values) {
    const count = region.reads(v).size;
    if (v.node && !split.has(v) && count > bestCount && count < total) {
      best = v;
      bestCount = count;
    }
  }
  return best;
}

/** The concat of the kernel (a root's or inline) whose operands read the most buffers, three or more. */
function wideConcat(region: KernelRegion): Node | undefined {
  let best: Node | undefined;
  let bestCount = 2;
  for (const v of [...region.roots, ...region.values]) {
    const n = v.node;
    const count = n?.op === 'concat' && n.inputs.length > 2 ? operandReads(region, n).size : 0;
    if (count > bestCount) {
      best = n;
      bestCount = count;
    }
  }
  return best;
}

/** `g` with `concat` made a concat of two concats, each of half its operands; `values` are carried over to it. */
function nestConcat(g: Graph, concat: Node, values: ReadonlySet<Value>): { graph: Graph; carried: Set<Value> } {
  const renamed = new Map<Value, Value>();
  const graph = rewriteGraph(g, (n, inputs, b) => {
    const half = Math.ceil(inputs.length / 2);
    const part = (xs: readonly Value[]) => (xs.length === 1 ? xs[0]! : b.op('concat', xs, n.attrs));
    const outputs = n === concat ? [b.op('concat', [part(inputs.slice(0, half)), part(inputs.slice(half))], n.attrs)] : emit(n, inputs, b);
    n.outputs.forEach((v, i) => renamed.set(v, outputs[i]!));
    return outputs;
  });
  g.inputs.forEach((v, i) => renamed.set(v, graph.inputs[i]!));
  return { graph, carried: new Set([...values].map((v) => renamed.get(v)!)) };
}
