// The DeepSeek decoder block as the peer libraries of suite `webgpu` build it: dimensions, routing settings and
// tensors, read off the dsv3 block graph itself (its rms_norm, mla_attention and moe composites, whose operands
// are named in spec/model.md), so the peers compute what dsv3 computes.

import type { Graph, Node, TensorData, WeightStore } from '../src/ir/index.js';

export interface BlockSpec {
  /** Tokens in the chunk, the model width, cache positions, the chunk's first position. */
  readonly S: number;
  readonly D: number;
  readonly T: number;
  readonly startPos: number;
  readonly eps: number;
  /** x [S, D], the caches [T, kv_lora] and [T, rope], and the rotary rows of the chunk [S, rope / 2]. */
  readonly x: TensorData;
  readonly kvCache: TensorData;
  readonly peCache: TensorData;
  readonly cos: TensorData;
  readonly sin: TensorData;
  readonly attnNorm: TensorData;
  readonly ffnNorm: TensorData;
  readonly mla: { readonly heads: number; readonly nope: number; readonly rope: number; readonly v: number; readonly kvLora: number; readonly scale: number };
  readonly moe: { readonly topk: number; readonly groups: number; readonly topkGroups: number; readonly routeScale: number };
  /** Weights by operand name: wq_a, q_norm, wq_b, wkv_a, kv_norm, wkv_b, wo ([out, in]); router, router_bias,
   * experts_gate / experts_up / experts_down ([E, in, out]), shared.gate / shared.up / shared.down ([out, in]). */
  readonly weights: Readonly<Record<string, TensorData>>;
}

/** The operands of composite `n` by their names in its body, with weight operands read from `store`. */
function namedOperands(n: Node & { body: Graph }, store: WeightStore): Record<string, TensorData | undefined> {
  return Object.fromEntries(
    n.body.inputs.map((p, i) => {
      const source = n.inputs[i]!.node;
      const name = p.def.kind === 'input' ? p.def.name : '';
      return [name, source?.op === 'weight' ? store.get(source.attrs.name as string) : undefined];
    }),
  );
}

const only = (nodes: readonly Node[], op: string): Node & { body: Graph } => {
  const found = nodes.filter((n) => n.op === op);
  if (found.length !== 1 || !found[0]!.body) throw new Error(`bench: the block graph has ${found.length} ${op} composites, expected 1`);
  return found[0] as Node & { body: Graph };
};

/** Reads the block of `graph` (one decoder layer with MLA and MoE) and its data. */
export function blockSpec(graph: Graph, store: WeightStore, data: { x: TensorData; kvCache: TensorData; peCache: TensorData; cos: TensorData; sin: TensorData; startPos: number }): BlockSpec {
  const nodes = graph.nodes;
  const mla = only(nodes, 'mla_attention');
  const moe = only(nodes, 'moe');
  const norms = nodes.filter((n) => n.op === 'rms_norm' && n.body);
  if (norms.length !== 2) throw new Error(`bench: the block graph has ${norms.length} top-level rms_norm composites, expected 2 (attention and FFN)`);
  const [attnNorm, ffnNorm] = norms.map((n) => namedOperands(n as Node & { body: Graph }, store).weight!);
  const weights = Object.fromEntries(
    [...Object.entries(namedOperands(mla, store)), ...Object.entries(namedOperands(moe, store))].filter((e): e is [string, TensorData] => e[1] !== undefined),
  );
  const a = mla.attrs;
  const [S, D] = data.x.shape.slice(-2) as [number, number];
  const m = moe.attrs;
  if (a.attention !== 'absorb' || !((a.q_lora as number) > 0) || m.scoring !== 'sigmoid' || m.router_bias !== true || m.shared !== true)
    throw new Error('bench: the peers build the v3 block: absorbed MLA with a query LoRA, sigmoid routing with a router bias, shared experts');
  return {
    S,
    D,
    T: data.kvCache.shape[0]!,
    eps: a.eps as number,
    ...data,
    attnNorm: attnNorm!,
    ffnNorm: ffnNorm!,
    mla: { heads: a.heads as number, nope: a.qk_nope as number, rope: a.qk_rope as number, v: a.v_head as number, kvLora: a.kv_lora as number, scale: a.softmax_scale as number },
    moe: { topk: m.topk as number, groups: m.groups as number, topkGroups: m.topk_groups as number, routeScale: m.route_scale as number },
    weights,
  };
}
