// One recipe per kind of op the random graphs contain. A recipe picks its operands among the values that exist
// (so graphs are connected), reads its parameters from the choices, and adds nothing when no operand fits.
// Index tensors are always in range whatever the input data, so every generated graph runs.

import { broadcastShapes, isFp8, numel, sameShape, type DType, type Shape, type Value } from '../../src/ir/index.js';
import { fp8Quantize, logSoftmax, rmsNorm, rope, sigmoid, silu, softmax, swiglu } from '../../src/ops/index.js';
import { FLOATS, MAX_RANK, NUMBERS, type Recipe } from './graph-workspace.js';

const UNARY_FLOAT = ['neg', 'abs', 'exp', 'exp2', 'log', 'log2', 'sqrt', 'recip', 'sin', 'cos', 'floor', 'ceil'];
const ARITH = ['add', 'sub', 'mul', 'div', 'max', 'min'];
const COMPARE = ['lt', 'le', 'eq', 'ne'];
const CAST_TARGETS: readonly DType[] = ['f32', 'f16', 'bf16', 'i32', 'bool', 'u8', 'f8e4m3fn', 'f8e5m2'];

function unaryOps(dtype: DType): string[] {
  if (FLOATS.includes(dtype)) return UNARY_FLOAT;
  return dtype === 'i32' ? ['neg', 'abs'] : dtype === 'bool' ? ['not'] : [];
}

function binaryOps(dtype: DType): string[] {
  if (FLOATS.includes(dtype)) return [...ARITH, ...COMPARE];
  if (dtype === 'i32') return [...ARITH, 'mod', ...COMPARE];
  return dtype === 'bool' ? ['and', 'or', ...COMPARE] : dtype === 'u8' ? COMPARE : [];
}

const is = (dtypes: readonly DType[]) => (v: Value) => dtypes.includes(v.dtype);
const withDim = (shape: Shape, axis: number, size: number) => shape.map((d, i) => (i === axis ? size : d));

