// The forward half of a gradient graph: the original graph rebuilt into the gradient graph's builder, recording
// which values depend on what is differentiated ("active") and, in order, the nodes that compute them (the tape
// the backward pass walks in reverse). A composite on the path of the gradient with a derivative rule of its own
// stays one region (a backend may still claim it) and is one step; one without is rebuilt from its decomposition,
// so its parts' rules apply. A composite off the path stays one region.

import { emit } from '../compiler/rewrite.js';
import { COMPOSITES } from '../composites/index.js';
import { isComposite, isDifferentiable, walkNodes, type Graph, type GraphBuilder, type Node, type Value } from '../ir/index.js';

export interface ForwardTape {
  /** The active primitive nodes, and composite nodes with their own rule, of the rebuilt graph, in order. */
  readonly steps: readonly Node[];
  readonly active: ReadonlySet<Value>;
  /** Each differentiated weight's reads (one `weight` node each) in the rebuilt graph. */
  readonly weightReads: ReadonlyMap<string, readonly Value[]>;
  /** The rebuilt value of each value of the original top-level graph. */
  readonly values: ReadonlyMap<Value, Value>;
}

/**
 * Rebuilds `graph`'s nodes into `b`, whose inputs `inputs` stand for graph's inputs. Values of `activeInputs`
 * (rebuilt inputs) and reads of `weights` are where differentiation starts. `region` is the composite path the
 * rebuilt nodes are in (a composite's rule recomputing part of it), if any.
 */
export function recordForward(graph: Graph, b: GraphBuilder, inputs: readonly Value[], activeInputs: ReadonlySet<Value>, weights: ReadonlySet<string>, region?: string): ForwardTape {
  const steps: Node[] = [];
  const active = new Set<Value>(activeInputs);
  const weightReads = new Map<string, Value[]>();
  const readsWanted = (n: Node) => n.op === 'weight' && weights.has(n.attrs.name as string);
  const bodyReadsWanted = (n: Node & { body: Graph }) => [...walkNodes(n.body)].some(readsWanted);
  // A rule sees the composite's operands only: a differentiated weight read inside the body needs the decomposition.
  const usesOwnRule = (n: Node & { body: Graph }) => COMPOSITES.get(n.op)?.vjp !== undefined && !bodyReadsWanted(n);

  const rebuild = (nodes: readonly Node[], env: Map<Value, Value>, region: string | undefined) => {
    for (const n of nodes) {
      const operands = n.inputs.map((v) => env.get(v)!);
      let results: readonly Value[];
      if (isComposite(n) && (operands.some((v) => active.has(v)) || bodyReadsWanted(n)) && !usesOwnRule(n)) {
        const inner = new Map(n.body.inputs.map((p, i) => [p, operands[i]!]));
        rebuild(n.body.nodes, inner, region ? `${region}/${n.op}` : n.op);
        results = n.body.outputs.map((o) => inner.get(o.value)!);
      } else {
        b.origin = region && n.origin ? `${region}/${n.origin}` : (region ?? n.origin);
        results = emit(n, operands, b);
        const [result] = results;
        if (readsWanted(n)) {
          active.add(result!);
          weightReads.set(n.attrs.name as string, [...(weightReads.get(n.attrs.name as string) ?? []), result!]);
        } else if (operands.some((v) => active.has(v))) {
          const differentiable = results.filter((v) => isDifferentiable(v.dtype));
          for (const v of differentiable) active.add(v);
          if (differentiable.length > 0) steps.push(result!.node!);
        }
      }
      n.outputs.forEach((v, i) => env.set(v, results[i]!));
    }
  };

  const values = new Map(graph.inputs.map((v, i) => [v, inputs[i]!]));
  rebuild(graph.nodes, values, region);
  b.origin = undefined;
  return { steps, active, weightReads, values };
}
