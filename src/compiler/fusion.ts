// Fusion: decides which values are stored (materialized) and builds one kernel per stored value.
//
// - Inline ops (elementwise, casts, movement, index reads, splats) never get kernels: they are recomputed in
//   every kernel that reads them, unless an expensive value has several readers.
// - Anchors (reductions, matmuls, scans, sorts, scatters, grouped GEMMs, dynamic updates, claimed composites)
//   each root a kernel. A matmul or reduction absorbs the chain of same-shape elementwise ops after it
//   (its epilogue: bias, activation, residual, scaling, casts).
// - A value computed from reductions of its own shape (softmax's normalisation, RMSNorm's scaling) becomes a
//   row kernel: the reductions run as accumulators over each row, then the value is written in a second pass
//   over the row. Reductions it needs become earlier accumulators of the same kernel.

import { isFloat, sameShape, type Graph, type Node, type Value } from '../ir/index.js';
import type { Expr } from './expr.js';
import type { BufferDesc, BufferId, Kernel, KernelBody, Store } from './kernel.js';
import { INLINE_OPS, KernelLowering, LoweringMismatch, UNARY_OPS, BINARY_OPS, type LoweringEnv } from './lower.js';

const REDUCE_OPS: Record<string, 'sum' | 'max' | 'min'> = { reduce_sum: 'sum', reduce_max: 'max', reduce_min: 'min' };
const LIBRARY_OPS: ReadonlySet<string> = new Set(['cumsum', 'topk', 'scatter_add', 'gather_matmul']);
const ELEMENTWISE: ReadonlySet<string> = new Set([...UNARY_OPS, ...BINARY_OPS, 'where', 'cast']);
const TRANSCENDENTAL: ReadonlySet<string> = new Set(['exp', 'exp2', 'log', 'log2', 'sin', 'cos', 'sqrt', 'recip', 'div']);
/** An inline value read by several kernels is stored once instead when recomputing it costs more than this. */
const RECOMPUTE_LIMIT = 24;

export interface FusionOptions {
  /** Graph inputs whose buffers may be overwritten (KV caches updated in place). */
  readonly donated?: ReadonlySet<string>;
  /** Values to store even if the rules would inline them (how kernels are split to fit device limits). */
  readonly split?: ReadonlySet<Value>;
}

export interface FusedProgram {
  /** The graph values each kernel computes (for splitting and diagnostics). */
  readonly rootsOf: ReadonlyMap<Kernel, readonly Value[]>;
  /** Whether a value lives in a buffer (stored, an input, a weight, a constant). */
  readonly isBuffer: (v: Value) => boolean;
  readonly kernels: Kernel[];
  readonly buffers: BufferDesc[];
  readonly inputs: Record<string, BufferId>;
  readonly params: string[];
  readonly outputs: Record<string, BufferId>;
}

const isAnchor = (n: Node): boolean => n.body !== undefined || !INLINE_OPS.has(n.op) && !['weight', 'literal'].includes(n.op);

