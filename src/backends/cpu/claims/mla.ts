// The `mla_attention` composite (Multi-head Latent Attention, composites/mla.ts) as one CPU kernel: the query
// and latent projections over all B·S rows at once, rope in place, the chunk written into copies of the input
// caches and attended over (mla-forms.ts, absorb or naive), then the output projection. Every product goes to the
// shared GEMM kernels; constant weights are packed once, bf16 and f16 weights widened a block at a time.

import { MLA_ATTENTION } from '../../../composites/mla.js';
import { attrsOf, type Node, type StorageArray } from '../../../ir/index.js';
import { f32Operand, f32Operands, operandForms, operandSlots, scalarOperand, type ClaimBuild, type ClaimedKernel, type CpuClaim } from './claim.js';
import { f32Vector, linearWeight, rowsView, type MatrixOperand } from './matrix-operand.js';
import { absorbedAttention, naiveAttention, type MlaDims } from './mla-forms.js';
import { rmsNormRows, ropeRows, rowsOf } from './row-ops.js';

const CACHES = { absorb: ['kv_cache', 'pe_cache'], naive: ['k_cache', 'v_cache'] } as const;

/** The weights the kernel reads in bf16 or f16 as well as f32. */
const WEIGHT_OPERANDS = ['wq', 'wq_a', 'q_norm', 'wq_b', 'wkv_a', 'kv_norm', 'wkv_b', 'wo'];

function buildMla(build: ClaimBuild): ClaimedKernel {
  const { body, dtypes } = build;
  const a = attrsOf(MLA_ATTENTION, body);
  const at = operandSlots(body.op, body.attrs);
  const [cacheA, cacheB] = CACHES[a.attention];
  const [B, S, D] = body.inputShapes[at.x!]! as [number, number, number];
  const d: MlaDims = { B, S, T: body.inputShapes[at[cacheA]!]![1]!, D, H: a.heads, N: a.qk_nope, R: a.qk_rope, V: a.v_head, L: a.kv_lora, QL: a.q_lora };
  const { H, N, R, V, L, QL } = d;
  const BS = B * S;
  const QH = N + R;
  const form = operandForms(build, at);
  const query: { wqA: MatrixOperand; wqB: MatrixOperand } | { wq: MatrixOperand } =
    QL > 0 ? { wqA: linearWeight(form('wq_a'), D, QL), wqB: linearWeight(form('wq_b'), QL, H * QH) } : { wq: linearWeight(form('wq'), D, H * QH) };
  const wkvA = linearWeight(form('wkv_a'), D, L + R);
  const wo = linearWeight(form('wo'), H * V, D);
  const attend = (a.attention === 'absorb' ? absorbedAttention : naiveAttention)(d, form('wkv_b'), a.softmax_scale, a.eps);
  const qa = new Float32Array(BS * QL);
  const q = new Float32Array(BS * H * QH);
  const kva = new Float32Array(BS * (L + R));
  const heads = new Float32Array(BS * H * V);

  return (ops, outs) => {
    const operand = (name: string) => f32Operand(ops[at[name]!], name);
    const weight = (name: string) => ops[at[name]!] as StorageArray;
    const vector = (name: string) => f32Vector(dtypes[at[name]!]!, weight(name));
    const x = rowsView(operand('x'), 0, BS, D);
    if ('wq' in query) {
      query.wq.multiply(weight('wq'), x, rowsView(q, 0, BS, H * QH));
    } else {
      query.wqA.multiply(weight('wq_a'), x, rowsView(qa, 0, BS, QL));
      rmsNormRows(rowsOf(qa, 0, QL), BS, QL, vector('q_norm'), a.eps, rowsOf(qa, 0, QL));
      query.wqB.multiply(weight('wq_b'), rowsView(qa, 0, BS, QL), rowsView(q, 0, BS, H * QH));
    }
    const [cos, sin] = [operand('cos'), operand('sin')];
    // q rows are (b, s, h), k_pe rows (b, s); both rotate by position s of the chunk.
    ropeRows(rowsOf(q, N, QH), BS * H, R / 2, cos, sin, (r) => Math.floor(r / H) % S);
    wkvA.multiply(weight('wkv_a'), x, rowsView(kva, 0, BS, L + R));
    ropeRows(rowsOf(kva, L, L + R), BS, R / 2, cos, sin, (r) => r % S);

    const [out, cacheAOut, cacheBOut] = outs as Float32Array[];
    // The caches are updated in place when the program gave each its operand's buffer; otherwise copied first.
    if (cacheAOut !== operand(cacheA)) cacheAOut!.set(operand(cacheA));
    if (cacheBOut !== operand(cacheB)) cacheBOut!.set(operand(cacheB));
    const startPos = scalarOperand(ops[at.start_pos!]);
    const start = Math.min(Math.max(startPos, 0), d.T - S);
    attend({ q, kva, start, startPos, cacheA: cacheAOut!, cacheB: cacheBOut!, wkvB: weight('wkv_b'), kvNorm: vector('kv_norm'), heads });
    wo.multiply(weight('wo'), rowsView(heads, 0, BS, H * V), rowsView(out!, 0, BS, D));
  };
}

export const mlaClaim: CpuClaim = {
  supports: (node: Node) => (node.attrs.attention === 'absorb' || node.attrs.attention === 'naive') && f32Operands(node, ['start_pos'], WEIGHT_OPERANDS),
  build: buildMla,
};
