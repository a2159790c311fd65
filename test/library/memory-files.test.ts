// A checkpoint folder held in memory (what a page builds from fetched bytes) reads like the same folder on disk:
// the same config, tensors and golden case, and a missing file is named with what the folder holds.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Checkpoint } from '../../src/io/checkpoint.js';
import { memoryFiles } from '../../src/io/file-set.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { GoldenCase } from '../../src/models/deepseek/verify/golden-case.js';

const DIR = 'spec/golden/v3-tiny-f32';
/** The folder's files as a page holds them: safetensors as ArrayBuffers, config.json as a string. */
const inMemory = () =>
  memoryFiles(
    'v3-tiny-f32',
    Object.fromEntries(
      readdirSync(DIR).map((f) => {
        const bytes = readFileSync(join(DIR, f));
        return [f, f === 'config.json' ? bytes.toString('utf8') : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)];
      }),
    ),
  );

describe('memoryFiles', () => {
  it('holds a checkpoint that reads like the directory it came from', () => {
    using fromDisk = Checkpoint.open(directoryFiles(DIR));
    using fromMemory = Checkpoint.open(inMemory());
    expect(fromMemory.names()).toEqual(fromDisk.names());
    for (const name of fromDisk.names()) expect(fromMemory.readIR(name), name).toEqual(fromDisk.readIR(name));
    expect(fromMemory.info(fromDisk.names()[0]!)).toEqual(fromDisk.info(fromDisk.names()[0]!));
  });

  it('loads the model and the golden case', () => {
    const [disk, memory] = [loadModel(directoryFiles(DIR)), loadModel(inMemory())];
    expect(memory.config).toEqual(disk.config);
    expect(memory.weights.get('model.embed_tokens.weight')).toEqual(disk.weights.get('model.embed_tokens.weight'));
    disk.weights.close();
    memory.weights.close();
    const [goldenOnDisk, golden] = [GoldenCase.open(directoryFiles(DIR)), GoldenCase.open(inMemory())];
    expect(golden.name).toBe('v3-tiny-f32');
    expect(golden.tokens('prefill')).toEqual(goldenOnDisk.tokens('prefill'));
    goldenOnDisk.close();
    golden.close();
  });

  it('names a missing file and the files it holds', () => {
    const files = memoryFiles('tiny', { 'config.json': '{}' });
    expect(() => files.open('model.safetensors')).toThrow('tiny/model.safetensors: no such file in memory (the files held are: config.json)');
    expect(() => Checkpoint.open(files)).toThrow('tiny: not a checkpoint: neither model.safetensors nor model.safetensors.index.json exists');
  });
});
