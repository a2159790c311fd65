// The two attention forms of the claimed `mla_attention` kernel (mla.ts), after the projections: each writes the
// chunk into its two caches at `start`, attends over the updated caches with the causal mask at `startPos`, and
// leaves the per-head outputs [B·S, H·V] for the output projection. The steps and their roundings are those of
// the decompositions `absorbed` and `naive` in composites/mla.ts.

import { matmulF32, type MatView } from '../../reference/kernels/gemm.js';
import { linearWeight, rowBlock, rowsView, type OperandForm } from './matrix-operand.js';
import type { StorageArray } from '../../../ir/index.js';
import { causalSoftmaxRow, rmsNormRows, rowsOf } from './row-ops.js';

const f = Math.fround;

export interface MlaDims {
  readonly B: number;
  readonly S: number;
  /** Cache positions. */
  readonly T: number;
  readonly D: number;
  readonly H: number;
  /** qk_nope, qk_rope, v_head, kv_lora, q_lora (0: none). */
  readonly N: number;
  readonly R: number;
  readonly V: number;
  readonly L: number;
  readonly QL: number;
}

export interface Chunk {
  /** [B·S, H, N + R], the rope part rotated. */
  readonly q: Float32Array;
  /** [B·S, L + R]: c_kv before kv_norm, then the rotated shared k_pe. */
  readonly kva: Float32Array;
  /** Where the chunk is written (start_pos clamped to [0, T - S]) and the unclamped start_pos of the mask. */
  readonly start: number;
  readonly startPos: number;
  /** The result caches, already holding the input caches; the chunk is written into them. */
  readonly cacheA: Float32Array;
  readonly cacheB: Float32Array;
  readonly wkvB: StorageArray;
  readonly kvNorm: Float32Array;
  /** Out: [B·S, H·V]. */
  readonly heads: Float32Array;
}

export type AttentionForm = (c: Chunk) => void;

/** Query row s of a chunk sees cache positions up to start_pos + s (i32 arithmetic, as the mask's iota sum). */
const lastVisible = (s: number, startPos: number): number => (s + startPos) | 0;

/** The transpose of rows [rows, cols] (row stride `rowStride`) of `data` at `offset`: a [cols, rows] view. */
const columnsView = (data: Float32Array, offset: number, rows: number, cols: number, rowStride: number): MatView => ({ data, offset, rows: cols, cols: rows, rowStride: 1, colStride: rowStride });

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * absorb: caches kv_norm(c_kv) [B, T, L] and k_pe [B, T, R]; W_UK folds into the query, W_UV applies after
 * attending over the latent cache.
 */
export function absorbedAttention(d: MlaDims, wkvBForm: OperandForm, scale: number, eps: number): AttentionForm {
  const { B, S, T, H, N, R, V, L } = d;
  const QH = N + R;
  const BS = B * S;
  const uk = range(H).map((h) => rowBlock(wkvBForm, L, N, h * (N + V)));
  const uv = range(H).map((h) => linearWeight(wkvBForm, L, V, h * (N + V) + N));
  const qLatent = new Float32Array(BS * H * L);
  const scores = new Float32Array(S * H * T);
  const peScores = new Float32Array(S * H * T);
  const latent = new Float32Array(BS * H * L);
  const scaleF = f(scale);
  return (c) => {
    for (let b = 0; b < B; b++) {
      rmsNormRows(rowsOf(c.kva, b * S * (L + R), L + R), S, L, c.kvNorm, eps, rowsOf(c.cacheA, (b * T + c.start) * L, L));
      for (let s = 0; s < S; s++) {
        const from = (b * S + s) * (L + R) + L;
        c.cacheB.set(c.kva.subarray(from, from + R), (b * T + c.start + s) * R);
      }
    }
    for (let h = 0; h < H; h++) uk[h]!.multiply(c.wkvB, rowsView(c.q, h * QH, BS, N, H * QH), rowsView(qLatent, h * L, BS, L, H * L));
    for (let b = 0; b < B; b++) {
      const rows = S * H;
      matmulF32(rowsView(qLatent, b * rows * L, rows, L), columnsView(c.cacheA, b * T * L, T, L, L), rowsView(scores, 0, rows, T));
      matmulF32(rowsView(c.q, b * rows * QH + N, rows, R, QH), columnsView(c.cacheB, b * T * R, T, R, R), rowsView(peScores, 0, rows, T));
      for (let r = 0; r < rows; r++) {
        for (let i = r * T; i < (r + 1) * T; i++) scores[i] = f(f(scores[i]! + peScores[i]!) * scaleF);
        causalSoftmaxRow(scores, r * T, T, lastVisible(Math.floor(r / H), c.startPos));
      }
      matmulF32(rowsView(scores, 0, rows, T), rowsView(c.cacheA, b * T * L, T, L), rowsView(latent, b * rows * L, rows, L));
    }
    for (let h = 0; h < H; h++) uv[h]!.multiply(c.wkvB, rowsView(latent, h * L, BS, L, H * L), rowsView(c.heads, h * V, BS, V, H * V));
  };
}

/** naive: caches per-head K [B, T, H, N + R] (k_pe shared by the heads) and V [B, T, H, V]. */
export function naiveAttention(d: MlaDims, wkvBForm: OperandForm, scale: number, eps: number): AttentionForm {
  const { B, S, T, H, N, R, V, L } = d;
  const QH = N + R;
  const BS = B * S;
  const wkvB = linearWeight(wkvBForm, L, H * (N + V));
  const cKv = new Float32Array(BS * L);
  const kvB = new Float32Array(BS * H * (N + V));
  const scores = new Float32Array(S * T);
  const scaleF = f(scale);
  return (c) => {
    rmsNormRows(rowsOf(c.kva, 0, L + R), BS, L, c.kvNorm, eps, rowsOf(cKv, 0, L));
    wkvB.multiply(c.wkvB, rowsView(cKv, 0, BS, L), rowsView(kvB, 0, BS, H * (N + V)));
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < S; s++) {
        const kPe = c.kva.subarray((b * S + s) * (L + R) + L, (b * S + s + 1) * (L + R));
        for (let h = 0; h < H; h++) {
          const from = ((b * S + s) * H + h) * (N + V);
          const to = (b * T + c.start + s) * H + h;
          c.cacheA.set(kvB.subarray(from, from + N), to * QH);
          c.cacheA.set(kPe, to * QH + N);
          c.cacheB.set(kvB.subarray(from + N, from + N + V), to * V);
        }
      }
    }
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        matmulF32(rowsView(c.q, b * S * H * QH + h * QH, S, QH, H * QH), columnsView(c.cacheA, b * T * H * QH + h * QH, T, QH, H * QH), rowsView(scores, 0, S, T));
        for (let s = 0; s < S; s++) {
          for (let i = s * T; i < (s + 1) * T; i++) scores[i] = f(scores[i]! * scaleF);
          causalSoftmaxRow(scores, s * T, T, lastVisible(s, c.startPos));
        }
        matmulF32(rowsView(scores, 0, S, T), rowsView(c.cacheB, b * T * H * V + h * V, T, V, H * V), rowsView(c.heads, b * S * H * V + h * V, S, V, H * V));
      }
    }
  };
}
