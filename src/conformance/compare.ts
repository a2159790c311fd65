// Compares a backend's output with the oracle's under the per-element bounds of bounds.ts: bound 0 means bit for
// bit (NaNs match as NaNs unless their codes are defined), a finite bound means within it (a non-finite expected
// value must be matched exactly), Infinity means not determined, so not compared (but counted).

import { isFloat, sameType, formatType, type TensorData } from '../ir/index.js';
import { decodeToF32 } from '../numerics/index.js';
import type { BoundedOutput } from './bounds.js';
import { UNDETERMINED } from './element-bounds.js';

export interface OutputVerdict {
  readonly name: string;
  readonly elements: number;
  /** Elements a legitimate rounding difference could flip; not compared. */
  readonly undetermined: number;
  readonly mismatches: number;
  /** The first mismatching elements, readable. */
  readonly examples: readonly string[];
  /** The largest |actual - expected| / bound over elements compared with a non-zero bound (0 when none). */
  readonly worstRatio: number;
}

export interface CompareOptions {
  /** NaN codes must match bit for bit (casts define which NaN each format gets); f32 NaNs only by sign. */
  readonly nanBits?: boolean;
}

const F32_MAX = 3.4028234663852886e38;
const MAX_EXAMPLES = 5;

/** Storage bits of element i: f32 through its bit pattern, every other dtype as stored. */
function bitsOf(t: TensorData): ArrayLike<number> {
  const d = t.data;
  return d instanceof Float32Array ? new Uint32Array(d.buffer, d.byteOffset, d.length) : d;
}

/** An element as text that tells −0 from +0 (String(-0) is "0"). */
const valueText = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

function withinBound(a: number, e: number, bound: number): boolean {
  if (!Number.isFinite(e)) return Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e));
  if (Number.isFinite(a)) return Math.abs(a - e) <= bound;
  // A value this close to the top of the range may overflow on the backend.
  return !Number.isNaN(a) && Math.sign(a) === Math.sign(e) && Math.abs(e) + bound > F32_MAX;
}

export function compareOutput(name: string, actual: TensorData, expected: BoundedOutput, options: CompareOptions = {}): OutputVerdict {
  const want = expected.value;
  const n = want.data.length;
  if (!sameType(actual, want)) {
    return { name, elements: n, undetermined: 0, mismatches: n, examples: [`type ${formatType(actual)}, expected ${formatType(want)}`], worstRatio: Infinity };
  }
  const float = isFloat(want.dtype);
  const [a, e] = float ? [decodeToF32(actual.data, actual.dtype), decodeToF32(want.data, want.dtype)] : [actual.data, want.data];
  const [aBits, eBits] = [bitsOf(actual), bitsOf(want)];
  let undetermined = 0;
  let mismatches = 0;
  let worstRatio = 0;
  const examples: string[] = [];
  for (let i = 0; i < n; i++) {
    const bound = expected.bound[i]!;
    if (bound === UNDETERMINED) {
      undetermined++;
      continue;
    }
    const bothNaN = float && Number.isNaN(a[i]!) && Number.isNaN(e[i]!);
    let ok: boolean;
    if (bound === 0) ok = aBits[i] === eBits[i] || (bothNaN && (!options.nanBits || (want.dtype === 'f32' && aBits[i]! >>> 31 === eBits[i]! >>> 31)));
    else {
      ok = withinBound(a[i]!, e[i]!, bound);
      if (ok && Number.isFinite(a[i]!) && Number.isFinite(e[i]!)) worstRatio = Math.max(worstRatio, Math.abs(a[i]! - e[i]!) / bound);
    }
    if (ok) continue;
    mismatches++;
    if (examples.length < MAX_EXAMPLES) {
      const bits = float && want.dtype !== 'f32' ? ` (codes 0x${aBits[i]!.toString(16)} vs 0x${eBits[i]!.toString(16)})` : '';
      examples.push(`[${i}] ${valueText(a[i]!)} vs expected ${valueText(e[i]!)}${bits}, bound ${bound === 0 ? 'exact' : bound.toExponential(2)}`);
    }
  }
  return { name, elements: n, undetermined, mismatches, examples, worstRatio };
}
