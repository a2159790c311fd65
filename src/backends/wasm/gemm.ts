// The SIMD GEMM of contractions whose operands are strided f32 reads (spec/kernel-ir.md allows any summation
// order with at least f32 precision: `matmul` tolerance). B is packed into panels of 8 columns ([K][8] f32 each,
// zero-padded past N) — once per program for a weight or constant, every run otherwise — and a register-blocked
// micro-kernel keeps a 4-row x 8-column tile in eight f32x4 accumulators over the whole of K, reading A in place.
// With relaxed SIMD, the multiply and add fuse (one rounding fewer per term, which the tolerance allows).

import { stridedF32Load } from '../../compiler/affine.js';
import type { Expr } from '../../compiler/expr.js';
import type { ContractionBody } from '../../compiler/kernel.js';
import type { WasmFunction, WasmModule } from './wasm-module.js';

/** Columns per packed panel of B (two f32x4). */
export const PANEL = 8;
/** Rows of the micro-kernel's tile. */
const TILE_ROWS = 4;
/** Below this many multiply-adds a contraction runs as a plain loop nest (exact float64 sums, no packing). */
export const SIMD_MIN_WORK = 1 << 15;

/** A strided f32 operand: element (batch, row, col) at offset + Σ batchStrides·batch + row·rowStride + col·colStride. */
export interface StridedOperand {
  readonly slot: number;
  readonly offset: number;
  readonly batchStrides: readonly number[];
  readonly rowStride: number;
  readonly colStride: number;
}

function stridedOperand(e: Expr, batchRank: number, rowVar: string, colVar: string): StridedOperand | undefined {
  const load = stridedF32Load(e);
  if (!load) return undefined;
  const { offset, strides } = load.index;
  const batchVars = Array.from({ length: batchRank }, (_, i) => `idx${i}`);
  if ([...strides.keys()].some((key) => key !== rowVar && key !== colVar && !batchVars.includes(key))) return undefined;
  return { slot: load.input, offset, batchStrides: batchVars.map((v) => strides.get(v) ?? 0), rowStride: strides.get(rowVar) ?? 0, colStride: strides.get(colVar) ?? 0 };
}

/** How a contraction runs on the SIMD GEMM: A [M, K] and B [K, N] as strided operands; undefined for the loop nest. */
export interface GemmPlan {
  readonly a: StridedOperand;
  readonly b: StridedOperand;
  /** N rounded up to whole panels: the row length of the product and of the packed B. */
  readonly paddedN: number;
}

export function gemmPlan(body: ContractionBody): GemmPlan | undefined {
  if (body.m * body.n * body.k < SIMD_MIN_WORK) return undefined;
  const nb = body.batch.length;
  const a = stridedOperand(body.a, nb, `idx${nb}`, 'ridx0');
  const b = stridedOperand(body.b, nb, 'ridx0', `idx${nb + 1}`);
  return a && b ? { a, b, paddedN: Math.ceil(body.n / PANEL) * PANEL } : undefined;
}

/** Operand `o`'s element offset of flat batch `batch` (row-major over the contraction's batch dimensions). */
function batchOffset(body: ContractionBody, o: StridedOperand, batch: number): number {
  let offset = o.offset;
  for (let i = body.batch.length - 1, flat = batch; i >= 0; i--) {
    offset += (flat % body.batch[i]!) * o.batchStrides[i]!;
    flat = Math.floor(flat / body.batch[i]!);
  }
  return offset;
}

/**
 * Packs B of flat batch `batch` from `src` (the input's f32 elements) into `dst` at element `at`: panel p holds
 * B[k][8p .. 8p+7] at dst[at + (p·K + k)·8 ..], zero past N.
 */
export function packB(body: ContractionBody, plan: GemmPlan, src: Float32Array, batch: number, dst: Float32Array, at: number): void {
  const { b } = plan;
  const offset = batchOffset(body, b, batch);
  const { k: K, n: N } = body;
  for (let p = 0; p < plan.paddedN / PANEL; p++) {
    for (let kk = 0; kk < K; kk++) {
      const row = offset + kk * b.rowStride;
      const d = at + (p * K + kk) * PANEL;
      for (let j = 0; j < PANEL; j++) {
        const n = p * PANEL + j;
        dst[d + j] = n < N ? src[row + n * b.colStride]! : 0;
      }
    }
  }
}

/** Below this many multiply-adds a GEMM runs on the calling thread alone (waking workers costs more). */
export const PARALLEL_MIN_WORK = 1 << 20;

/** One thread's block of a GEMM: byte offsets from A's buffer, the packed B and the product; its rows and panels. */
export interface GemmCall {
  readonly thread: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly rows: number;
  readonly panels: number;
}

/** [start, end) of part `t` of `count` items split evenly into `parts`, in multiples of `unit`. */
const part = (count: number, parts: number, t: number, unit: number): [number, number] => {
  const units = Math.ceil(count / unit);
  return [Math.floor((t * units) / parts) * unit, Math.min(count, Math.floor(((t + 1) * units) / parts) * unit)];
};

/**
 * The GEMM's calls split over `threads`: each batch's rows in whole 4-row tiles when there are enough, otherwise its
 * panels (a matrix-vector product). Every element is computed the same way whichever thread computes it, so results
 * do not depend on the thread count.
 */
