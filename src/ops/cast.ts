// Casts between dtypes. Casting to fp8 names its overflow behaviour: 'saturate' clamps to the largest finite
// value (what quantization uses), 'torch' follows PyTorch's non-saturating cast (e4m3fn overflow -> NaN).

import { isFp8, parseDType, type DType } from '../ir/index.js';
import type { Fp8CastMode } from '../numerics/index.js';
import { prim, type Tensor } from './tensor.js';
import { typed } from './typed.js';

export type { Fp8CastMode };

export const cast = typed('cast', {
  'Tensor, string': (x: Tensor, dtype: DType): Tensor => {
    const d = parseDType(dtype, 'cast');
    if (isFp8(d)) throw new TypeError(`cast to ${d} needs a mode: "saturate" or "torch"`);
    return d === x.dtype ? x : prim(x, 'cast', [x], { dtype: d });
  },
  'Tensor, string, string': (x: Tensor, dtype: DType, mode: Fp8CastMode): Tensor => {
    const d = parseDType(dtype, 'cast');
    if (!isFp8(d)) throw new TypeError(`cast: a mode applies only to fp8 targets, not ${d}`);
    if (mode !== 'saturate' && mode !== 'torch') throw new TypeError(`cast: mode ${JSON.stringify(mode)} unknown; expected "saturate" or "torch"`);
    return prim(x, 'cast', [x], { dtype: d, mode });
  },
});
