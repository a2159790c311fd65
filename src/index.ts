// The Node entry of dsv3 (`import ... from 'dsv3'`): everything the browser entry has (browser.ts: the IR, ops,
// compiler, backends, checkpoint reading, Session, verification), plus what needs the local disk: checkpoint
// folders and files read from a path, safetensors files written, and FP8 checkpoints made from f32 ones.

export * from './browser.js';

export { directoryFiles, fileBytes } from './io/local-files.js';
export { SafetensorsWriter, writeSafetensors, type WriteOptions } from './io/safetensors-writer.js';
export type { TensorSpec } from './io/safetensors.js';
export { quantizeCheckpoint, type QuantizeOptions, type QuantizeSummary } from './models/deepseek/quantize.js';
