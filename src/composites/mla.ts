// Multi-head Latent Attention (spec/techniques.md §MLA, the official `MLA.forward`) as the composite `mla_attention`.
//
// Operands: x [B, S, D]; cos, sin [S, rope/2] (the rotary table at positions start_pos .. start_pos + S); start_pos
// (i32 scalar); the layer's two caches; its weights. Results: the attention output [B, S, D] and both caches with
// this chunk written at start_pos. Query i (at position start_pos + i) sees cache positions <= start_pos + i, so
// one compiled graph serves prefill (causal), decode steps at any position, and chunked prefill.
//
// absorb (the official default) caches kv_norm(c_kv) [B, T, kv_lora] and the rotated k_pe [B, T, rope], folds
// W_UK into the query and applies W_UV after attending over the latent cache. naive caches per-head K
// [B, T, H, nope + rope] and V [B, T, H, v]. Softmax runs in f32 with the softmax_scale attribute (the model
// computes the official scale).
// Under FP8 GEMMs (projection.ts) absorb uses wkv_b only dequantised inside its matmuls, as the official code does,
// so its input is never act-quantised; naive runs wkv_b as a Linear (quirk 9 of spec/golden/README.md §Quirks).

import type { AttrsOf } from '../ir/index.js';
import { add, lessEqual, mul, where } from '../ops/arith.js';
import { iota } from '../ops/creation.js';
import { dynamicUpdateSlice } from '../ops/indexing.js';
import { matmul } from '../ops/linalg.js';
import { broadcastTo, concat, permute, reshape, slice, split, transpose } from '../ops/movement.js';
import { rmsNorm } from '../ops/norm.js';
import { rope } from '../ops/rope.js';
import { softmax } from '../ops/softmax.js';
import type { Tensor } from '../ops/tensor.js';
import { composite } from './define.js';
import { callComposite, namedInputs, type Named } from './named-operands.js';
import { ATTENTION_LINEAR_CLASS, project, projectionOperands, projectionWeight, PROJECTION_ATTRS } from './projection.js';

export const MLA_ATTRS = {
  heads: { kind: 'int' },
  qk_nope: { kind: 'int' },
  qk_rope: { kind: 'int' },
  v_head: { kind: 'int' },
  kv_lora: { kind: 'int' },
  /** 0: the query comes from wq directly. */
  q_lora: { kind: 'int' },
  attention: { kind: 'enum', values: ['absorb', 'naive'] },
  softmax_scale: { kind: 'float' },
  eps: { kind: 'float' },
  ...PROJECTION_ATTRS,
} as const;

export type MlaAttrs = AttrsOf<typeof MLA_ATTRS>;

/** absorb: cache kv_norm(c_kv) and rotated k_pe, fold W_UK/W_UV into q and the output (the official default). */
export type AttentionMode = MlaAttrs['attention'];

/** The two cache operands: names and shapes for a batch of B and a cache of T positions. */
export function mlaCacheTypes(a: MlaAttrs, batch: number, positions: number): Record<string, readonly number[]> {
  return a.attention === 'absorb'
    ? { kv_cache: [batch, positions, a.kv_lora], pe_cache: [batch, positions, a.qk_rope] }
    : { k_cache: [batch, positions, a.heads, a.qk_nope + a.qk_rope], v_cache: [batch, positions, a.heads, a.v_head] };
}

export const mlaCacheNames = (attention: AttentionMode): [string, string] => (attention === 'absorb' ? ['kv_cache', 'pe_cache'] : ['k_cache', 'v_cache']);

export const mlaWeightNames = (a: MlaAttrs): string[] => [
  ...(a.q_lora > 0 ? [...projectionOperands(['wq_a'], a), 'q_norm', ...projectionOperands(['wq_b'], a)] : projectionOperands(['wq'], a)),
  ...projectionOperands(['wkv_a'], a),
  'kv_norm',
  ...projectionOperands(['wkv_b', 'wo'], a),
];

