// The reference: the op-by-op interpreter over strided host tensors (the oracle, and the cpu-reference backend) and
// the library routines on typed arrays it is built from, usable by any backend whose memory the host can read:
// library kernels (library.ts: cumsum, topk, scatter_add, gather_matmul, and composites by their decomposition) and
// the kernels of every primitive.

export { referenceBackend } from './backend.js';
export { evaluate, evaluateGraph, type NodeObserver } from './interpreter.js';
export { evaluateFloat64, toFloat64, type F64Tensor } from './float64/evaluate.js';
export { libraryKernel, type HostKernel } from './library.js';
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
export { cumsum } from './kernels/reduce.js';
export { gatherMatmul, matmul } from './kernels/matmul.js';
export { scatterAdd } from './kernels/indexing.js';
export { topk } from './kernels/topk.js';
