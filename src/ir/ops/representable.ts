import { isFloat, type DType } from '../dtype.js';
import { fail } from '../errors.js';
import { roundToDType } from '../../numerics/index.js';

/** Constants in attributes must be exactly representable in their dtype: a literal is never silently rounded. */
export function checkRepresentable(x: number, dtype: DType, what = 'value'): void {
  const r = roundToDType(isFloat(dtype) ? Math.fround(x) : x, dtype, 'torch');
  if (!(Object.is(r, x) || (Number.isNaN(r) && Number.isNaN(x)))) fail(`${what} ${x} is not exactly representable in ${dtype} (nearest: ${r})`);
}