/** The f32 shape of each weight of mlaWeightNames for model dimension `dim` (Linear weights are [out, in]). */
export function mlaWeightShapes(a: MlaAttrs, dim: number): Record<string, readonly number[]> {
  const qk = a.heads * (a.qk_nope + a.qk_rope);
  return {
    ...(a.q_lora > 0 ? { wq_a: [a.q_lora, dim], q_norm: [a.q_lora], wq_b: [qk, a.q_lora] } : { wq: [qk, dim] }),
    wkv_a: [a.kv_lora + a.qk_rope, dim],
    kv_norm: [a.kv_lora],
    wkv_b: [a.heads * (a.qk_nope + a.v_head), a.kv_lora],
    wo: [dim, a.heads * a.v_head],
  };
}

const operands = (a: MlaAttrs): string[] => ['x', 'cos', 'sin', 'start_pos', ...mlaCacheNames(a.attention), ...mlaWeightNames(a)];

/** x through attention projection `name`, as the official module of that name runs it. */
const proj = (x: Tensor, w: Named, name: string, a: MlaAttrs): Tensor => project(x, w, name, ATTENTION_LINEAR_CLASS[name]!, a);

/** Whether each cache position (column) is visible to each query of the chunk (row): position <= start_pos + row. */
function visible(like: Tensor, queries: number, positions: number, startPos: Tensor): Tensor {
  return lessEqual(iota(like, [queries, positions], 1), add(iota(like, [queries, positions], 0), startPos));
}

interface Projected {
  /** [B, S, H, nope] and the rotated [B, S, H, rope]. */
  readonly qNope: Tensor;
  readonly qPe: Tensor;
  /** [B, S, kv_lora] before kv_norm, and the rotated shared key [B, S, rope]. */
  readonly cKv: Tensor;
  readonly kPe: Tensor;
}

function projectInputs(x: Tensor, cos: Tensor, sin: Tensor, w: Named, a: MlaAttrs): Projected {
  const [B, S] = x.shape as [number, number];
  const q = a.q_lora > 0 ? proj(rmsNorm(proj(x, w, 'wq_a', a), w.q_norm!, a.eps), w, 'wq_b', a) : proj(x, w, 'wq', a);
  const [qNope, qPe] = split(reshape(q, [B, S, a.heads, a.qk_nope + a.qk_rope]), [a.qk_nope, a.qk_rope], -1) as [Tensor, Tensor];
  const [cKv, kPe] = split(proj(x, w, 'wkv_a', a), [a.kv_lora, a.qk_rope], -1) as [Tensor, Tensor];
  const perHead = (t: Tensor) => reshape(t, [S, 1, a.qk_rope / 2]);
  return { qNope, qPe: rope(qPe, perHead(cos), perHead(sin)), cKv, kPe: rope(kPe, cos, sin) };
}

/** [B, S, H, x] -> [H, B·S, x], so per-head weights apply as one batched matmul. */
const headsFirst = (t: Tensor) => reshape(permute(t, [2, 0, 1, 3]), [t.shape[2]!, t.shape[0]! * t.shape[1]!, t.shape[3]!]);
/** The inverse of headsFirst. */
const headsBack = (t: Tensor, B: number, S: number) => permute(reshape(t, [t.shape[0]!, B, S, t.shape[2]!]), [1, 2, 0, 3]);

function absorbed(x: Tensor, p: Projected, startPos: Tensor, [kvCache, peCache]: Tensor[], w: Named, a: MlaAttrs): Tensor[] {
  const [B, S] = x.shape as [number, number];
  const T = kvCache!.shape[1]!;
  const wkvB = reshape(projectionWeight(w, 'wkv_b', a), [a.heads, a.qk_nope + a.v_head, a.kv_lora]);
  const wUK = slice(wkvB, 1, 0, a.qk_nope);
  const wUV = slice(wkvB, 1, a.qk_nope);
  const kv = dynamicUpdateSlice(kvCache!, rmsNorm(p.cKv, w.kv_norm!, a.eps), startPos, 1);
  const pe = dynamicUpdateSlice(peCache!, p.kPe, startPos, 1);
  const qLatent = headsBack(matmul(headsFirst(p.qNope), wUK), B, S);
  const rows = (t: Tensor) => reshape(t, [B, S * a.heads, t.shape[3]!]);
  const scores = mul(add(matmul(rows(qLatent), transpose(kv)), matmul(rows(p.qPe), transpose(pe))), a.softmax_scale);
  const masked = where(reshape(visible(x, S, T, startPos), [S, 1, T]), reshape(scores, [B, S, a.heads, T]), -Infinity);
  const latent = reshape(matmul(reshape(softmax(masked, -1), [B, S * a.heads, T]), kv), [B, S, a.heads, a.kv_lora]);
  const heads = headsBack(matmul(headsFirst(latent), transpose(wUV)), B, S);
  return [proj(reshape(heads, [B, S, a.heads * a.v_head]), w, 'wo', a), kv, pe];
}

