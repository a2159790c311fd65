// The backward half of a gradient graph: the tape's steps in reverse, each handing its result's cotangent to its
// derivative rule — a primitive's in its OpDef entry, a composite's in its CompositeDef entry — and adding the
// operands' cotangents it returns. A composite rule may differentiate part of the composite again (vjpOf): that
// part is recorded and propagated here the same way.

import { compositeDef } from '../composites/index.js';
import { GraphBuilder, PRIMITIVES, type CompositeVjpContext, type Node, type Value } from '../ir/index.js';
import { Cotangents } from './cotangents.js';
import { recordForward, type ForwardTape } from './forward-tape.js';

/** The composite path of a composite step: where the nodes its rule recomputes belong. */
const regionOf = (step: Node): string => (step.origin ? `${step.origin}/${step.op}` : step.op);

/** Cotangents of `operands` (values of b) for `build` of them, seeded with `seeds`; `active`: the values gradients flow through. */
function vjpOf(
  b: GraphBuilder,
  region: string,
  build: (inner: GraphBuilder, operands: readonly Value[]) => readonly Value[],
  operands: readonly Value[],
  seeds: readonly (Value | null)[],
  active: ReadonlySet<Value>,
): (Value | null)[] {
  // A graph name has no '/': a region nested in another composite (mtp_block/moe) names its graph with '.'.
  const inner = new GraphBuilder(region.replaceAll('/', '.'));
  const outputs = build(inner, operands.map((v, i) => inner.input(`operand${i}`, v.type)));
  if (outputs.length !== seeds.length) throw new Error(`autodiff: ${region}: vjpOf was given ${seeds.length} cotangents for ${outputs.length} results`);
  const graph = inner.build(Object.fromEntries(outputs.map((v, i) => [`result${i}`, v])));
  const origin = b.origin;
  const tape = recordForward(graph, b, operands, new Set(operands.filter((v) => active.has(v))), new Set(), region);
  const cotangents = new Cotangents(b);
  graph.outputs.forEach((o, i) => {
    const v = tape.values.get(o.value)!;
    if (seeds[i] && tape.active.has(v)) cotangents.add(v, seeds[i], `the cotangent ${i} given to vjpOf in ${region}`);
  });
  propagate(b, tape, cotangents);
  b.origin = origin;
  return operands.map((v, i) => (operands.indexOf(v) === i && active.has(v) ? (cotangents.get(v) ?? null) : null));
}

/** The operands' cotangents of composite step `step` from its own rule. */
function compositeRule(b: GraphBuilder, step: Node, seeds: readonly (Value | null)[], active: ReadonlySet<Value>): readonly (Value | null)[] {
  const ctx: CompositeVjpContext = {
    b,
    operands: step.inputs,
    results: step.outputs,
    cotangents: seeds,
    active: step.inputs.map((v) => active.has(v)),
    vjpOf: (build, operands, cotangents) => vjpOf(b, regionOf(step), build, operands, cotangents, active),
  };
  return compositeDef(step.op).vjp!(ctx, step.attrs);
}

/** Walks `tape` backwards from the cotangents already in `cotangents`, adding every active operand's. */
export function propagate(b: GraphBuilder, tape: ForwardTape, cotangents: Cotangents): void {
  for (const step of [...tape.steps].reverse()) {
    const seeds = step.outputs.map((v) => cotangents.get(v) ?? null);
    if (seeds.every((g) => g === null)) continue;
    b.origin = step.body ? `grad/${regionOf(step)}` : step.origin ? `grad/${step.origin}` : 'grad';
    const parts = step.body ? compositeRule(b, step, seeds, tape.active) : PRIMITIVES.get(step.op)!.vjp(b, step, seeds[0]!);
    if (parts.length !== step.inputs.length) throw new Error(`autodiff: the rule of ${step.op} gave ${parts.length} cotangents for ${step.inputs.length} operands`);
    parts.forEach((part, i) => {
      const operand = step.inputs[i]!;
      if (part && tape.active.has(operand)) cotangents.add(operand, part, `the rule of ${step.op} (operand ${i})`);
    });
  }
  b.origin = undefined;
}
