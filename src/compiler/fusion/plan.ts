// Fusion, step 1: what is stored. Decides which graph values get buffers (and so end kernels): outputs, anchors
// (reductions, matmuls, scans, sorts, scatters, grouped GEMMs, dynamic updates, claimed composites), what those
// read whole, and inline values too expensive to recompute for each reader. A matmul or reduction then absorbs
// the same-shape elementwise region after it (its epilogue). Inline ops — elementwise, casts, movement, index
// reads, splats — never get kernels of their own.

import { compositeDef } from '../../composites/index.js';
import { PRIMITIVES, sameShape, sameType, type Graph, type Node, type OpFamily, type Value } from '../../ir/index.js';
import type { BufferDesc, BufferId, Kernel } from '../kernel.js';
import { INLINE_OPS } from '../lower.js';

export const REDUCE_OPS: Readonly<Record<string, 'sum' | 'max' | 'min'>> = { reduce_sum: 'sum', reduce_max: 'max', reduce_min: 'min' };
export const LIBRARY_OPS: ReadonlySet<string> = new Set(['cumsum', 'topk', 'scatter_add', 'gather_matmul']);
/** The ops an epilogue may absorb: elementwise ops and casts. */
const ELEMENTWISE_FAMILIES: ReadonlySet<OpFamily> = new Set(['unary', 'binary', 'ternary', 'cast']);
function isElementwise(op: string): boolean {
  const family = PRIMITIVES.get(op)?.family;
  return family !== undefined && ELEMENTWISE_FAMILIES.has(family);
}
/** An inline value read by several kernels is stored once instead when recomputing it costs more than this. */
const RECOMPUTE_LIMIT = 24;

export interface FusionOptions {
  /** Graph inputs whose buffers may be overwritten (KV caches updated in place). */
  readonly donated?: ReadonlySet<string>;
  /**
   * Values to store even if the rules would inline them, merge them into a row kernel or absorb them into an
   * epilogue (how limits.ts splits kernels to fit a device's buffer limit).
   */
  readonly split?: ReadonlySet<Value>;
  /** The most buffers one kernel may bind (default no limit): sibling reductions share a kernel only while it fits. */
  readonly maxBuffersPerKernel?: number;
  /**
   * Whether a claimed composite may write a result over the operand it updates (composite `updates`): its kernel
   * then reads and writes one buffer, which WebGPU cannot bind (default true).
   */
  readonly claimedUpdatesInPlace?: boolean;
  /**
   * Whether a claimed composite reads an operand that is a bf16 or f16 weight widened to f32 (a cast) from the
   * weight's own buffer, widening it itself (LibraryBody.widened), so that no f32 copy is stored (default false).
   */
  readonly narrowClaimedWeights?: boolean;
}

/** The storage decisions the rest of fusion works from. */
export interface FusionPlan {
  readonly graph: Graph;
  readonly consumers: ReadonlyMap<Value, readonly Node[]>;
  readonly graphOutputs: ReadonlySet<Value>;
  readonly buffers: BufferDesc[];
  /** The buffer of every stored value, input, weight and constant. */
  readonly bufferIds: Map<Value, BufferId>;
  /** Rank-0 i32 graph inputs: runtime parameters, not buffers. */
  readonly params: ReadonlyMap<Value, string>;
  readonly inputs: Record<string, BufferId>;
  /** Values computed by a kernel and stored. */
  readonly stored: Set<Value>;
  /** The matmul or reduction whose kernel computes a stored value (through its epilogue). */
  readonly anchorOf: ReadonlyMap<Value, Node>;
  /** dynamic_update_slice nodes that write their window into their operand's buffer. */
  readonly inPlace: ReadonlySet<Node>;
  /** Which kernels (named by the stored value they compute) read each stored value. */
  readonly readersOf: Map<Value, Set<Value>>;
  /** Values stored to fit the buffer limit: each computed by a kernel of its own (FusionOptions.split). */
  readonly split: ReadonlySet<Value>;
  readonly maxBuffersPerKernel: number;
  readonly narrowClaimedWeights: boolean;
}

/** The bf16 or f16 weight that `v` widens to f32 by a cast, if that is what `v` is. */
export function widenedWeightOf(v: Value): Value | undefined {
  const w = v.node?.op === 'cast' && v.dtype === 'f32' ? v.node.inputs[0]! : undefined;
  return w?.node?.op === 'weight' && (w.dtype === 'bf16' || w.dtype === 'f16') ? w : undefined;
}

/** Whether `v` is a runtime parameter (a rank-0 i32 graph input), which kernels read as a scalar, not a buffer. */
export const isRuntimeParam = (v: Value): boolean => v.def.kind === 'input' && v.dtype === 'i32' && v.shape.length === 0;

