// Comparisons of computed tensors with golden ones: elementwise within a tolerance or bit for bit, routing indices
// as sets per token, routing weights matched by expert.

import type { TensorData } from '../../../ir/index.js';
import { bound, describeTolerance, F32_TOLERANCE, GATE_WEIGHT_TOLERANCE, type Tolerance } from './tolerance.js';

export interface Comparison {
  readonly name: string;
  /** The largest |got - expected| (for indices: the number of tokens whose expert set differs). */
  readonly maxError: number;
  readonly tolerance: string;
  readonly pass: boolean;
  readonly detail?: string;
}

function shapeMismatch(name: string, got: TensorData, want: TensorData): Comparison | undefined {
  if (got.data.length === want.data.length) return undefined;
  return { name, maxError: Infinity, tolerance: 'shape', pass: false, detail: `shape [${got.shape}] vs expected [${want.shape}]` };
}

/** Elementwise: pass when every |a - b| <= abs + rel·|b| (NaN fails). Only element counts must agree (a [B, 1, V] step matches [B, V]). */
export function compareF32(name: string, got: TensorData, want: TensorData, tolerance: Tolerance = F32_TOLERANCE): Comparison {
  const bad = shapeMismatch(name, got, want);
  if (bad) return bad;
  let maxError = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  for (let i = 0; i < want.data.length; i++) {
    const b = want.data[i]!;
    const diff = Math.abs(got.data[i]! - b);
    const err = Number.isNaN(diff) ? Infinity : diff;
    maxError = Math.max(maxError, err);
    if (err - bound(tolerance, b) > worstExcess) [worstExcess, worst] = [err - bound(tolerance, b), i];
  }
  const pass = worstExcess <= 0;
  const detail = pass ? undefined : `element ${worst}: got ${got.data[worst]}, expected ${want.data[worst]}`;
  return { name, maxError, tolerance: describeTolerance(tolerance), pass, ...(detail ? { detail } : {}) };
}

/** Bit for bit: every element has the expected bit pattern (+0 and -0 differ). maxError is still the largest |a - b|. */
export function compareBits(name: string, got: TensorData, want: TensorData): Comparison {
  const bad = shapeMismatch(name, got, want);
  if (bad) return bad;
  let maxError = 0;
  let differing = 0;
  let first = -1;
  for (let i = 0; i < want.data.length; i++) {
    if (Object.is(got.data[i], want.data[i])) continue;
    differing++;
    if (first < 0) first = i;
    const diff = Math.abs(got.data[i]! - want.data[i]!);
    maxError = Math.max(maxError, Number.isNaN(diff) ? Infinity : diff);
  }
  const detail = differing ? `${differing} element(s) differ; element ${first}: got ${got.data[first]}, expected ${want.data[first]}` : undefined;
  return { name, maxError, tolerance: 'bit-exact', pass: differing === 0, ...(detail ? { detail } : {}) };
}

function rows(t: TensorData): number[][] {
  const k = t.shape[t.shape.length - 1]!;
  return Array.from({ length: t.data.length / k }, (_, r) => Array.from(t.data.subarray(r * k, (r + 1) * k), Number));
}

/** Expert indices [T, k]: each token's set of experts must match exactly. */
export function compareIndices(name: string, got: TensorData, want: TensorData): Comparison {
  const bad = shapeMismatch(name, got, want);
  if (bad) return bad;
  const [g, w] = [rows(got), rows(want)];
  const differing = g.flatMap((r, i) => (JSON.stringify([...r].sort((x, y) => x - y)) === JSON.stringify([...w[i]!].sort((x, y) => x - y)) ? [] : [i]));
  const detail = differing.length ? `token ${differing[0]}: experts [${g[differing[0]!]}] vs expected [${w[differing[0]!]}]` : undefined;
  return { name, maxError: differing.length, tolerance: 'exact sets', pass: differing.length === 0, ...(detail ? { detail } : {}) };
}

/** Routing weights [T, k], matched by expert through both index tensors (which must hold the same sets). */
export function compareGateWeights(name: string, got: TensorData, gotIdx: TensorData, want: TensorData, wantIdx: TensorData, tolerance = GATE_WEIGHT_TOLERANCE): Comparison {
  const bad = shapeMismatch(name, got, want);
  if (bad) return bad;
  const [gw, gi, ww, wi] = [rows(got), rows(gotIdx), rows(want), rows(wantIdx)];
  let maxError = 0;
  for (let r = 0; r < ww.length; r++) {
    wi[r]!.forEach((expert, j) => {
      const at = gi[r]!.indexOf(expert);
      maxError = Math.max(maxError, at < 0 ? Infinity : Math.abs(gw[r]![at]! - ww[r]![j]!));
    });
  }
  return { name, maxError, tolerance: `${tolerance}`, pass: maxError <= tolerance };
}
