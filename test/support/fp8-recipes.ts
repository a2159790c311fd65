// Recipes for DeepSeek's FP8 block composites: block quantization and dequantization of weights, and the FP8
// GEMMs with promoted accumulation (plain and per-row expert). Operands that no value fits (scales, expert stacks)
// are new graph inputs, so their data is random like any input's; blocks may be partial at the edges.

import type { Value } from '../../src/ir/index.js';
import { blockScaleShape, fp8BlockDequantize, fp8BlockQuantize, fp8GatherGemm, fp8Gemm, type Tensor } from '../../src/ops/index.js';
import { blockCount } from '../../src/ops/blocks.js';
import type { Choices, Recipe, Workspace } from './graph-workspace.js';

/** Block sizes: small ones cover several blocks and partial ones, 128 is DeepSeek's. */
const BLOCKS = [1, 2, 3, 128];

const isF32 = (v: Value) => v.dtype === 'f32';

/** `x` as e4m3fn, by either fp8 cast mode. */
const toE4m3 = (ws: Workspace, c: Choices, x: Value) => ws.op('cast', [x], { dtype: 'f8e4m3fn', mode: c.pickFrom(['saturate', 'torch']) });

/** The operands of an FP8 GEMM of rows `x` [R, K] against weights of `weightShape` [..., N, K]: a, its tile scales, b, its block scales. */
function gemmOperands(ws: Workspace, c: Choices, x: Value, weightShape: number[], block: number): Tensor[] {
  const [rows, k] = x.shape as [number, number];
  const a = toE4m3(ws, c, x);
  const aScale = ws.operand(c, { dtype: 'f32', shape: [rows, blockCount(k, block)] });
  const b = ws.operand(c, { dtype: 'f8e4m3fn', shape: weightShape });
  const bScale = ws.operand(c, { dtype: 'f32', shape: blockScaleShape(weightShape, block) });
  return [a, aScale, b, bScale].map((v) => ws.tensor(v));
}

export const FP8_RECIPES = {
  fp8_block_quantize: (ws, c) => {
    const w = ws.pickMatrix(c, isF32);
    if (w) fp8BlockQuantize(ws.tensor(w), c.pickFrom(BLOCKS), c.pickFrom(['none', 'ue8m0'])).forEach((t) => ws.record(t.value));
  },
  fp8_block_dequantize: (ws, c) => {
    const f = ws.pickMatrix(c, isF32);
    if (!f) return;
    const block = c.pickFrom(BLOCKS);
    const w = toE4m3(ws, c, f);
    const scale = ws.operand(c, { dtype: 'f32', shape: blockScaleShape(w.shape, block) });
    ws.record(fp8BlockDequantize(ws.tensor(w), ws.tensor(scale), block).value);
  },
  fp8_gemm: (ws, c) => {
    const x = ws.pickMatrix(c, isF32);
    if (!x) return;
    const [n, block] = [1 + c.pick(4), c.pickFrom(BLOCKS)];
    const [a, aScale, b, bScale] = gemmOperands(ws, c, x, [n, x.shape[1]!], block);
    ws.record(fp8Gemm(a!, aScale!, b!, bScale!, block).value);
  },
  fp8_gather_gemm: (ws, c) => {
    const x = ws.pickMatrix(c, isF32);
    if (!x) return;
    const [experts, n, block] = [1 + c.pick(3), 1 + c.pick(4), c.pickFrom(BLOCKS)];
    const [a, aScale, b, bScale] = gemmOperands(ws, c, x, [experts, n, x.shape[1]!], block);
    const ids = ws.tensor(ws.indices(c, [x.shape[0]!], experts)!);
    ws.record(fp8GatherGemm(a!, aScale!, b!, bScale!, ids, block).value);
  },
} satisfies Record<string, Recipe>;
