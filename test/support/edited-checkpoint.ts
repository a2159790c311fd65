// A copy of a checkpoint folder (config.json and model.safetensors) with some weights or config keys changed, in a
// temporary folder removed after the test.

import fs from 'node:fs';
import path from 'node:path';
import { fileBytes } from '../../src/io/local-files.js';
import { SafetensorsFile, type FileArray, type TensorSpec } from '../../src/io/safetensors.js';
import { writeSafetensors } from '../../src/io/safetensors-writer.js';
import { tempDir } from '../io/temp-dir.js';

export type CheckpointTensors = Record<string, TensorSpec & { data: FileArray }>;

export interface CheckpointEdits {
  /** Changes the tensors (copies of the source's) in place. */
  readonly tensors?: (tensors: CheckpointTensors) => void;
  /** Keys to set in config.json. */
  readonly config?: Readonly<Record<string, unknown>>;
}

export function editedCheckpoint(source: string, edits: CheckpointEdits): string {
  const dir = tempDir();
  using f = SafetensorsFile.open(fileBytes(path.join(source, 'model.safetensors')));
  const tensors: CheckpointTensors = Object.fromEntries(f.names().map((n) => [n, { ...f.info(n), data: f.read(n).slice() as FileArray }]));
  edits.tensors?.(tensors);
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  const config = JSON.parse(fs.readFileSync(path.join(source, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, ...edits.config }));
  return dir;
}