/** How many buffers kernel `k` binds: what a device limits per kernel. */
export const boundBuffers = (k: Kernel): number => k.inputs.length + k.outputs.length;

const isAnchor = (n: Node): boolean => n.body !== undefined || (!INLINE_OPS.has(n.op) && !['weight', 'literal'].includes(n.op));

/** The reduction whose kernel computes stored value `v`, if that is what computes it. */
export function reduceAnchor(p: FusionPlan, v: Value): Node | undefined {
  const a = p.anchorOf.get(v);
  return a && a.op in REDUCE_OPS ? a : undefined;
}

/** The stored value whose kernel reduction `r` anchors. */
export function stageRoot(p: FusionPlan, r: Node): Value {
  for (const [v, a] of p.anchorOf) if (a === r) return v;
  return r.outputs[0]!;
}

export function planStorage(g: Graph, options: FusionOptions = {}): FusionPlan {
  const donated = options.donated ?? new Set<string>();
  const narrowClaimedWeights = options.narrowClaimedWeights ?? false;
  const split = options.split ?? new Set<Value>();
  const consumers = new Map<Value, Node[]>();
  for (const n of g.nodes) for (const v of n.inputs) consumers.set(v, [...(consumers.get(v) ?? []), n]);
  const graphOutputs = new Set(g.outputs.map((o) => o.value));
  // Buffers: inputs, weights, literals, and (below) every materialized value.
  const buffers: BufferDesc[] = [];
  const bufferIds = new Map<Value, BufferId>();
  const addBuffer = (v: Value, desc: Omit<BufferDesc, 'id' | 'dtype' | 'size'>): BufferId => {
    const id = buffers.length;
    buffers.push({ id, dtype: v.dtype, size: v.shape.reduce((a, b) => a * b, 1), ...desc });
    bufferIds.set(v, id);
    return id;
  };
  const params = new Map<Value, string>();
  const inputs: Record<string, BufferId> = {};
  for (const v of g.inputs) {
    const name = v.def.kind === 'input' ? v.def.name : '';
    if (isRuntimeParam(v)) params.set(v, name);
    else inputs[name] = addBuffer(v, { role: 'input', name });
  }
  for (const n of g.nodes) {
    if (n.op === 'weight') addBuffer(n.outputs[0]!, { role: 'weight', name: n.attrs.name as string });
    if (n.op === 'literal') addBuffer(n.outputs[0]!, { role: 'constant', values: n.attrs.values as number[] });
  }
  const isSourceValue = (v: Value) => bufferIds.has(v) || params.has(v);

  // 1. What is stored.
  const stored = new Set<Value>();
  // Outputs are stored; a runtime scalar returned as an output gets a buffer and a one-element kernel.
  for (const v of graphOutputs) if (!bufferIds.has(v)) stored.add(v);
  for (const n of g.nodes) {
    if (!isAnchor(n)) continue;
    n.outputs.forEach((v) => stored.add(v));
    const readsWholeBuffers = n.body !== undefined || LIBRARY_OPS.has(n.op) || n.op === 'dynamic_update_slice';
    if (readsWholeBuffers) {
      const whole = n.op === 'dynamic_update_slice' ? [n.inputs[0]!] : n.inputs;
      const readNarrow = (v: Value) => n.body !== undefined && narrowClaimedWeights && widenedWeightOf(v) !== undefined;
      for (const v of whole) if (!isSourceValue(v) && !readNarrow(v)) stored.add(v);
    }
  }
  for (const v of split) stored.add(v);
  const cost = (v: Value, seen = new Set<Value>()): number => {
    if (seen.has(v) || stored.has(v) || isSourceValue(v) || !v.node) return 0;
    seen.add(v);
    const own = PRIMITIVES.get(v.node.op)?.cost ?? 1;
    return own + v.node.inputs.reduce((s, x) => s + cost(x, seen), 0);
  };
  // A per-element function of weights and sources (a narrow weight widened: a cast, an FP8 block dequantisation) is
  // recomputed by every reader whatever it costs: storing it would hold a wide copy of the weight.
  const ofWeightsOnly = new Map<Value, boolean>();
  const weightsOnly = (v: Value): boolean => {
    let known = ofWeightsOnly.get(v);
    if (known === undefined) {
      const source = v.node !== undefined && PRIMITIVES.get(v.node.op)?.family === 'source';
      known = v.node !== undefined && (source || (!isAnchor(v.node) && !stored.has(v) && v.node.inputs.length > 0 && v.node.inputs.every(weightsOnly)));
      ofWeightsOnly.set(v, known);
    }
    return known;
  };
  for (const n of g.nodes) {
    const v = n.outputs[0];
    if (v && !isAnchor(n) && !isSourceValue(v) && (consumers.get(v)?.length ?? 0) > 1 && !weightsOnly(v) && cost(v) > RECOMPUTE_LIMIT) stored.add(v);
  }

  // 2. Epilogues: a matmul or reduction computes the same-shape elementwise ops that follow it, as long as they
  // form a region with one way out (silu(x)·y reads x twice; a residual add reads another value too).
  const anchorOf = new Map<Value, Node>();
  const claimed = new Set<Value>();
  const epilogueRoot = (out: Value): Value => {
    const region = new Set<Value>([out]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const v of region) {
        if (v !== out && stored.has(v)) continue;
        for (const c of consumers.get(v) ?? []) {
          const next = c.outputs[0];
          if (!next || region.has(next) || claimed.has(next) || !isElementwise(c.op) || !sameShape(next.shape, out.shape)) continue;
          region.add(next);
          grew = true;
        }
      }
    }
    const exits = [...region].filter((v) => stored.has(v) && v !== out || graphOutputs.has(v) || (consumers.get(v) ?? []).some((c) => !region.has(c.outputs[0]!)));
    // With one exit, every value of the region flows into it: the region is the exit's whole elementwise past.
    if (exits.length !== 1 || exits[0] === out) return out;
    // Another anchor's epilogue must not reach into this one.
    for (const v of region) if (v !== out) claimed.add(v);
    return exits[0]!;
  };
  for (const n of g.nodes) {
    if (n.op !== 'matmul' && !(n.op in REDUCE_OPS)) continue;
    const out = n.outputs[0]!;
    const root = graphOutputs.has(out) || split.has(out) ? out : epilogueRoot(out);
    anchorOf.set(root, n);
    if (root !== out) {
      stored.delete(out);
      stored.add(root);
    }
  }
  for (const v of stored) if (!bufferIds.has(v)) addBuffer(v, graphOutputs.has(v) ? { role: 'output' } : { role: 'temp' });

  // A result that updates an operand (dynamic_update_slice; a claimed composite's `updates`) takes over the
  // operand's buffer when nothing else needs the operand afterwards.
  const inPlace = new Set<Node>();
  const overwritable = (x: Value, n: Node) => {
    const onlyUse = consumers.get(x)!.length === 1 && !graphOutputs.has(x);
    return onlyUse && (x.def.kind === 'input' ? donated.has(x.def.name) : !isSourceValue(x)) && n.inputs.indexOf(x) === n.inputs.lastIndexOf(x);
  };
  const alias = (out: Value, x: Value) => {
    const own = bufferIds.get(out)!;
    buffers[own] = { ...buffers[own]!, role: 'temp' };
    bufferIds.set(out, bufferIds.get(x)!);
    if (graphOutputs.has(out)) buffers[bufferIds.get(x)!] = { ...buffers[bufferIds.get(x)!]!, role: x.def.kind === 'input' ? 'input' : 'output' };
  };
  for (const n of g.nodes) {
    if (n.op === 'dynamic_update_slice' && overwritable(n.inputs[0]!, n)) {
      inPlace.add(n);
      alias(n.outputs[0]!, n.inputs[0]!);
    }
    const updates = n.body && (options.claimedUpdatesInPlace ?? true) ? compositeDef(n.op).updates : undefined;
    for (const [result, operand] of Object.entries(updates ?? {})) {
      const [out, x] = [n.outputs[Number(result)]!, n.inputs[operand]!];
      if (sameType(out.type, x.type) && overwritable(x, n)) alias(out, x);
    }
  }

  // Which kernels (named by the stored value they compute) read each stored value.
  const readersOf = new Map<Value, Set<Value>>();
  for (const v of stored) readersOf.set(v, new Set());
  for (const root of stored) {
    const seen = new Set<Value>();
    const visit = (v: Value, top: boolean) => {
      if (seen.has(v)) return;
      seen.add(v);
      if (!top && (stored.has(v) || isSourceValue(v))) {
        readersOf.get(v)?.add(root);
        return;
      }
      v.node?.inputs.forEach((x) => visit(x, false));
    };
    visit(root, true);
  }

  const maxBuffersPerKernel = options.maxBuffersPerKernel ?? Infinity;
  return { graph: g, consumers, graphOutputs, buffers, bufferIds, params, inputs, stored, anchorOf, inPlace, readersOf, split, maxBuffersPerKernel, narrowClaimedWeights };
}
