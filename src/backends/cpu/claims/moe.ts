// The `moe` composite (composites/moe.ts) as one CPU kernel: route every token (router.ts), then run each
// selected expert once on all the tokens that chose it (gate and up, SwiGLU, down, each a product of the gathered
// rows with the expert's weights), adding the weighted rows into the output expert by expert in id order — the
// order in which the composite's scatter_add sums each token's experts — and the shared experts' MLP last.
// Expert stacks may be bound slice by slice (lazily read experts): a selected expert is loaded before it is read.
// bf16 and f16 weights (expert stacks as declared, other weights handed over as stored) are widened a block at a
// time as they are read (matrix-operand.ts).

import { MOE } from '../../../composites/moe.js';
import { attrsOf, type Node, type StorageArray } from '../../../ir/index.js';
import { f32Operand, f32Operands, operandForms, operandSlots, type ClaimBuild, type ClaimedKernel, type CpuClaim } from './claim.js';
import { f32Vector, linearWeight, rowBlock, rowsView } from './matrix-operand.js';
import { route } from './router.js';
import { swiglu } from './row-ops.js';

const f = Math.fround;

/** The (token, pick) pairs of each expert, tokens ascending: pairs of expert e are first[e] .. first[e + 1]. */
function pairsByExpert(indices: Int32Array, E: number, first: Int32Array, pairs: Int32Array): void {
  first.fill(0);
  for (const e of indices) first[e + 1]!++;
  for (let e = 0; e < E; e++) first[e + 1]! += first[e]!;
  const next = first.slice(0, E);
  indices.forEach((e, pick) => (pairs[next[e]!++] = pick));
}

const EXPERT_OPERANDS = ['experts_gate', 'experts_up', 'experts_down'];
/** The weights the kernel reads in bf16 or f16 as well as f32. */
const WEIGHT_OPERANDS = ['router', 'router_bias', ...EXPERT_OPERANDS, 'shared.gate', 'shared.up', 'shared.down'];

function buildMoe(build: ClaimBuild): ClaimedKernel {
  const { body, dtypes, sliced } = build;
  const a = attrsOf(MOE, body);
  const at = operandSlots(body.op, body.attrs);
  const [T, D] = body.inputShapes[at.x!]! as [number, number];
  const [E, , I] = body.inputShapes[at.experts_gate!]! as [number, number, number];
  const k = a.topk;
  const form = operandForms(build, at);
  const router = linearWeight(form('router'), D, E);
  const experts = Array.from({ length: E }, (_, e) => ({
    gate: rowBlock(form('experts_gate'), I, D, e * D),
    up: rowBlock(form('experts_up'), I, D, e * D),
    down: rowBlock(form('experts_down'), D, I, e * I),
  }));
  const SI = a.shared ? body.inputShapes[at['shared.gate']!]![0]! : 0;
  const shared = a.shared
    ? { gate: linearWeight(form('shared.gate'), D, SI), up: linearWeight(form('shared.up'), D, SI), down: linearWeight(form('shared.down'), SI, D) }
    : undefined;
  const logits = new Float32Array(T * E);
  const first = new Int32Array(E + 1);
  const pairs = new Int32Array(T * k);
  const rows = new Float32Array(T * D);
  const gate = new Float32Array(T * Math.max(I, SI));
  const up = new Float32Array(T * Math.max(I, SI));
  const out = new Float32Array(T * D);
  const stacks = EXPERT_OPERANDS.flatMap((name) => sliced[at[name]!] ?? []);

  return (ops, outs) => {
    const operand = (name: string) => f32Operand(ops[at[name]!], name);
    const weight = (name: string) => ops[at[name]!] as StorageArray;
    const x = operand('x');
    const [y, indices, weights] = outs as [Float32Array, Int32Array, Float32Array];
    router.multiply(weight('router'), rowsView(x, 0, T, D), rowsView(logits, 0, T, E));
    route(logits, T, E, a, a.router_bias ? f32Vector(dtypes[at.router_bias!]!, weight('router_bias')) : undefined, indices, weights);

    y.fill(0);
    pairsByExpert(indices, E, first, pairs);
    for (let e = 0; e < E; e++) {
      const m = first[e + 1]! - first[e]!;
      if (m === 0) continue;
      for (const stack of stacks) stack.load(e);
      for (let i = 0; i < m; i++) {
        const t = Math.floor(pairs[first[e]! + i]! / k);
        rows.set(x.subarray(t * D, (t + 1) * D), i * D);
      }
      experts[e]!.gate.multiply(weight('experts_gate'), rowsView(rows, 0, m, D), rowsView(gate, 0, m, I));
      experts[e]!.up.multiply(weight('experts_up'), rowsView(rows, 0, m, D), rowsView(up, 0, m, I));
      for (let i = 0; i < m * I; i++) gate[i] = swiglu(gate[i]!, up[i]!);
      experts[e]!.down.multiply(weight('experts_down'), rowsView(gate, 0, m, I), rowsView(out, 0, m, D));
      for (let i = 0; i < m; i++) {
        const pick = pairs[first[e]! + i]!;
        const w = weights[pick]!;
        const yRow = Math.floor(pick / k) * D;
        for (let c = 0; c < D; c++) y[yRow + c] = f(y[yRow + c]! + f(out[i * D + c]! * w));
      }
    }

    if (shared) {
      shared.gate.multiply(weight('shared.gate'), rowsView(x, 0, T, D), rowsView(gate, 0, T, SI));
      shared.up.multiply(weight('shared.up'), rowsView(x, 0, T, D), rowsView(up, 0, T, SI));
      for (let i = 0; i < T * SI; i++) gate[i] = swiglu(gate[i]!, up[i]!);
      shared.down.multiply(weight('shared.down'), rowsView(gate, 0, T, SI), rowsView(out, 0, T, D));
      for (let i = 0; i < T * D; i++) y[i] = f(y[i]! + out[i]!);
    }
  };
}

export const moeClaim: CpuClaim = {
  supports: (node: Node) => f32Operands(node, [], WEIGHT_OPERANDS),
  build: buildMoe,
  slicedOperands: (body) => EXPERT_OPERANDS.map((name) => operandSlots(body.op, body.attrs)[name]!),
};
