// mulberry32: a 32-bit seeded generator, small, fast and the same in every JavaScript engine. Everything seeded in
// dsv3 draws from it: sampling, conformance data, property-test batches and benchmark inputs.

/** The generator's next 32-bit output (an unsigned integer) on each call. */
export function mulberry32Bits(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Uniform floats in [0, 1): the 32-bit outputs over 2^32. */
export function mulberry32(seed: number): () => number {
  const bits = mulberry32Bits(seed);
  return () => bits() / 2 ** 32;
}
