// An independent round-to-nearest-even oracle for binary float formats, written from the definition: find the two
// representable neighbours of |x| by binary search over magnitude codes (which are ordered like their values), then
// pick the nearer one, ties to the even code.

export interface FloatGrid {
  readonly mantBits: number;
  readonly bias: number;
  /** Magnitude code one step past the largest finite value (infinity, or e4m3fn's NaN 0x7F standing for 480). */
  readonly beyondCode: number;
}

/** The value of magnitude code `code` by the textbook formula (also for beyondCode: 2^(emax+1) for IEEE layouts). */
export function gridValue(code: number, g: FloatGrid): number {
  const exp = code >> g.mantBits;
  const mant = code & ((1 << g.mantBits) - 1);
  if (exp === 0) return mant * 2 ** (1 - g.bias - g.mantBits);
  return (2 ** g.mantBits + mant) * 2 ** (exp - g.bias - g.mantBits);
}

/**
 * The magnitude code nearest to `a` (finite, >= 0), ties to even; beyondCode when `a` rounds past the largest finite
 * value. Both differences are exact in double: the neighbours are within a factor of two of `a` (Sterbenz), or zero.
 */
export function nearestCode(a: number, g: FloatGrid): number {
  if (a >= gridValue(g.beyondCode, g)) return g.beyondCode;
  let lo = 0;
  let hi = g.beyondCode;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (gridValue(mid, g) <= a) lo = mid;
    else hi = mid;
  }
  const below = a - gridValue(lo, g);
  const above = gridValue(hi, g) - a;
  if (below !== above) return below < above ? lo : hi;
  return lo % 2 === 0 ? lo : hi;
}