export function gemmCalls(body: ContractionBody, plan: GemmPlan, threads: number): GemmCall[] {
  const { m: M, k: K } = body;
  const panels = plan.paddedN / PANEL;
  const batches = body.batch.reduce((x, y) => x * y, 1);
  const used = batches * M * body.n * K < PARALLEL_MIN_WORK ? 1 : threads;
  const byRows = M >= TILE_ROWS * used;
  const calls: GemmCall[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const a = batchOffset(body, plan.a, batch) * 4;
    const b = batch * plan.paddedN * K * 4;
    const c = batch * M * plan.paddedN * 4;
    for (let t = 0; t < used; t++) {
      if (byRows) {
        const [r0, r1] = part(M, used, t, TILE_ROWS);
        if (r1 > r0) calls.push({ thread: t, a: a + r0 * plan.a.rowStride * 4, b, c: c + r0 * plan.paddedN * 4, rows: r1 - r0, panels });
      } else {
        const [p0, p1] = part(panels, used, t, 1);
        if (p1 > p0) calls.push({ thread: t, a, b: b + p0 * K * PANEL * 4, c: c + p0 * PANEL * 4, rows: M, panels: p1 - p0 });
      }
    }
  }
  return calls;
}

/** acc += x · b, as one fused multiply-add when the runtime has relaxed SIMD. */
const madd = (acc: string, x: string, b: string, fma: boolean): string =>
  fma ? `local.get $${x} local.get $${b} local.get $${acc} f32x4.relaxed_madd local.set $${acc}` : `local.get $${acc} local.get $${x} local.get $${b} f32x4.mul f32x4.add local.set $${acc}`;

/** The tile loop over `rows` rows (the 4-row kernel, then the 1-row kernel for the rows left over). */
function tileLoop(rows: number, fma: boolean): string[] {
  const r = Array.from({ length: rows }, (_, i) => i);
  const acc = (i: number, h: number) => `c${i}${h}`;
  return [
    // for (; i + rows <= M; i += rows) for (p = 0; p < panels; p++)
    'block loop',
    `local.get $i i32.const ${rows} i32.add local.get $M i32.gt_s br_if 1`,
    'i32.const 0 local.set $p',
    'block loop',
    'local.get $p local.get $panels i32.ge_s br_if 1',
    ...r.flatMap((i) => [0, 1].map((h) => `f32.const 0 f32x4.splat local.set $${acc(i, h)}`)),
    `local.get $a local.get $i local.get $ars i32.mul i32.add local.set $ap`,
    `local.get $b local.get $p local.get $K i32.mul i32.const ${PANEL * 4} i32.mul i32.add local.set $bp`,
    'i32.const 0 local.set $k',
    'block loop',
    'local.get $k local.get $K i32.ge_s br_if 1',
    'local.get $bp v128.load local.set $b0',
    'local.get $bp v128.load offset=16 local.set $b1',
    ...r.flatMap((i) => [
      `local.get $ap${i ? ` local.get $ars i32.const ${i} i32.mul i32.add` : ''} f32.load f32x4.splat local.set $x`,
      madd(acc(i, 0), 'x', 'b0', fma),
      madd(acc(i, 1), 'x', 'b1', fma),
    ]),
    'local.get $ap local.get $acs i32.add local.set $ap',
    `local.get $bp i32.const ${PANEL * 4} i32.add local.set $bp`,
    'local.get $k i32.const 1 i32.add local.set $k br 0 end end',
    ...r.flatMap((i) => {
      const at = `local.get $c local.get $i i32.const ${i} i32.add local.get $ldc i32.mul i32.add local.get $p i32.const ${PANEL * 4} i32.mul i32.add`;
      return [`${at} local.get $${acc(i, 0)} v128.store`, `${at} local.get $${acc(i, 1)} v128.store offset=16`];
    }),
    'local.get $p i32.const 1 i32.add local.set $p br 0 end end',
    `local.get $i i32.const ${rows} i32.add local.set $i br 0 end end`,
  ];
}

/** gemm(a, ars, acs, b, c, M, panels, K, ldc): C[M, 8·panels] = A · packed B; strides and ldc in bytes. */
function gemmFunction(fma: boolean): WasmFunction {
  const i32 = (name: string) => ({ name, type: 'i32' as const });
  const v128 = (name: string) => ({ name, type: 'v128' as const });
  return {
    name: 'gemm',
    exported: true,
    params: ['a', 'ars', 'acs', 'b', 'c', 'M', 'panels', 'K', 'ldc'].map(i32),
    results: [],
    locals: [
      ...['i', 'p', 'k', 'ap', 'bp'].map(i32),
      ...['b0', 'b1', 'x'].map(v128),
      ...Array.from({ length: TILE_ROWS }, (_, i) => [v128(`c${i}0`), v128(`c${i}1`)]).flat(),
    ],
    body: ['i32.const 0 local.set $i', ...tileLoop(TILE_ROWS, fma), ...tileLoop(1, fma)].join('\n'),
  };
}

/** The module every thread runs GEMM blocks with: `gemm` alone, on the shared memory. */
export const gemmModule = (fma: boolean, sharedMemory: boolean): WasmModule => ({ imports: [], functions: [gemmFunction(fma)], sharedMemory });