export function fuse(g: Graph, options: FusionOptions = {}): FusedProgram {
  const donated = options.donated ?? new Set<string>();
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
    if (v.dtype === 'i32' && v.shape.length === 0) params.set(v, name);
    else inputs[name] = addBuffer(v, { role: 'input', name });
  }
  for (const n of g.nodes) {
    if (n.op === 'weight') addBuffer(n.outputs[0]!, { role: 'weight', name: n.attrs.name as string });
    if (n.op === 'literal') addBuffer(n.outputs[0]!, { role: 'constant', values: n.attrs.values as number[] });
  }
  const isSource = (v: Value) => bufferIds.has(v) || params.has(v);

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
      for (const v of whole) if (!isSource(v)) stored.add(v);
    }
  }
  for (const v of options.split ?? []) stored.add(v);
  const cost = (v: Value, seen = new Set<Value>()): number => {
    if (seen.has(v) || stored.has(v) || isSource(v) || !v.node) return 0;
    seen.add(v);
    const own = TRANSCENDENTAL.has(v.node.op) ? 8 : v.node.op === 'take' || v.node.op === 'gather' ? 2 : 1;
    return own + v.node.inputs.reduce((s, x) => s + cost(x, seen), 0);
  };
  for (const n of g.nodes) {
    const v = n.outputs[0];
    if (v && !isAnchor(n) && !isSource(v) && (consumers.get(v)?.length ?? 0) > 1 && cost(v) > RECOMPUTE_LIMIT) stored.add(v);
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
          if (!next || region.has(next) || claimed.has(next) || !ELEMENTWISE.has(c.op) || !sameShape(next.shape, out.shape)) continue;
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
    const root = graphOutputs.has(out) ? out : epilogueRoot(out);
    anchorOf.set(root, n);
    if (root !== out) {
      stored.delete(out);
      stored.add(root);
    }
  }
  for (const v of stored) if (!bufferIds.has(v)) addBuffer(v, graphOutputs.has(v) ? { role: 'output' } : { role: 'temp' });

  // dynamic_update_slice overwrites its operand's buffer when nothing else needs it afterwards.
  const inPlace = new Set<Node>();
  for (const n of g.nodes) {
    if (n.op !== 'dynamic_update_slice') continue;
    const x = n.inputs[0]!;
    const onlyUse = consumers.get(x)!.length === 1 && !graphOutputs.has(x);
    const writable = x.def.kind === 'input' ? donated.has(x.def.name) : !isSource(x);
    if (onlyUse && writable) {
      inPlace.add(n);
      const out = n.outputs[0]!;
      const own = bufferIds.get(out)!;
      buffers[own] = { ...buffers[own]!, role: 'temp' };
      bufferIds.set(out, bufferIds.get(x)!);
      if (graphOutputs.has(out)) buffers[bufferIds.get(x)!] = { ...buffers[bufferIds.get(x)!]!, role: x.def.kind === 'input' ? 'input' : 'output' };
    }
  }

  const env = (exclude: ReadonlySet<Value>): LoweringEnv => ({
    bufferOf: (v) => {
      if (exclude.has(v)) return undefined;
      const id = bufferIds.get(v);
      return id === undefined ? undefined : buffers[id]!;
    },
    paramOf: (v) => params.get(v),
  });

  // Which kernels (named by the stored value they compute) read each stored value.
  const readersOf = new Map<Value, Set<Value>>();
  for (const v of stored) readersOf.set(v, new Set());
  for (const root of stored) {
    const seen = new Set<Value>();
    const visit = (v: Value, top: boolean) => {
      if (seen.has(v)) return;
      seen.add(v);
      if (!top && (stored.has(v) || isSource(v))) {
        readersOf.get(v)?.add(root);
        return;
      }
      v.node?.inputs.forEach((x) => visit(x, false));
    };
    visit(root, true);
  }

  // 3. Row kernels: reductions over a value's own rows join its kernel as accumulators.
  const reduceAnchor = (v: Value): Node | undefined => {
    const a = anchorOf.get(v);
    return a && a.op in REDUCE_OPS ? a : undefined;
  };
  const nodeOrder = new Map(g.nodes.map((n, i) => [n, i]));
  const merged = new Map<Value, Value>(); // reduction root -> the root whose kernel computes it
  const stagesOf = new Map<Value, Value[]>(); // primary root -> merged reduction roots
  const rowSpace = (v: Value): { shape: readonly number[]; axes: readonly number[] } | undefined => {
    const r = reduceAnchor(v);
    if (r) return { shape: r.inputs[0]!.shape, axes: r.attrs.axes as number[] };
    return !anchorOf.has(v) && v.node && INLINE_OPS.has(v.node.op) ? { shape: v.shape, axes: [] } : undefined;
  };
  for (const root of stored) {
    const space = rowSpace(root);
    if (!space || merged.has(root)) continue;
    const candidates = new Set<Value>();
    let axes = space.axes.length ? space.axes : undefined;
    const visited = new Set<Node>();
    const visit = (v: Value) => {
      if (v !== root && stored.has(v)) {
        const r = reduceAnchor(v);
        const rAxes = r?.attrs.axes as number[] | undefined;
        if (r && !graphOutputs.has(v) && !merged.has(v) && sameShape(r.inputs[0]!.shape, space.shape) && (!axes || sameShape(axes, rAxes!))) {
          axes ??= rAxes;
          if (!candidates.has(v)) {
            candidates.add(v);
            walk(v);
          }
        }
        return;
      }
      if (!v.node || isSource(v)) return;
      walk(v);
    };
    const walk = (v: Value) => {
      const n = v.node!;
      if (visited.has(n)) return;
      visited.add(n);
      n.inputs.forEach(visit);
    };
    walk(root);
    // A reduction can join only if no other kernel reads it.
    for (const c of [...candidates]) if ([...readersOf.get(c)!].some((r) => r !== root && !candidates.has(r))) candidates.delete(c);
    if (candidates.size === 0) continue;
    for (;;) {
      try {
        buildKernel(root, [...candidates].sort((a, b) => nodeOrder.get(reduceAnchor(a)!)! - nodeOrder.get(reduceAnchor(b)!)!), true);
        break;
      } catch (e) {
        if (!(e instanceof LoweringMismatch)) throw e;
        candidates.delete(e.value);
        if (candidates.size === 0) break;
      }
    }
    if (candidates.size === 0) continue;
    for (const c of candidates) {
      merged.set(c, root);
      for (const readers of readersOf.values()) if (readers.delete(c)) readers.add(root);
    }
    stagesOf.set(root, [...candidates].sort((a, b) => nodeOrder.get(reduceAnchor(a)!)! - nodeOrder.get(reduceAnchor(b)!)!));
  }

  /** The stored value whose kernel a reduction anchors. */
  function stageRootOf(r: Node): Value {
    for (const [v, a] of anchorOf) if (a === r) return v;
    return r.outputs[0]!;
  }

  function buildKernel(root: Value, stages: readonly Value[], dryRun = false, siblings: readonly Value[] = []): Kernel {
    const node = root.node ?? { op: 'param', inputs: [], attrs: {}, outputs: [root] };
    const anchor = anchorOf.get(root);
    const reduce = reduceAnchor(root);
    let lowering: KernelLowering;
    let body: KernelBody;
    if (stages.length > 0 || reduce) {
      const primary = reduce ?? reduceAnchor(stages[0]!)!;
      const shape = primary.inputs[0]!.shape;
      const axes = primary.attrs.axes as number[];
      const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
      const order = [...stages.map((s) => reduceAnchor(s)!), ...(reduce ? [reduce] : []), ...siblings.map((s) => reduceAnchor(s)!)];
      const accIndex = new Map(order.map((r, j) => [r.outputs[0]!, j]));
      const canonical = (r: Node, idx: (axis: number) => Expr, zero: Expr): Expr[] =>
        r.attrs.keepdims ? shape.map((_, i) => (axes.includes(i) ? zero : idx(kept.indexOf(i)))) : kept.map((_, j) => idx(j));
      const own = new Set([root, ...stages, ...siblings]);
      lowering = new KernelLowering(
        kept.map((i) => shape[i]!),
        axes.map((i) => shape[i]!),
        env(own),
        own,
        (v, index) => {
          const j = accIndex.get(v);
          if (j === undefined) return undefined;
          const r = order[j]!;
          const c = lowering.ctx;
          const want = canonical(r, (a) => c.idx(a), c.int(0));
          if (want.length !== index.length || want.some((e, i) => e !== index[i])) throw new LoweringMismatch(stageRootOf(r));
          const acc = c.acc(j, v.dtype === 'i32' ? 'i32' : 'f32');
          return isFloat(v.dtype) && v.dtype !== 'f32' ? c.cast(acc, 'f32', v.dtype) : acc;
        },
      );
      const c = lowering.ctx;
      const full = (): Expr[] => shape.map((_, i) => (axes.includes(i) ? c.ridx(axes.indexOf(i)) : c.idx(kept.indexOf(i))));
      const accumulators = order.map((r) => ({
        op: REDUCE_OPS[r.op]!,
        type: r.outputs[0]!.dtype === 'i32' ? ('i32' as const) : ('f32' as const),
        dtype: r.outputs[0]!.dtype,
        value: lowering.valueAt(r.inputs[0]!, full()),
      }));
      const stores: Store[] = [];
      const rowStores: Store[] = [];
      if (reduce) {
        [root, ...siblings].forEach((v, output) => {
          const idx = canonical(reduceAnchor(v)!, (a) => c.idx(a), c.int(0));
          stores.push({ output, index: lowering.flatIndex(idx, v.shape), value: lowering.valueAt(v, idx) });
        });
      } else {
        rowStores.push({ output: 0, index: lowering.flatIndex(full(), root.shape), value: lowering.valueAt(root, full()) });
      }
      body = { kind: 'reduce', shape: kept.map((i) => shape[i]!), rshape: axes.map((i) => shape[i]!), accumulators, stores, rowStores };
    } else if (anchor?.op === 'matmul') {
      const [a, b] = anchor.inputs as [Value, Value];
      const batch = a.shape.slice(0, -2);
      const [m, k] = a.shape.slice(-2) as [number, number];
      const n = b.shape[b.shape.length - 1]!;
      const nb = batch.length;
      const mm = anchor.outputs[0]!;
      lowering = new KernelLowering([...batch, m, n], [k], env(new Set([root])), new Set([root]), (v, index) => {
        if (v !== mm) return undefined;
        const c = lowering.ctx;
        const want = [...batch.map((_, i) => c.idx(i)), c.idx(nb), c.idx(nb + 1)];
        if (want.some((e, i) => e !== index[i])) throw new Error('matmul epilogue read off its element');
        const acc = c.acc(0, 'f32');
        return mm.dtype === 'f32' ? acc : c.cast(acc, 'f32', mm.dtype);
      });
      const c = lowering.ctx;
      const bIdx = batch.map((_, i) => c.idx(i));
      const outIdx = [...bIdx, c.idx(nb), c.idx(nb + 1)];
      body = {
        kind: 'contraction',
        batch,
        m,
        n,
        k,
        a: lowering.valueAt(a, [...bIdx, c.idx(nb), c.ridx(0)]),
        b: lowering.valueAt(b, [...bIdx, c.ridx(0), c.idx(nb + 1)]),
        stores: [{ output: 0, index: lowering.flatIndex(outIdx, root.shape), value: lowering.valueAt(root, outIdx) }],
      };
    } else if (node.op === 'dynamic_update_slice') {
      const [x, u, start] = node.inputs as [Value, Value, Value];
      const axis = node.attrs.axis as number;
      const shape = inPlace.has(node) ? u.shape : x.shape;
      lowering = new KernelLowering(shape, [], env(new Set([root])), new Set([root]));
      const c = lowering.ctx;
      const idx = shape.map((_, i) => c.idx(i));
      const s = c.clamp(lowering.valueAt(start, []), 0, x.shape[axis]! - u.shape[axis]!);
      let store: Store;
      if (inPlace.has(node)) {
        const at = idx.map((e, i) => (i === axis ? c.add(e, s) : e));
        store = { output: 0, index: lowering.flatIndex(at, x.shape), value: lowering.valueAt(u, idx) };
      } else {
        const local = c.add(idx[axis]!, c.binary('sub', c.int(0), s));
        const inWindow = c.binary('and', c.binary('le', c.int(0), local), c.binary('lt', local, c.int(u.shape[axis]!)));
        const fromU = lowering.valueAt(u, idx.map((e, i) => (i === axis ? c.clamp(local, 0, u.shape[axis]! - 1) : e)));
        store = { output: 0, index: lowering.flatIndex(idx, x.shape), value: c.where(inWindow, fromU, lowering.valueAt(x, idx)) };
      }
      body = { kind: 'map', shape, stores: [store] };
    } else if (node.body || LIBRARY_OPS.has(node.op)) {
      lowering = new KernelLowering([], [], env(new Set()), new Set());
      const operands = node.inputs.map((v) => {
        const e = lowering.valueAt(v, v.shape.map(() => lowering.ctx.int(0)));
        return e.kind === 'param' ? { kind: 'param' as const, name: e.name } : { kind: 'buffer' as const, slot: (e as Expr & { input: number }).input };
      });
      body = { kind: 'library', op: node.op, attrs: node.attrs, operands, inputShapes: node.inputs.map((v) => v.shape), outputShapes: node.outputs.map((v) => v.shape) };
    } else {
      lowering = new KernelLowering(root.shape, [], env(new Set([root])), new Set([root]));
      const c = lowering.ctx;
      const idx = root.shape.map((_, i) => c.idx(i));
      body = { kind: 'map', shape: root.shape, stores: [{ output: 0, index: lowering.flatIndex(idx, root.shape), value: lowering.valueAt(root, idx) }] };
    }
    const outputs = body.kind === 'library'
      ? node.outputs.map((v) => ({ buffer: bufferIds.get(v)!, dtype: v.dtype, size: buffers[bufferIds.get(v)!]!.size }))
      : [root, ...siblings].map((v) => ({ buffer: bufferIds.get(v)!, dtype: v.dtype, size: buffers[bufferIds.get(v)!]!.size }));
    if (dryRun) return undefined as never;
    const origin = (anchor ?? node).origin ?? node.origin;
    const label = origin ? origin.split('/').pop()! : body.kind === 'library' ? node.op : (anchor ?? node).op;
    return {
      name: `k${kernels.length}_${label}`,
      origin: origin ? origin.split('/') : [],
      inputs: lowering.inputs,
      outputs,
      params: [...lowering.params].sort(),
      body,
    };
  }


  // 4. Reductions over the same rows that do not depend on each other run as one kernel (e.g. two statistics
  // of one input), so the rows are read once.
  const readsOf = new Map<Value, Set<Value>>([...stored].map((v) => [v, new Set<Value>()]));
  for (const [v, readers] of readersOf) for (const r of readers) if (v !== r) readsOf.get(r)?.add(v);
  const dependsOn = (from: Value, target: Value): boolean => {
    const seen = new Set<Value>();
    const stack = [from];
    while (stack.length) {
      const v = stack.pop()!;
      for (const w of readsOf.get(v) ?? []) {
        if (w === target) return true;
        if (!seen.has(w)) seen.add(w), stack.push(w);
      }
    }
    return false;
  };
  const siblingsOf = new Map<Value, Value[]>();
  const asSibling = new Set<Value>();
  const plainReductions = [...stored].filter((v) => reduceAnchor(v) && !merged.has(v) && !stagesOf.has(v));
  for (const [i, a] of plainReductions.entries()) {
    if (asSibling.has(a)) continue;
    const ra = reduceAnchor(a)!;
    for (const b of plainReductions.slice(i + 1)) {
      const rb = reduceAnchor(b)!;
      if (asSibling.has(b) || !sameShape(ra.inputs[0]!.shape, rb.inputs[0]!.shape) || !sameShape(ra.attrs.axes as number[], rb.attrs.axes as number[])) continue;
      const group = [a, ...(siblingsOf.get(a) ?? [])];
      if (group.some((x) => dependsOn(b, x) || dependsOn(x, b))) continue;
      siblingsOf.set(a, [...(siblingsOf.get(a) ?? []), b]);
      asSibling.add(b);
      for (const w of readsOf.get(b)!) readsOf.get(a)!.add(w);
    }
  }

  // 5. One kernel per stored value (library ops: per node), in graph order.
  const kernels: Kernel[] = [];
  const rootsOf = new Map<Kernel, readonly Value[]>();
  const done = new Set<Node>();
  for (const v of g.inputs) if (stored.has(v)) kernels.push(buildKernel(v, []));
  for (const n of g.nodes) {
    for (const v of n.outputs) {
      if (!stored.has(v) || merged.has(v) || asSibling.has(v)) continue;
      if (n.body || LIBRARY_OPS.has(n.op)) {
        if (done.has(n)) continue;
        done.add(n);
      }
      const k = buildKernel(v, stagesOf.get(v) ?? [], false, siblingsOf.get(v) ?? []);
      rootsOf.set(k, n.body || LIBRARY_OPS.has(n.op) ? n.outputs : [v, ...(siblingsOf.get(v) ?? [])]);
      kernels.push(k);
    }
  }

  const outputs: Record<string, BufferId> = {};
  for (const o of g.outputs) {
    const id = bufferIds.get(o.value);
    if (id === undefined) throw new Error(`fusion: output ${o.name} has no buffer`);
    outputs[o.name] = id;
  }
  return { kernels: dependencyOrder(kernels), buffers, inputs, params: [...params.values()], outputs, rootsOf, isBuffer: (v) => bufferIds.has(v) && !merged.has(v) };
}

