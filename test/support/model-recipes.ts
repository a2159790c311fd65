// Recipes for the model's composites (projection, router, mlp, moe, mla_attention, mtp_block, and the training
// loss cross_entropy) at tiny sizes. The
// activation comes from the graph: an f32 value read as rows of its last axis (the hidden size), so an empty value
// is an empty chunk. Every other operand (weights, caches, rotary tables) is an existing value of its type or a new
// graph input with random data; under FP8 GEMMs the projection weights are e4m3fn with 128x128 block scales.

import type { CompositeDef, TensorType, Value } from '../../src/ir/index.js';
import { blockScaleShape } from '../../src/ops/index.js';
import { MLA_ATTENTION, mlaCacheNames, mlaCacheTypes, type MlaAttrs } from '../../src/composites/mla.js';
import { MLP } from '../../src/composites/mlp.js';
import { MOE } from '../../src/composites/moe.js';
import { MTP_BLOCK } from '../../src/composites/mtp.js';
import { crossEntropy } from '../../src/composites/cross-entropy.js';
import { callComposite } from '../../src/composites/named-operands.js';
import { PROJECTION, scaleOperand, type ProjectionAttrs } from '../../src/composites/projection.js';
import { ROUTER, type RouterAttrs } from '../../src/composites/router.js';
import { FP8_BLOCK } from '../../src/models/deepseek/layout.js';
import type { Choices, Recipe, Workspace } from './graph-workspace.js';

/** Hidden sizes above this are not drawn: weights would outgrow the random graphs' element budget. */
const MAX_HIDDEN = 8;

interface Sizes {
  readonly hidden: number;
  readonly heads: number;
  readonly nope: number;
  readonly rope: number;
  readonly v: number;
  readonly kvLora: number;
  /** 0: the query comes from wq directly. */
  readonly qLora: number;
  readonly experts: number;
  /** The inner size of every SwiGLU (dense, shared and routed experts) and the projection composite's out size. */
  readonly inner: number;
  readonly vocab: number;
}

/** [out, in] of each projection weight, by the last part of its operand name (`block.attn.wq` is wq). */
const PROJECTIONS: Readonly<Record<string, (s: Sizes) => [number, number]>> = {
  weight: (s) => [s.inner, s.hidden],
  wq: (s) => [s.heads * (s.nope + s.rope), s.hidden],
  wq_a: (s) => [s.qLora, s.hidden],
  wq_b: (s) => [s.heads * (s.nope + s.rope), s.qLora],
  wkv_a: (s) => [s.kvLora + s.rope, s.hidden],
  wkv_b: (s) => [s.heads * (s.nope + s.v), s.kvLora],
  wo: (s) => [s.hidden, s.heads * s.v],
  gate: (s) => [s.inner, s.hidden],
  up: (s) => [s.inner, s.hidden],
  down: (s) => [s.hidden, s.inner],
  eh_proj: (s) => [s.hidden, 2 * s.hidden],
};

/** [out, in] of each routed expert's projection. */
const EXPERTS: Readonly<Record<string, (s: Sizes) => [number, number]>> = {
  experts_gate: (s) => [s.inner, s.hidden],
  experts_up: (s) => [s.inner, s.hidden],
  experts_down: (s) => [s.hidden, s.inner],
};

/** Every other weight (f32). */
const PLAIN: Readonly<Record<string, (s: Sizes) => number[]>> = {
  q_norm: (s) => [s.qLora],
  kv_norm: (s) => [s.kvLora],
  router: (s) => [s.experts, s.hidden],
  router_bias: (s) => [s.experts],
  embed: (s) => [s.vocab, s.hidden],
  head: (s) => [s.vocab, s.hidden],
  enorm: (s) => [s.hidden],
  hnorm: (s) => [s.hidden],
  head_norm: (s) => [s.hidden],
  attn_norm: (s) => [s.hidden],
  ffn_norm: (s) => [s.hidden],
};

const SCALE_SUFFIX = scaleOperand('');

