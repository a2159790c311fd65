// Moves carry storage codes. A float value that a kernel only moves — loaded in the stored dtype and selected by
// `where` (what permute, slice, concat, pad, broadcast, take, gather, dynamic slices and `where` lower to) — is
// stored as the code it was loaded as, never decoded and encoded again: spec/ops.md says moves are exact for every
// value, NaN codes included (f16 0x7c04 stays 0x7c04), and a copy of bits is the cheaper copy anyway.

import { isFloat, type DType } from '../ir/index.js';
import type { ExprContext, Expr } from './expr.js';
import type { Store } from './kernel.js';

/** Whether `e` reaches a load of `dtype` through `where` branches alone. */
function movesLoad(e: Expr, dtype: DType): boolean {
  if (e.kind === 'load') return e.dtype === dtype;
  return e.kind === 'where' && (movesLoad(e.args[1]!, dtype) || movesLoad(e.args[2]!, dtype));
}

/** `e` as storage codes of `dtype`: moved loads read their codes, anything computed is encoded. */
function asCodes(c: ExprContext, e: Expr, dtype: DType): Expr {
  if (e.kind === 'load' && e.dtype === dtype) return c.loadBits(e.input, dtype, e.args[0]!);
  if (e.kind === 'where') return c.where(e.args[0]!, asCodes(c, e.args[1]!, dtype), asCodes(c, e.args[2]!, dtype));
  return c.encode(e, dtype);
}

/** `s`, writing codes when its value moves elements of the output's float dtype `dtype`. */
export function storeMoves(c: ExprContext, s: Store, dtype: DType): Store {
  if (!isFloat(dtype) || !movesLoad(s.value, dtype)) return s;
  return { ...s, value: asCodes(c, s.value, dtype), bits: true };
}