export const OP_RECIPES = {
  unary: (ws, c) => {
    const x = ws.pick(c, (v) => unaryOps(v.dtype).length > 0);
    if (x) ws.op(c.pickFrom(unaryOps(x.dtype)), [x]);
  },
  binary: (ws, c) => {
    const x = ws.pick(c, (v) => binaryOps(v.dtype).length > 0);
    if (!x) return;
    const y = ws.partner(c, x);
    ws.op(c.pickFrom(binaryOps(x.dtype)), c.pick(2) ? [y, x] : [x, y]);
  },
  where: (ws, c) => {
    const a = ws.pick(c, () => true)!;
    const cond = ws.pick(c, (v) => v.dtype === 'bool' && sameShape(v.shape, a.shape)) ?? ws.op('cast', [a], { dtype: 'bool' });
    ws.op('where', [cond, a, ws.partner(c, a)]);
  },
  cast: (ws, c) => {
    const x = ws.pick(c, () => true)!;
    const dtype = c.pickFrom(CAST_TARGETS);
    if (isFp8(dtype)) {
      const q = ws.op('cast', [x], { dtype, mode: c.pickFrom(['saturate', 'torch']) });
      if (c.pick(2) === 0) ws.op('cast', [q], { dtype: 'f32' });
    } else {
      ws.op('cast', [x], { dtype });
    }
  },
  reduce: (ws, c) => {
    const x = ws.pickRanked(c, is(NUMBERS));
    if (!x) return;
    const op = c.pickFrom(['reduce_sum', 'reduce_max', 'reduce_min']);
    const chosen = x.shape.map((_, i) => i).filter(() => c.pick(2) === 1);
    ws.op(op, [x], { axes: chosen.length ? chosen : [0], keepdims: c.pick(2) === 1 });
  },
  cumsum: (ws, c) => {
    const x = ws.pickRanked(c, is(NUMBERS));
    if (x) ws.op('cumsum', [x], { axis: c.pick(x.shape.length) });
  },
  matmul: (ws, c) => {
    const picked = ws.pickRanked(c, is(FLOATS));
    if (!picked) return;
    const a = picked.shape.length === 1 ? ws.op('reshape', [picked], { shape: [1, ...picked.shape] }) : picked;
    const r = a.shape.length;
    const [m, k] = a.shape.slice(-2) as [number, number];
    const fitsB = (v: Value) => v.dtype === a.dtype && v.shape.length === r && v.shape[r - 2] === k && a.shape.slice(0, -2).every((d, i) => d === v.shape[i]);
    const swap = a.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
    const b = (c.pick(2) === 1 && ws.pick(c, fitsB)) || ws.op('permute', [a], { perm: swap });
    const n = b.shape[r - 1]!;
    if (ws.fits([...a.shape.slice(0, -2), m, n])) ws.op('matmul', [a, b]);
  },
  gather_matmul: (ws, c) => {
    const picked = ws.pick(c, is(FLOATS));
    if (!picked) return;
    const k = picked.shape[picked.shape.length - 1] ?? 1;
    // Rows of nothing have no row count to reshape to.
    if (k === 0 && picked.shape.length !== 2) return;
    const x = picked.shape.length === 2 ? picked : ws.op('reshape', [picked], { shape: [numel(picked.shape) / k, k] });
    const r = x.shape[0]!;
    const fitsW = (v: Value) => v.dtype === x.dtype && v.shape.length === 3 && v.shape[1] === k;
    const shape = [1 + c.pick(4), k, 1 + c.pick(5)];
    // An iota along the expert axis makes every expert's matrix different, so a wrong expert shows.
    const w = (c.pick(2) === 1 && ws.pick(c, fitsW)) || (ws.fits(shape) ? ws.op('iota', [], { dtype: x.dtype, shape, axis: c.pick(3) }) : undefined);
    const ids = w && ws.fits([r, w.shape[2]!]) ? ws.indices(c, [r], w.shape[0]!) : undefined;
    if (w && ids) ws.op('gather_matmul', [x, w, ids]);
  },
  reshape: (ws, c) => {
    const x = ws.pick(c, () => true)!;
    let n = numel(x.shape);
    const rank = Math.max(c.pick(MAX_RANK + 1), n !== 1 ? 1 : 0);
    const shape = new Array<number>(rank).fill(1);
    if (n === 0) shape[c.pick(rank)] = 0;
    for (let p = 2; n > 1; p++) {
      for (; n % p === 0; n /= p) shape[c.pick(rank)]! *= p;
    }
    ws.op('reshape', [x], { shape });
  },
  permute: (ws, c) => {
    const x = ws.pickRanked(c, () => true);
    if (!x) return;
    const perm = x.shape.map((_, i) => i);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = c.pick(i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    ws.op('permute', [x], { perm });
  },
  broadcast: (ws, c) => {
    let x = ws.pick(c, () => true)!;
    if (x.shape.length < MAX_RANK && (!x.shape.includes(1) || c.pick(2) === 1)) {
      const at = c.pick(x.shape.length + 1);
      x = ws.op('reshape', [x], { shape: [...x.shape.slice(0, at), 1, ...x.shape.slice(at)] });
    }
    const shape = x.shape.map((d) => (d === 1 ? ws.length(c, 5) : d));
    if (ws.fits(shape)) ws.op('broadcast', [x], { shape });
  },
  slice: (ws, c) => {
    const x = ws.pickRanked(c, () => true);
    if (!x) return;
    const starts = x.shape.map((d) => c.pick(d));
    const ends = x.shape.map((d, i) => starts[i]! + ws.length(c, d - starts[i]!));
    ws.op('slice', [x], { starts, ends, steps: x.shape.map(() => 1 + c.pick(3)) });
  },
  concat: (ws, c) => {
    const x = ws.pickRanked(c, () => true);
    if (!x) return;
    const axis = c.pick(x.shape.length);
    const fits = (v: Value) => v.dtype === x.dtype && v.shape.length === x.shape.length && v.shape.every((d, i) => i === axis || d === x.shape[i]);
    const parts = [x, ...Array.from({ length: c.pick(3) }, () => ws.pick(c, fits)!)];
    if (ws.fits(withDim(x.shape, axis, parts.reduce((s, v) => s + v.shape[axis]!, 0)))) ws.op('concat', parts, { axis });
  },
  pad: (ws, c) => {
    const x = ws.pick(c, () => true)!;
    const lo = x.shape.map(() => c.pick(3));
    const hi = x.shape.map(() => c.pick(3));
    if (ws.fits(x.shape.map((d, i) => lo[i]! + d + hi[i]!))) ws.op('pad', [x], { lo, hi, value: c.pickFrom(ws.constants(x.dtype)) });
  },
  take: (ws, c) => {
    const x = ws.pickRanked(c, () => true);
    if (!x) return;
    const axis = c.pick(x.shape.length);
    const idxShape = Array.from({ length: c.pick(Math.min(2, MAX_RANK + 1 - x.shape.length) + 1) }, () => ws.length(c, 4));
    if (!ws.fits([...x.shape.slice(0, axis), ...idxShape, ...x.shape.slice(axis + 1)])) return;
    const idx = ws.indices(c, idxShape, x.shape[axis]!);
    if (idx) ws.op('take', [x, idx], { axis });
  },
  gather: (ws, c) => {
    const x = ws.pickRanked(c, () => true);
    if (!x) return;
    const axis = c.pick(x.shape.length);
    const idxShape = withDim(x.shape, axis, ws.length(c, 5));
    const idx = ws.fits(idxShape) ? ws.indices(c, idxShape, x.shape[axis]!) : undefined;
    if (idx) ws.op('gather', [x, idx], { axis });
  },
  scatter_add: (ws, c) => {
    const x = ws.pickRanked(c, is(NUMBERS));
    if (!x) return;
    const axis = c.pick(x.shape.length);
    const idxShape = withDim(x.shape, axis, ws.length(c, 5));
    const idx = ws.fits(idxShape) ? ws.indices(c, idxShape, x.shape[axis]!) : undefined;
    if (!idx) return;
    const src = ws.pick(c, (v) => v.dtype === x.dtype && sameShape(v.shape, idxShape)) ?? ws.full(c, x.dtype, idxShape);
    ws.op('scatter_add', [x, idx, src], { axis });
  },
  topk: (ws, c) => {
    const x = ws.pickRanked(c, is(NUMBERS));
    if (!x) return;
    const axis = c.pick(x.shape.length);
    ws.op('topk', [x], { axis, k: ws.length(c, x.shape[axis]!) });
  },
  dynamic_slice: (ws, c) => {
    const x = ws.pickRanked(c, () => true);
    if (!x) return;
    const axis = c.pick(x.shape.length);
    ws.op('dynamic_slice', [x, ws.startScalar()], { axis, size: ws.length(c, x.shape[axis]!) });
  },
  dynamic_update_slice: (ws, c) => {
    const x = ws.pickRanked(c, () => true);
    if (!x) return;
    const axis = c.pick(x.shape.length);
    const fits = (v: Value) => v.dtype === x.dtype && v.shape.length === x.shape.length && v.shape.every((d, i) => (i === axis ? d <= x.shape[i]! : d === x.shape[i]));
    ws.op('dynamic_update_slice', [x, ws.pick(c, fits)!, ws.startScalar()], { axis });
  },
  source: (ws, c) => {
    const shape = Array.from({ length: c.pick(3) }, () => ws.length(c, 5));
    const dtype = c.pickFrom(NUMBERS);
    const kind = c.pickFrom(['full', 'iota', 'literal']);
    if (kind === 'full') ws.full(c, dtype, shape);
    // A rank-0 iota has no axis to count along.
    else if (kind === 'iota' && shape.length) ws.op('iota', [], { dtype, shape, axis: c.pick(shape.length) });
    else ws.op('literal', [], { dtype, shape, values: Array.from({ length: numel(shape) }, () => c.pickFrom(ws.constants(dtype))) });
  },
  rms_norm: (ws, c) => {
    const x = ws.pickRanked(c, is(FLOATS));
    if (!x) return;
    const r = x.shape.length;
    const d = x.shape[r - 1]!;
    const w =
      ws.pick(c, (v) => v.dtype === x.dtype && sameShape(v.shape, [d])) ??
      (r === 1 ? x : ws.op('reduce_max', [x], { axes: x.shape.slice(1).map((_, i) => i), keepdims: false }));
    ws.record(rmsNorm(ws.tensor(x), ws.tensor(w), c.pickFrom([1e-6, 0.5, 0])).value);
  },
  softmax: (ws, c) => {
    const x = ws.pickRanked(c, is(FLOATS));
    if (x) ws.record(softmax(ws.tensor(x), c.pick(x.shape.length)).value);
  },
  log_softmax: (ws, c) => {
    const x = ws.pickRanked(c, is(FLOATS));
    if (x) ws.record(logSoftmax(ws.tensor(x), c.pick(x.shape.length)).value);
  },
  silu: (ws, c) => {
    const x = ws.pick(c, is(FLOATS));
    if (x) ws.record(silu(ws.tensor(x)).value);
  },
  sigmoid: (ws, c) => {
    const x = ws.pick(c, is(FLOATS));
    if (x) ws.record(sigmoid(ws.tensor(x)).value);
  },
  swiglu: (ws, c) => {
    const gate = ws.pick(c, is(FLOATS));
    if (gate) ws.record(swiglu(ws.tensor(gate), ws.tensor(ws.partner(c, gate))).value);
  },
  rope: (ws, c) => {
    const picked = ws.pickRanked(c, is(FLOATS));
    if (!picked) return;
    const last = picked.shape.length - 1;
    // Rotation works on pairs: an odd last axis is doubled by concatenating the value with itself.
    const x = picked.shape[last]! % 2 === 0 ? picked : ws.op('concat', [picked, picked], { axis: last });
    if (!ws.fits(x.shape)) return;
    const half = withDim(x.shape, last, x.shape[last]! / 2);
    const broadcastsToHalf = (v: Value) => v.dtype === x.dtype && sameShape(broadcastShapes(v.shape, half) ?? [], half);
    const angle = (c.pick(2) === 1 && ws.pick(c, broadcastsToHalf)) || ws.op('iota', [], { dtype: x.dtype, shape: half.slice(-1), axis: 0 });
    ws.record(rope(ws.tensor(x), ws.tensor(ws.op('cos', [angle])), ws.tensor(ws.op('sin', [angle]))).value);
  },
  fp8_quantize: (ws, c) => {
    const x = ws.pickRanked(c, is(['f32']));
    const k = x?.shape[x.shape.length - 1];
    // Blocks tile the last axis, so it needs an element.
    if (!x || !k) return;
    const block = c.pickFrom(Array.from({ length: k }, (_, i) => i + 1).filter((b) => k % b === 0));
    fp8Quantize(ws.tensor(x), block, c.pickFrom(['none', 'ue8m0'])).forEach((t) => ws.record(t.value));
  },
} satisfies Record<string, Recipe>;

export type OpKind = keyof typeof OP_RECIPES;

export const OP_KINDS = Object.keys(OP_RECIPES) as OpKind[];
