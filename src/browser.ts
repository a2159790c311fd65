/// <reference types="@webgpu/types" preserve="true" />
// The browser entry of dsv3 (`import ... from 'dsv3/browser'`; bundlers pick it for `'dsv3'` through the "browser"
// export condition): everything that runs anywhere. Nothing it reaches, statically or by a dynamic import, imports a
// `node:` module (test/library/entry-imports.test.ts checks). Checkpoints are read from a FileSet:
// `memoryFiles(label, {...})` over bytes the page fetched. The Node entry (index.ts) adds file access on top of this
// one, the files of compile dumps (DSV3_DUMP) included.

// The IR: dtypes, shapes, graphs, the builder, the verifier, the text form, host tensors and weight stores.
export * from './ir/index.js';
// Every composite (the op library's and DeepSeek's layers), with its schema and decomposition.
export { checkCompositesKnown, compositeDef, compositeNames, COMPOSITES } from './composites/index.js';
// The tensor API model code writes with (each call adds nodes to the graph of its operands).
export * from './ops/index.js';
// Bit-exact conversions between f32 and f16, bf16 and the fp8 formats.
export * from './numerics/index.js';

// The compiler: graph -> fused kernels -> kernel IR, every stage printable, and its static figures.
export { compile, compileStages, type CompileOptions, type CompileStages } from './compiler/compile.js';
export type { Kernel, Program } from './compiler/kernel.js';
export { printKernel, printProgram } from './compiler/print-kernel.js';
export { programStats, type KernelStats, type ProgramStats } from './compiler/stats.js';

// Backends: the interface every backend implements, the registry of backends by name, the CPU and WebGPU backends.
export type { Backend, CompileRequest, CompileTime, DeviceTensor, Executable, KernelTime, RunInput, RunOptions, RunResult } from './backends/backend.js';
export { BackendUnavailableError, backendEntries, backendEntry, openBackend, registerBackend, type BackendEntry, type BackendRequirement } from './backends/registry.js';
// The backend SDK: what a new backend implements (DeviceBackend) and the driver that makes it a Backend.
export * from './backends/sdk/index.js';
export { formatProfile, timeByRegion, type ProfileFormat, type RegionTime } from './backends/profile.js';
export { inTask, SILENT_PROGRESS, type Progress, type ProgressTask } from './backends/progress.js';
export { cpuBackend, type CpuBackendOptions, type CpuMode } from './backends/cpu/backend.js';
export { webgpuBackend, type WebGpuBackend, type WebGpuBackendOptions } from './backends/webgpu/backend.js';
export { acquireDevice, type AcquireOptions, type AdapterDescription } from './backends/webgpu/device.js';
export { DeviceLostError, GpuOperationError, NoAdapterError, ShaderCompileError, WebGpuError } from './backends/webgpu/errors.js';

// Reading checkpoints: files as byte sources, safetensors, checkpoint folders (single file or index + shards).
export { memoryBytes, type ByteSource, type Bytes } from './io/byte-source.js';
export { memoryFiles, type FileSet } from './io/file-set.js';
export { FILE_DTYPES, SafetensorsFile, toIRDType, toIRStorage, type FileArray, type FileDType, type IRTensor, type TensorInfo } from './io/safetensors.js';
export { Checkpoint, INDEX_FILE, SINGLE_FILE, type CheckpointTensorInfo } from './io/checkpoint.js';

// DeepSeek-V3 / V2: config, settings, weights, the model graph, a running Session, generation.
export { ConfigError, loadModelConfig, parseModelConfig, type ModelConfig } from './models/deepseek/config.js';
export { defaultSettings, type AttentionMode, type GemmMode, type ModelSettings, type MtpHidden, type Ue8m0Reach } from './models/deepseek/settings.js';
export { loadModel, type LoadedModel } from './models/deepseek/loaded-model.js';
export { ModelWeights, WeightError } from './models/deepseek/weights.js';
export { buildModelGraph, cacheSpecs, type CacheSpec, type GraphOptions } from './models/deepseek/model.js';
export { kvCacheBytes, Session, TokenError, type ForwardResult, type SessionOptions } from './models/deepseek/session.js';
export { generate, type GenerateOptions } from './models/deepseek/generate.js';
export { GREEDY, Sampler, type SamplingOptions } from './models/deepseek/sampling.js';
export { kvCacheBytesPerToken, parameterCounts, type KvCacheSizes, type ParameterCounts } from './models/deepseek/stats.js';

// Verification against the golden cases (spec/golden): a case, its runs, the comparisons and their tolerances.
export { GoldenCase, type GoldenGemm, type GoldenRun, type SkippedRun } from './models/deepseek/verify/golden-case.js';
export { verifyRun } from './models/deepseek/verify/run-case.js';
export { compareBits, compareF32, compareGateWeights, compareIndices, type Comparison } from './models/deepseek/verify/compare.js';
export { F32_CHECKS, F32_TOLERANCE, FP8_END_TO_END_CHECKS, FP8_LAYER_CHECKS, GATE_WEIGHT_TOLERANCE, type CheckTolerance, type Tolerance } from './models/deepseek/verify/tolerance.js';
// Checking a port (docs/checking-a-port.md): a forward call's tensors under the dump names (a Session with
// `captures` adds every layer's), two dumps compared as `dsv3 diff` compares them, and the report `diff` and `verify`
// print, in the order the model computes the tensors, with the first divergence.
export { lastPosition, stepTensors } from './models/deepseek/step-tensors.js';
export { diffDumps, type DiffOptions, type DumpDiff } from './models/deepseek/verify/dump-diff.js';
export { comparisonTable, describeWorst, firstDivergence, summarize } from './models/deepseek/verify/report.js';
export { inLayerOrder } from './models/deepseek/verify/layer-order.js';
export { describeTolerance } from './models/deepseek/verify/tolerance.js';
export type { ElementPair, Values } from './models/deepseek/verify/compare.js';
