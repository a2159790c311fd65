// The public tensor API that model code writes with. Each function adds nodes to the graph of its operands.

export { Tensor, type TensorLike } from './tensor.js';
export { Trace, trace } from './trace.js';
export { full, literal, iota } from './creation.js';
export * from './arith.js';
export { sum, max, min, mean, cumsum } from './reduce.js';
export { matmul, linear, gatherMatmul } from './linalg.js';
export { reshape, permute, transpose, broadcastTo, unsqueeze, squeeze, slice, concat, split, pad } from './movement.js';
export { take, gather, scatterAdd, topk, dynamicSlice, dynamicUpdateSlice } from './indexing.js';
export { cast, type Fp8CastMode } from './cast.js';
export { sigmoid, silu, swiglu } from './activation.js';
export { rmsNorm } from './norm.js';
export { softmax, logSoftmax } from './softmax.js';
export { rope } from './rope.js';
export { fp8Quantize, FP8_E4M3_MAX, type ScaleFormat } from './fp8.js';
export { fp8BlockQuantize, fp8BlockDequantize } from './fp8-blocks.js';
export { blockScaleShape } from './blocks.js';
export { fp8Gemm, fp8GatherGemm } from './fp8-gemm.js';
export { fp8Linear, fp8GatherLinear, quantizeActivations } from './fp8-linear.js';

// The composites the functions above build (and the model's); loading the list lets the parser and the verifier
// check composites by name.
export { COMPOSITES, compositeDef, compositeNames } from '../composites/index.js';
