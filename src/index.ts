// The Node entry of dsv3 (`import ... from 'dsv3'`): everything the browser entry has (browser.ts: the IR, ops,
// compiler, backends, checkpoint reading, Session, verification), plus what needs the local disk: checkpoint
// folders and files read from a path, safetensors files written, FP8 checkpoints made from f32 ones, random
// checkpoints made from a config, a checkpoint's tokenizer, and the files DSV3_DUMP asks for.

import { installDumpWriter } from './backends/sdk/environment.js';
import { dumpFiles } from './compiler/dump.js';

export * from './browser.js';

export { dumpFiles, dumpTo } from './compiler/dump.js';
export { directoryFiles, fileBytes } from './io/local-files.js';
export { SafetensorsWriter, writeSafetensors, type WriteOptions } from './io/safetensors-writer.js';
export { AtomicFile, OutputFolder, writeFileAtomic, type OutputOptions } from './io/atomic-file.js';
export type { TensorSpec } from './io/safetensors.js';
export { quantizeCheckpoint, type QuantizeOptions, type QuantizeSummary } from './models/deepseek/quantize.js';
export { initCheckpoint, type InitDType, type InitOptions, type InitSummary } from './models/deepseek/random-checkpoint.js';
export { DecodeStream, loadTokenizer, type TextTokenizer } from './models/deepseek/tokenizer.js';

// Node can write files, so DSV3_DUMP works for every backend opened through this entry.
installDumpWriter(dumpFiles);