/**
 * Kernels in an order where each runs after the kernels writing what it reads, and after earlier writers of the
 * buffers it overwrites in place (stable: graph order otherwise).
 */
function dependencyOrder(kernels: readonly Kernel[]): Kernel[] {
  const writers = new Map<BufferId, number[]>();
  kernels.forEach((k, i) => k.outputs.forEach((o) => writers.set(o.buffer, [...(writers.get(o.buffer) ?? []), i])));
  const done = new Set<number>();
  const order: Kernel[] = [];
  const visit = (i: number) => {
    if (done.has(i)) return;
    done.add(i);
    const k = kernels[i]!;
    for (const inp of k.inputs) {
      const ws = writers.get(inp.buffer)?.filter((w) => w !== i) ?? [];
      ws.forEach(visit);
    }
    for (const out of k.outputs) writers.get(out.buffer)!.filter((w) => w < i).forEach(visit);
    order.push(k);
  };
  kernels.forEach((_, i) => visit(i));
  return order;
}

/**
 * Fuses `g` so that no kernel (other than library ones) uses more than `maxBuffers` buffers: a kernel over the
 * limit gets an inline value of its own stored instead — the one reading the most of its buffers, short of all
 * of them — and fusion runs again.
 */
export function fuseWithinLimits(g: Graph, options: FusionOptions, maxBuffers: number): FusedProgram {
  const split = new Set(options.split ?? []);
  for (;;) {
    const p = fuse(g, { ...options, split });
    const over = p.kernels.find((k) => k.body.kind !== 'library' && k.inputs.length + k.outputs.length > maxBuffers);
    if (!over) return p;
    const value = splitPoint(p, over, split);
    if (!value) throw new Error(`fusion: kernel ${over.name} needs ${over.inputs.length + over.outputs.length} buffers and cannot be split below ${maxBuffers}`);
    split.add(value);
  }
}

