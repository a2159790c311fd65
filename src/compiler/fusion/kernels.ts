// Fusion, step 3: building the kernel that computes a stored value — a row reduction (with stages and
// siblings), a contraction with its epilogue, a dynamic update, a library call, or a map — by lowering the graph
// values it needs to scalar expressions (lower.ts).

import { isFloat, type DType, type Node, type Value } from '../../ir/index.js';
import { renumberLoads, topoOrder, type Expr, type ExprContext } from '../expr.js';
import { storeMoves } from '../moves.js';
import type { Kernel, KernelBody, Store } from '../kernel.js';
import { KernelLowering, LoweringMismatch, type LoweringEnv } from '../lower.js';
import { LIBRARY_OPS, REDUCE_OPS, reduceAnchor, stageRoot, widenedWeightOf, type FusionPlan } from './plan.js';

/** Where values live, seen from a kernel computing the values in `own` (which it must not load). */
function loweringEnv(p: FusionPlan, own: ReadonlySet<Value>): LoweringEnv {
  return {
    bufferOf: (v) => {
      if (own.has(v)) return undefined;
      const id = p.bufferIds.get(v);
      return id === undefined ? undefined : p.buffers[id]!;
    },
    paramOf: (v) => p.params.get(v),
  };
}

/**
 * The kernel computing stored value `root` — with reductions `stages` as earlier accumulators of its rows and
 * `siblings` (independent reductions over the same rows) as extra results — named `k<index>_<region or op>`.
 * Throws LoweringMismatch when a stage is read off its row.
 */
