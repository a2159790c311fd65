// The CPU reference backend: an op-by-op interpreter over strided CPU tensors, with the scalar semantics of every
// op in one table (scalar-js.ts) that generated kernels are built from.

export { evaluate, evaluateGraph } from './interpreter.js';
export { PRIMITIVE_KERNELS, type KernelContext, type PrimitiveKernel } from './primitive-kernels.js';
export {
  allocate,
  broadcastView,
  contiguous,
  copyTensor,
  fromTensorData,
  isContiguous,
  isDense,
  narrowView,
  permuteView,
  reshapeView,
  sliceView,
  toTensorData,
  type CpuTensor,
} from './tensor.js';
export { castKernel, coalesceAxes, copyInto, mapElements, opKernel, runElementwise, whereKernel, type Operand, type ScalarKernel } from './elementwise.js';
export * from './scalar-js.js';
