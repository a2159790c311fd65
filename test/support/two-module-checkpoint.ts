// The golden v3-tiny-mtp checkpoint with a second MTP module (layer 4), a copy of the first (layer 3): MTP depth D = 2.

import fs from 'node:fs';
import path from 'node:path';
import { fileBytes } from '../../src/io/local-files.js';
import { SafetensorsFile, type FileArray, type TensorSpec } from '../../src/io/safetensors.js';
import { writeSafetensors } from '../../src/io/safetensors-writer.js';
import { tempDir } from '../io/temp-dir.js';

const GOLDEN = 'spec/golden/v3-tiny-mtp';

/** A fresh folder holding the two-module checkpoint (removed after the test). */
export function twoModuleCheckpoint(): string {
  const dir = tempDir();
  const config = JSON.parse(fs.readFileSync(path.join(GOLDEN, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, num_nextn_predict_layers: 2 }));
  using f = SafetensorsFile.open(fileBytes(path.join(GOLDEN, 'model.safetensors')));
  const tensors: Record<string, TensorSpec & { data: FileArray }> = {};
  for (const name of f.names()) {
    const t = { ...f.info(name), data: f.read(name) };
    tensors[name] = t;
    if (name.startsWith('model.layers.3.')) tensors[name.replace('model.layers.3.', 'model.layers.4.')] = t;
  }
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  return dir;
}