/** The inline value of `k`'s region reading the most distinct buffers: at least 2, fewer than all of them. */
function splitPoint(p: FusedProgram, k: Kernel, split: ReadonlySet<Value>): Value | undefined {
  const reads = new Map<Value, Set<Value>>();
  const readsUnder = (v: Value): Set<Value> => {
    let r = reads.get(v);
    if (r) return r;
    r = new Set();
    if (p.isBuffer(v)) r.add(v);
    else for (const x of v.node?.inputs ?? []) for (const b of readsUnder(x)) r.add(b);
    reads.set(v, r);
    return r;
  };
  const region = new Set<Value>();
  const visit = (v: Value, top: boolean) => {
    if (region.has(v) || (!top && p.isBuffer(v))) return;
    if (!top) region.add(v);
    v.node?.inputs.forEach((x) => visit(x, false));
  };
  p.rootsOf.get(k)!.forEach((v) => visit(v, true));
  const total = new Set(p.rootsOf.get(k)!.flatMap((v) => (v.node?.inputs ?? []).flatMap((x) => [...readsUnder(x)]))).size;
  let best: Value | undefined;
  let bestCount = 1;
  for (const v of region) {
    const count = readsUnder(v).size;
    if (!split.has(v) && v.node && INLINE_OPS.has(v.node.op) && count > bestCount && count < total) {
      best = v;
      bestCount = count;
    }
  }
  return best;
}