export function buildKernel(p: FusionPlan, root: Value, stages: readonly Value[], siblings: readonly Value[], index: number): Kernel {
  const node = root.node ?? { op: 'param', inputs: [], attrs: {}, outputs: [root] };
  const anchor = p.anchorOf.get(root);
  const reduce = reduceAnchor(p, root);
  let lowering: KernelLowering;
  let body: KernelBody;
  if (stages.length > 0 || reduce) {
    const primary = reduce ?? reduceAnchor(p, stages[0]!)!;
    const shape = primary.inputs[0]!.shape;
    const axes = primary.attrs.axes as number[];
    const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const order = [...stages.map((s) => reduceAnchor(p, s)!), ...(reduce ? [reduce] : []), ...siblings.map((s) => reduceAnchor(p, s)!)];
    const accIndex = new Map(order.map((r, j) => [r.outputs[0]!, j]));
    const canonical = (r: Node, idx: (axis: number) => Expr, zero: Expr): Expr[] =>
      r.attrs.keepdims ? shape.map((_, i) => (axes.includes(i) ? zero : idx(kept.indexOf(i)))) : kept.map((_, j) => idx(j));
    const own = new Set([root, ...stages, ...siblings]);
    lowering = new KernelLowering(
      kept.map((i) => shape[i]!),
      axes.map((i) => shape[i]!),
      loweringEnv(p, own),
      own,
      (v, index) => {
        const j = accIndex.get(v);
        if (j === undefined) return undefined;
        const r = order[j]!;
        const c = lowering.ctx;
        const want = canonical(r, (a) => c.idx(a), c.int(0));
        if (want.length !== index.length || want.some((e, i) => e !== index[i])) throw new LoweringMismatch(stageRoot(p, r));
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
        const idx = canonical(reduceAnchor(p, v)!, (a) => c.idx(a), c.int(0));
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
    lowering = new KernelLowering([...batch, m, n], [k], loweringEnv(p, new Set([root])), new Set([root]), (v, index) => {
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
    const shape = p.inPlace.has(node) ? u.shape : x.shape;
    lowering = new KernelLowering(shape, [], loweringEnv(p, new Set([root])), new Set([root]));
    const c = lowering.ctx;
    const idx = shape.map((_, i) => c.idx(i));
    const s = c.clamp(lowering.valueAt(start, []), 0, x.shape[axis]! - u.shape[axis]!);
    let store: Store;
    if (p.inPlace.has(node)) {
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
    lowering = new KernelLowering([], [], loweringEnv(p, new Set()), new Set());
    // A library op reads whole operands: each is a runtime scalar or a stored buffer (an empty one included); a
    // claimed composite may read a widened weight as stored (FusionOptions.narrowClaimedWeights).
    const narrowOf = (v: Value) => (node.body !== undefined && p.narrowClaimedWeights ? widenedWeightOf(v) : undefined);
    const operands = node.inputs.map((v) => {
      const param = p.params.get(v);
      if (param === undefined) return { kind: 'buffer' as const, slot: (lowering.load(narrowOf(v) ?? v, lowering.ctx.int(0)) as Expr & { input: number }).input };
      lowering.params.add(param);
      return { kind: 'param' as const, name: param };
    });
    const widened = node.inputs.flatMap((v, i) => (narrowOf(v) ? [i] : []));
    const shapes = { inputShapes: node.inputs.map((v) => v.shape), outputShapes: node.outputs.map((v) => v.shape) };
    body = { kind: 'library', op: node.op, attrs: node.attrs, operands, ...shapes, ...(widened.length > 0 ? { widened } : {}) };
  } else {
    lowering = new KernelLowering(root.shape, [], loweringEnv(p, new Set([root])), new Set([root]));
    const c = lowering.ctx;
    const idx = root.shape.map((_, i) => c.idx(i));
    body = { kind: 'map', shape: root.shape, stores: [{ output: 0, index: lowering.flatIndex(idx, root.shape), value: lowering.valueAt(root, idx) }] };
  }
  const outputs = body.kind === 'library'
    ? node.outputs.map((v) => ({ buffer: p.bufferIds.get(v)!, dtype: v.dtype, size: p.buffers[p.bufferIds.get(v)!]!.size }))
    : [root, ...siblings].map((v) => ({ buffer: p.bufferIds.get(v)!, dtype: v.dtype, size: p.buffers[p.bufferIds.get(v)!]!.size }));
  const origin = (anchor ?? node).origin ?? node.origin;
  const label = origin ? origin.split('/').pop()! : body.kind === 'library' ? node.op : (anchor ?? node).op;
  return dropUnreadInputs({
    name: `k${index}_${label}`,
    origin: origin ? origin.split('/') : [],
    inputs: lowering.inputs,
    outputs,
    params: [...lowering.params].sort(),
    body: withMoves(body, lowering.ctx, outputs.map((o) => o.dtype)),
  });
}

/** `b` with every store that moves float elements writing their codes (moves.ts). */
function withMoves(b: KernelBody, c: ExprContext, dtypes: readonly DType[]): KernelBody {
  const stores = (ss: readonly Store[]) => ss.map((s) => storeMoves(c, s, dtypes[s.output]!));
  switch (b.kind) {
    case 'map':
    case 'contraction':
      return { ...b, stores: stores(b.stores) };
    case 'reduce':
      return { ...b, stores: stores(b.stores), rowStores: stores(b.rowStores) };
    case 'library':
      return b;
  }
}

/** Every expression a kernel body evaluates. */
function bodyExprs(b: KernelBody): Expr[] {
  const stores = (ss: readonly Store[]) => ss.flatMap((s) => [s.index, s.value]);
  switch (b.kind) {
    case 'map':
      return stores(b.stores);
    case 'reduce':
      return [...b.accumulators.map((a) => a.value), ...stores(b.stores), ...stores(b.rowStores)];
    case 'contraction':
      return [b.a, b.b, ...stores(b.stores)];
    case 'library':
      return [];
  }
}

/**
 * The kernel without inputs none of its expressions read (lowering may register a buffer for a branch that
 * simplification then drops), so backends bind only what is used.
 */
function dropUnreadInputs(k: Kernel): Kernel {
  const b = k.body;
  const read = new Set(b.kind === 'library' ? b.operands.flatMap((o) => (o.kind === 'buffer' ? [o.slot] : [])) : []);
  for (const e of topoOrder(bodyExprs(b))) if (e.kind === 'load') read.add(e.input);
  if (read.size === k.inputs.length) return k;
  const kept = k.inputs.map((_, slot) => slot).filter((slot) => read.has(slot));
  const slots = new Map(kept.map((old, slot) => [old, slot]));
  const map = renumberLoads(bodyExprs(b), slots);
  const stores = (ss: readonly Store[]) => ss.map((s) => ({ ...s, index: map(s.index), value: map(s.value) }));
  const body: KernelBody =
    b.kind === 'map' ? { ...b, stores: stores(b.stores) }
    : b.kind === 'reduce' ? { ...b, accumulators: b.accumulators.map((a) => ({ ...a, value: map(a.value) })), stores: stores(b.stores), rowStores: stores(b.rowStores) }
    : b.kind === 'contraction' ? { ...b, a: map(b.a), b: map(b.b), stores: stores(b.stores) }
    : { ...b, operands: b.operands.map((o) => (o.kind === 'buffer' ? { ...o, slot: slots.get(o.slot)! } : o)) };
  return { ...k, inputs: kept.map((slot) => k.inputs[slot]!), body };
}
