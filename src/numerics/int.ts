// Narrowing 64-bit integers (safetensors I64 tensors, e.g. token ids) to the i32 the project computes with.

const I32_MIN = -(2n ** 31n);
const I32_MAX = 2n ** 31n - 1n;

/** Copies `src` into an Int32Array; `what` names the data in the error when an element does not fit. */
export function i64ToI32(src: BigInt64Array, what: string): Int32Array {
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v < I32_MIN || v > I32_MAX) {
      throw new RangeError(`${what}: element ${i} is ${v}, which does not fit in i32 (expected ${I32_MIN}..${I32_MAX})`);
    }
    out[i] = Number(v);
  }
  return out;
}