/** The type of weight operand `operand` (projection.ts: stacked experts are [E, in, out] f32 or [E, out, in] e4m3fn). */
function weightType(operand: string, s: Sizes, fp8: boolean): TensorType {
  // The projection composite's own operands are `weight` and `scale_inv`.
  if (operand === 'scale_inv') return weightType(scaleOperand('weight'), s, fp8);
  const scale = operand.endsWith(SCALE_SUFFIX);
  const name = (scale ? operand.slice(0, -SCALE_SUFFIX.length) : operand).split('.').at(-1)!;
  const proj = PROJECTIONS[name]?.(s);
  const expert = EXPERTS[name]?.(s);
  if (proj || expert) {
    const shape = proj ?? (fp8 ? [s.experts, ...expert!] : [s.experts, expert![1], expert![0]]);
    if (scale) return { dtype: 'f32', shape: blockScaleShape(shape, FP8_BLOCK) };
    return { dtype: fp8 ? 'f8e4m3fn' : 'f32', shape };
  }
  const plain = PLAIN[name];
  if (!plain) throw new Error(`model recipes: operand "${operand}" has no shape rule`);
  return { dtype: 'f32', shape: plain(s) };
}

function sizes(c: Choices, hidden: number): Sizes {
  return {
    hidden,
    heads: 1 + c.pick(2),
    nope: 1 + c.pick(2),
    rope: 2 * (1 + c.pick(2)),
    v: 1 + c.pick(2),
    kvLora: 1 + c.pick(3),
    qLora: c.pickFrom([0, 2]),
    experts: 2 + c.pick(3),
    inner: 1 + c.pick(3),
    vocab: 2 + c.pick(4),
  };
}

const gemm = (c: Choices): ProjectionAttrs =>
  c.pick(2) === 1 ? { gemm: 'fp8', linear_scale_fmt: c.pickFrom(['none', 'ue8m0']), parallel_scale_fmt: c.pickFrom(['none', 'ue8m0']) } : {};

function routing(c: Choices, experts: number): RouterAttrs {
  const bias = c.pick(2) === 1;
  // Biased group scores add each group's top 2.
  const groups = c.pickFrom([1, 2, 3, 4].filter((g) => experts % g === 0 && (g === 1 || !bias || experts / g >= 2)));
  const topkGroups = 1 + c.pick(groups);
  return {
    topk: 1 + c.pick((topkGroups * experts) / groups),
    groups,
    topk_groups: topkGroups,
    scoring: c.pickFrom(['sigmoid', 'softmax'] as const),
    route_scale: c.pickFrom([1, 2.5]),
    router_bias: bias,
  };
}

function attention(c: Choices, s: Sizes, p: ProjectionAttrs): MlaAttrs {
  return {
    heads: s.heads,
    qk_nope: s.nope,
    qk_rope: s.rope,
    v_head: s.v,
    kv_lora: s.kvLora,
    q_lora: s.qLora,
    attention: c.pickFrom(['absorb', 'naive'] as const),
    softmax_scale: c.pickFrom([1, 0.375]),
    eps: c.pickFrom([1e-6, 0.5]),
    ...p,
  };
}

/** An f32 value as [rows, hidden], with the sizes of a model around it; undefined when none fits. */
function activation(ws: Workspace, c: Choices): { x: Value; s: Sizes } | undefined {
  const x = ws.pickMatrix(c, (v) => v.dtype === 'f32' && (v.shape[v.shape.length - 1] ?? 1) <= MAX_HIDDEN);
  return x && { x, s: sizes(c, x.shape[1]!) };
}

/** x [rows, hidden] as a batch [B, S, hidden] of one or two sequences. */
function batched(ws: Workspace, c: Choices, x: Value): { x: Value; batch: number; seq: number } {
  const [rows, hidden] = x.shape as [number, number];
  const batch = rows > 0 && rows % 2 === 0 ? 1 + c.pick(2) : 1;
  return { x: ws.op('reshape', [x], { shape: [batch, rows / batch, hidden] }), batch, seq: rows / batch };
}

