// Recipes for DeepSeek's FP8 block composites: block quantization and dequantization of weights, and the FP8
// GEMMs with promoted accumulation (plain and per-row expert). Operands that no value fits (scales, expert stacks)
// are new graph inputs, so their data is random like any input's; blocks may be partial at the edges.

import { numel, type Value } from '../../src/ir/index.js';
import { blockScaleShape, fp8BlockDequantize, fp8BlockQuantize, fp8GatherGemm, fp8Gemm } from '../../src/ops/index.js';
import { blockCount } from '../../src/ops/blocks.js';
import type { Choices, Recipe, Workspace } from './graph-workspace.js';

/** Block sizes: small ones cover several blocks and partial ones, 128 is DeepSeek's. */
const BLOCKS = [1, 2, 3, 128];

/** An f32 value as a matrix [rows, last axis], or undefined when there is none (or its last axis is empty). */
function matrix(ws: Workspace, c: Choices): Value | undefined {
  const x = ws.pickRanked(c, (v) => v.dtype === 'f32');
  const k = x?.shape[x.shape.length - 1];
  if (!x || !k) return undefined;
  return x.shape.length === 2 ? x : ws.op('reshape', [x], { shape: [numel(x.shape) / k, k] });
}

/** `x` as e4m3fn, by either fp8 cast mode. */
const toE4m3 = (ws: Workspace, c: Choices, x: Value) => ws.op('cast', [x], { dtype: 'f8e4m3fn', mode: c.pickFrom(['saturate', 'torch']) });

export const FP8_RECIPES = {
  fp8_block_quantize: (ws, c) => {
    const w = matrix(ws, c);
    if (w) fp8BlockQuantize(ws.tensor(w), c.pickFrom(BLOCKS), c.pickFrom(['none', 'ue8m0'])).forEach((t) => ws.record(t.value));
  },
  fp8_block_dequantize: (ws, c) => {
    const f = matrix(ws, c);
    if (!f) return;
    const block = c.pickFrom(BLOCKS);
    const w = toE4m3(ws, c, f);
    const scale = ws.operand(c, { dtype: 'f32', shape: blockScaleShape(w.shape, block) });
    ws.record(fp8BlockDequantize(ws.tensor(w), ws.tensor(scale), block).value);
  },
  fp8_gemm: (ws, c) => {
    const x = matrix(ws, c);
    if (!x) return;
    const [m, k] = x.shape as [number, number];
    const [n, block] = [1 + c.pick(4), c.pickFrom(BLOCKS)];
    const a = toE4m3(ws, c, x);
    const aScale = ws.operand(c, { dtype: 'f32', shape: [m, blockCount(k, block)] });
    const b = ws.operand(c, { dtype: 'f8e4m3fn', shape: [n, k] });
    const bScale = ws.operand(c, { dtype: 'f32', shape: blockScaleShape([n, k], block) });
    const t = (v: Value) => ws.tensor(v);
    ws.record(fp8Gemm(t(a), t(aScale), t(b), t(bScale), block).value);
  },
  fp8_gather_gemm: (ws, c) => {
    const x = matrix(ws, c);
    if (!x) return;
    const [r, k] = x.shape as [number, number];
    const [experts, n, block] = [1 + c.pick(3), 1 + c.pick(4), c.pickFrom(BLOCKS)];
    const a = toE4m3(ws, c, x);
    const aScale = ws.operand(c, { dtype: 'f32', shape: [r, blockCount(k, block)] });
    const b = ws.operand(c, { dtype: 'f8e4m3fn', shape: [experts, n, k] });
    const bScale = ws.operand(c, { dtype: 'f32', shape: blockScaleShape([experts, n, k], block) });
    const ids = ws.indices(c, [r], experts)!;
    const t = (v: Value) => ws.tensor(v);
    ws.record(fp8GatherGemm(t(a), t(aScale), t(b), t(bScale), t(ids), block).value);
  },
} satisfies Record<string, Recipe>;
