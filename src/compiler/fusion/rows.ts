// Fusion, step 2: reductions that join other kernels.
// - Row kernels: a value computed from reductions over its own rows (softmax's normalisation, RMSNorm's scaling)
//   takes those reductions as accumulators, then writes itself in a second pass over each row; reductions they
//   need become earlier accumulators too. A reduction joins only if no other kernel reads it, and only if it is no
//   row kernel itself (its own stages would be computed nowhere).
// - Siblings: reductions over the same rows that do not depend on each other share one kernel (one read of the rows),
//   as long as it fits the buffer limit.
// A value split out to fit the limit (FusionOptions.split) keeps a kernel of its own: it joins no row kernel.

import { sameShape, type Node, type Value } from '../../ir/index.js';
import { INLINE_OPS, LoweringMismatch } from '../lower.js';
import { buildKernel } from './kernels.js';
import { boundBuffers, reduceAnchor, type FusionPlan } from './plan.js';

export interface RowGroups {
  /** Reduction root -> the root whose kernel computes it. */
  readonly merged: ReadonlyMap<Value, Value>;
  /** Primary root -> the reductions it computes first, in graph order. */
  readonly stagesOf: ReadonlyMap<Value, readonly Value[]>;
  /** Primary reduction root -> independent reductions over the same rows it computes too. */
  readonly siblingsOf: ReadonlyMap<Value, readonly Value[]>;
}

export function groupRows(p: FusionPlan): RowGroups {
  const { graph: g, stored, graphOutputs, readersOf, anchorOf } = p;
  const nodeOrder = new Map(g.nodes.map((n, i) => [n, i]));
  const inGraphOrder = (vs: Iterable<Value>) => [...vs].sort((a, b) => nodeOrder.get(reduceAnchor(p, a)!)! - nodeOrder.get(reduceAnchor(p, b)!)!);
  const merged = new Map<Value, Value>(); // reduction root -> the root whose kernel computes it
  const stagesOf = new Map<Value, Value[]>(); // primary root -> merged reduction roots
  const rowSpace = (v: Value): { shape: readonly number[]; axes: readonly number[] } | undefined => {
    const r = reduceAnchor(p, v);
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
        const r = reduceAnchor(p, v);
        const rAxes = r?.attrs.axes as number[] | undefined;
        if (r && !graphOutputs.has(v) && !p.split.has(v) && !merged.has(v) && !stagesOf.has(v) && sameShape(r.inputs[0]!.shape, space.shape) && (!axes || sameShape(axes, rAxes!))) {
          axes ??= rAxes;
          if (!candidates.has(v)) {
            candidates.add(v);
            walk(v);
          }
        }
        return;
      }
      if (!v.node || p.bufferIds.has(v) || p.params.has(v)) return;
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
        buildKernel(p, root, inGraphOrder(candidates), [], -1);
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
    stagesOf.set(root, inGraphOrder(candidates));
  }

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
  const fitsLimit = (primary: Value, siblings: readonly Value[]) =>
    p.maxBuffersPerKernel === Infinity || boundBuffers(buildKernel(p, primary, [], siblings, -1)) <= p.maxBuffersPerKernel;
  const plainReductions = [...stored].filter((v) => reduceAnchor(p, v) && !merged.has(v) && !stagesOf.has(v));
  for (const [i, a] of plainReductions.entries()) {
    if (asSibling.has(a)) continue;
    const ra = reduceAnchor(p, a)!;
    for (const b of plainReductions.slice(i + 1)) {
      const rb = reduceAnchor(p, b)!;
      if (asSibling.has(b) || !sameShape(ra.inputs[0]!.shape, rb.inputs[0]!.shape) || !sameShape(ra.attrs.axes as number[], rb.attrs.axes as number[])) continue;
      const group = [a, ...(siblingsOf.get(a) ?? [])];
      if (group.some((x) => dependsOn(b, x) || dependsOn(x, b))) continue;
      const siblings = [...(siblingsOf.get(a) ?? []), b];
      if (!fitsLimit(a, siblings)) continue;
      siblingsOf.set(a, siblings);
      asSibling.add(b);
      // The group is one kernel: every member reads what any member reads, so a value reading b depends on a's reads.
      const groupReads = readsOf.get(a)!;
      for (const w of readsOf.get(b)!) groupReads.add(w);
      readsOf.set(b, groupReads);
    }
  }

  return { merged, stagesOf, siblingsOf };
}