function naive(x: Tensor, p: Projected, startPos: Tensor, [kCache, vCache]: Tensor[], w: Named, a: MlaAttrs): Tensor[] {
  const [B, S] = x.shape as [number, number];
  const T = kCache!.shape[1]!;
  const kvB = reshape(proj(rmsNorm(p.cKv, w.kv_norm!, a.eps), w, 'wkv_b', a), [B, S, a.heads, a.qk_nope + a.v_head]);
  const [kNope, v] = split(kvB, [a.qk_nope, a.v_head], -1) as [Tensor, Tensor];
  const kPe = broadcastTo(reshape(p.kPe, [B, S, 1, a.qk_rope]), [B, S, a.heads, a.qk_rope]);
  const k = dynamicUpdateSlice(kCache!, concat([kNope, kPe], -1), startPos, 1);
  const vs = dynamicUpdateSlice(vCache!, v, startPos, 1);
  const q = permute(concat([p.qNope, p.qPe], -1), [0, 2, 1, 3]);
  const scores = mul(matmul(q, permute(k, [0, 2, 3, 1])), a.softmax_scale);
  const masked = where(visible(x, S, T, startPos), scores, -Infinity);
  const out = matmul(softmax(masked, -1), permute(vs, [0, 2, 1, 3]));
  return [proj(reshape(permute(out, [0, 2, 1, 3]), [B, S, a.heads * a.v_head]), w, 'wo', a), k, vs];
}

export const MLA_ATTENTION = composite('mla_attention', {
  attrs: MLA_ATTRS,
  operands,
  results: (a) => ['out', ...mlaCacheNames(a.attention)],
  // Both caches come back with the chunk written at start_pos and every other position unchanged.
  updates: { 1: 4, 2: 5 },
  decompose: (inputs, a) => attend(inputs, a),
  // Recomputes: only the operands and results live from the forward pass to the backward pass, where the layer is
  // built again from its operands and differentiated (the softmax in it saves its probabilities, the RMSNorms
  // nothing). Where a backend does not claim `mla_attention`, CSE merges the recomputation into the forward's
  // decomposition, so nothing runs twice.
  vjp: ({ operands: inputs, cotangents, vjpOf }, a) => vjpOf((values) => attend(values, a), inputs, cotangents),
});

function attend(inputs: readonly Tensor[], a: MlaAttrs): Tensor[] {
  const [cacheA, cacheB] = mlaCacheNames(a.attention);
  const n = namedInputs(inputs, operands(a));
  const p = projectInputs(n.x!, n.cos!, n.sin!, n, a);
  const form = a.attention === 'absorb' ? absorbed : naive;
  return form(n.x!, p, n.start_pos!, [n[cacheA]!, n[cacheB]!], n, a);
}

/** Runs one layer's attention; returns [output, updated cache A, updated cache B] (cache names: mlaCacheNames). */
export function mlaAttention(x: Tensor, cos: Tensor, sin: Tensor, startPos: Tensor, caches: readonly [Tensor, Tensor], weights: Named, a: MlaAttrs): Tensor[] {
  const [cacheA, cacheB] = mlaCacheNames(a.attention);
  return callComposite(MLA_ATTENTION, { x, cos, sin, start_pos: startPos, [cacheA]: caches[0], [cacheB]: caches[1], ...weights }, a);
}