/** The operands an attention takes besides its weights: rotary tables, start position, caches of `seq` + 0..2 positions. */
function attentionInputs(ws: Workspace, c: Choices, a: MlaAttrs, batch: number, seq: number): Record<string, Value> {
  const table = { dtype: 'f32', shape: [seq, a.qk_rope / 2] } as const;
  const caches = mlaCacheTypes(a, batch, seq + c.pick(3));
  const [cacheA, cacheB] = mlaCacheNames(a.attention);
  return {
    cos: ws.operand(c, table),
    sin: ws.operand(c, table),
    start_pos: ws.startScalar(),
    [cacheA]: ws.operand(c, { dtype: 'f32', shape: caches[cacheA]! }),
    [cacheB]: ws.operand(c, { dtype: 'f32', shape: caches[cacheB]! }),
  };
}

/** Adds composite `def` with the `given` operands and weights for the rest, recording every result. */
function addComposite<A extends object>(ws: Workspace, c: Choices, def: CompositeDef, attrs: A, given: Readonly<Record<string, Value>>, s: Sizes): void {
  const fp8 = (attrs as ProjectionAttrs).gemm === 'fp8';
  const operands = def.operands(attrs as never).map((name) => [name, ws.tensor(given[name] ?? ws.operand(c, weightType(name, s, fp8)))]);
  for (const t of callComposite(def, Object.fromEntries(operands), attrs as never)) ws.record(t.value);
}

export const MODEL_RECIPES = {
  projection: (ws, c) => {
    const a = activation(ws, c);
    if (!a) return;
    const p = gemm(c);
    addComposite(ws, c, PROJECTION, p.gemm ? { gemm: p.gemm, scale_fmt: p.linear_scale_fmt } : {}, { x: a.x }, a.s);
  },
  router: (ws, c) => {
    const a = activation(ws, c);
    if (!a) return;
    const r = routing(c, a.s.experts);
    const given: Record<string, Value> = { x: a.x, weight: ws.operand(c, weightType('router', a.s, false)) };
    if (r.router_bias) given.bias = ws.operand(c, weightType('router_bias', a.s, false));
    addComposite(ws, c, ROUTER, r, given, a.s);
  },
  mlp: (ws, c) => {
    const a = activation(ws, c);
    if (a) addComposite(ws, c, MLP, gemm(c), { x: a.x }, a.s);
  },
  moe: (ws, c) => {
    const a = activation(ws, c);
    if (a) addComposite(ws, c, MOE, { ...routing(c, a.s.experts), ...gemm(c), shared: c.pick(2) === 1 }, { x: a.x }, a.s);
  },
  mla_attention: (ws, c) => {
    const a = activation(ws, c);
    if (!a) return;
    const attrs = attention(c, a.s, gemm(c));
    const { x, batch, seq } = batched(ws, c, a.x);
    addComposite(ws, c, MLA_ATTENTION, attrs, { x, ...attentionInputs(ws, c, attrs, batch, seq) }, a.s);
  },
  cross_entropy: (ws, c) => {
    const a = activation(ws, c);
    if (!a) return;
    // The activation read as logits [rows, classes], its last axis the classes.
    const [rows, classes] = a.x.shape as [number, number];
    const targets = ws.indices(c, [rows], classes);
    if (targets) ws.record(crossEntropy(ws.tensor(a.x), ws.tensor(targets)).value);
  },
  mtp_block: (ws, c) => {
    const a = activation(ws, c);
    if (!a) return;
    const attrs = { ...attention(c, a.s, gemm(c)), ...routing(c, a.s.experts), shared: c.pick(2) === 1 };
    const { x, batch, seq } = batched(ws, c, a.x);
    const tokens = ws.indices(c, [batch, seq], a.s.vocab)!;
    addComposite(ws, c, MTP_BLOCK, attrs, { tokens, hidden: x, ...attentionInputs(ws, c, attrs, batch, seq) }, a.s);
  },
} satisfies Record<string, Recipe>;
