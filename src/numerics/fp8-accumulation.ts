// A model of FP8 GEMM accumulation with limited precision, for research (host-side, not a graph op). DeepSeek-V3's
// report (§3.3; spec/techniques.md §FP8) says that H800 tensor cores keep only about 14 bits when they accumulate FP8
// products, which gives up to ~2% relative error at K = 4096, and that promoting partial sums to f32 every N_C = 128
// elements fixes it.
//
// The model: products a_k·b_k are exact (so are all products of two f32 values in float64). Inside a promotion
// interval the running sum s starts at 0 and after each addition is truncated toward zero to `mantissaBits`
// fraction bits after its leading one, with an unbounded exponent: s = trunc(s + a_k·b_k). At the end of each
// interval of `interval` products, acc = fround(acc + s) in f32, starting from acc = 0; the result is acc. With
// interval = Infinity the whole K range is one interval and the result is fround(s). mantissaBits = 52 leaves
// only float64 rounding, which is exact for e4m3fn inputs (their block sums need at most 43 bits).

export interface AccumulatorModel {
  /** Fraction bits the in-interval running sum keeps after its leading one (f32: 23); 1 ... 52. */
  readonly mantissaBits: number;
  /** Products accumulated before each promotion into the f32 accumulator (N_C); Infinity: never promoted. */
  readonly interval: number;
}

const word = new Float64Array(1);
const halves = new Uint32Array(word.buffer);
/** Which half of the float64 holds the sign, exponent and top 20 fraction bits (the host's byte order decides). */
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LOW = 1 - HIGH;

/** x with all but its top 52 - dropBits fraction bits cleared: truncation toward zero. */
function truncate(x: number, dropBits: number): number {
  word[0] = x;
  if (dropBits >= 32) {
    halves[LOW] = 0;
    halves[HIGH]! &= ~((1 << (dropBits - 32)) - 1);
  } else {
    halves[LOW]! &= ~((2 ** dropBits - 1) | 0);
  }
  return word[0];
}

function checkModel(m: AccumulatorModel): void {
  if (!Number.isInteger(m.mantissaBits) || m.mantissaBits < 1 || m.mantissaBits > 52)
    throw new RangeError(`mantissaBits must be an integer in [1, 52], got ${m.mantissaBits}`);
  if (!(m.interval === Infinity || (Number.isSafeInteger(m.interval) && m.interval >= 1)))
    throw new RangeError(`interval must be a positive integer or Infinity, got ${m.interval}`);
}

/** Σ_k a[aAt + k]·b[bAt + k] for k < K under `model`, as an f32 value. */
export function limitedDot(a: ArrayLike<number>, aAt: number, b: ArrayLike<number>, bAt: number, K: number, model: AccumulatorModel): number {
  checkModel(model);
  const drop = 52 - model.mantissaBits;
  let acc = 0;
  for (let start = 0; start < K; start += Math.min(model.interval, K)) {
    const end = Math.min(start + model.interval, K);
    let s = 0;
    for (let k = start; k < end; k++) s = truncate(s + a[aAt + k]! * b[bAt + k]!, drop);
    acc = Math.fround(acc + s);
  }
  return acc;
}

/** a [M, K] · b [N, K]ᵀ (row-major) under `model`: f32 [M, N]. */
export function limitedGemm(a: ArrayLike<number>, b: ArrayLike<number>, M: number, N: number, K: number, model: AccumulatorModel): Float32Array {
  if (a.length !== M * K || b.length !== N * K) throw new RangeError(`limitedGemm: a has ${a.length} and b ${b.length} elements; expected [${M}, ${K}] and [${N}, ${K}]`);
  const out = new Float32Array(M * N);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) out[m * N + n] = limitedDot(a, m * K, b, n * K, K, model);
  return out;
}
