export { bf16ToF32, decodeBf16, encodeBf16, f32ToBf16 } from './bf16.js';
export { decodeToF32, encodeFloats, roundToDType } from './codec.js';
export { decodeF16, encodeF16, f16ToF32, f32ToF16 } from './f16.js';
export type { Fp8CastMode, Fp8Format } from './fp8.js';
export { decodeFp8, encodeFp8, f32ToFp8, FP8_MAX, fp8ToF32, fp8Values } from './fp8.js';
export { i64ToI32 } from './int.js';
export { roundToOddF32 } from './round-to-odd.js';
export { mulberry32, mulberry32Bits } from './mulberry32.js';
export { FP8_AMAX_FLOOR, ue8m0Limits, ue8m0Scale } from './fp8-scale.js';
