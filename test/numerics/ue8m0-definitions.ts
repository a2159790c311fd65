// The two sides of the ue8m0 proof: the CPU backend's own exp2(ceil(log2 s)), composed from the scalar templates
// both CPU backends generate their kernels from (scalar-js.ts), and the table lookup on the bits that WebGPU's
// ue8m0_round performs with ue8m0Limits (library-fp8-quantize.ts).

import { elementwiseTemplate } from '../../src/backends/reference/scalar-js.js';

const op = (name: string) => elementwiseTemplate(name, 'f32').expr;

/** exp2(ceil(log2 s)) exactly as the CPU backends compute it on an f32 value s. */
export const cpuUe8m0 = new Function('s', `return ${op('exp2')(op('ceil')(op('log2')('s')))};`) as (s: number) => number;

/** The bits of the ue8m0 scale of a normal positive f32 scale with bits `bits`, through the table. */
export function ue8m0FromLimits(bits: number, limits: Uint32Array): number {
  const e = bits >>> 23;
  return ((e + ((bits & 0x7fffff) > limits[e]! ? 1 : 0)) << 23) >>> 0;
}
