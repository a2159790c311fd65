// Reinterpreting an f32 value as its bit pattern and back, through one shared scratch word.

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * Checks that `x` is already an f32 value. Narrowing casts round once from f32; rounding a double to f32 first
 * would round twice, so callers must `Math.fround` explicitly. NaN passes (its payload is not observable).
 */
export function requireF32(x: number, what: string): number {
  if (Math.fround(x) !== x && x === x) {
    throw new RangeError(`${what}: ${x} is not an f32 value; expected Math.fround(x) === x`);
  }
  return x;
}

/** The IEEE-754 binary32 bit pattern (as an unsigned 32-bit integer) of the f32 value `x`. */
export function f32Bits(x: number): number {
  F32[0] = x;
  return U32[0];
}

/** The f32 value whose bit pattern is the low 32 bits of `bits`. */
export function f32FromBits(bits: number): number {
  U32[0] = bits;
  return F32[0];
}

/** A Uint32Array over the same memory as `a`, for bit-level bulk conversions (no copy). */
export function bitsView(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}
