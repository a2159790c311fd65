// Checkpoint directories: a single file or shards behind an index, opened lazily and checked against the index.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Checkpoint, INDEX_FILE, SINGLE_FILE } from '../../src/io/checkpoint.js';
import { writeSafetensors } from '../../src/io/safetensors-writer.js';
import { tempDir } from './temp-dir.js';
import { directoryFiles } from '../../src/io/local-files.js';

const vec = (...values: number[]) => ({
  dtype: 'F32' as const,
  shape: [values.length],
  data: new Float32Array(values),
});

const writeIndex = (dir: string, index: unknown): void =>
  fs.writeFileSync(path.join(dir, INDEX_FILE), typeof index === 'string' ? index : JSON.stringify(index));

const FIRST = 'model-00001-of-00002.safetensors';
const SECOND = 'model-00002-of-00002.safetensors';

/** Two shards: a and b in the first, c in the second, with a matching index. */
function shardedDir(): string {
  const dir = tempDir();
  writeSafetensors(path.join(dir, FIRST), { a: vec(1, 2), b: vec(3) });
  writeSafetensors(path.join(dir, SECOND), {
    c: { dtype: 'I64', shape: [2, 2], data: new BigInt64Array([1n, 2n, 3n, 4n]) },
  });
  writeIndex(dir, { metadata: { total_size: 44 }, weight_map: { a: FIRST, b: FIRST, c: SECOND } });
  return dir;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Checkpoint', () => {
  it('opens a single model.safetensors', () => {
    const dir = tempDir();
    writeSafetensors(path.join(dir, SINGLE_FILE), { w: vec(5, 6, 7) });
    using ckpt = Checkpoint.open(directoryFiles(dir));
    expect(ckpt.names()).toEqual(['w']);
    expect(ckpt.info('w')).toMatchObject({ dtype: 'F32', shape: [3], file: SINGLE_FILE });
    expect(ckpt.read('w')).toEqual(new Float32Array([5, 6, 7]));
  });

  it('opens sharded checkpoints through the index, opening a shard only when one of its tensors is used', () => {
    const dir = shardedDir();
    const openSync = vi.spyOn(fs, 'openSync');
    using ckpt = Checkpoint.open(directoryFiles(dir));
    expect(ckpt.names()).toEqual(['a', 'b', 'c']);
    expect([ckpt.has('c'), ckpt.has('d')]).toEqual([true, false]);
    expect(openSync).not.toHaveBeenCalled();

    expect(ckpt.readIR('c')).toEqual({ dtype: 'i32', shape: [2, 2], data: new Int32Array([1, 2, 3, 4]) });
    expect(openSync.mock.calls.map(([p]) => path.basename(String(p)))).toEqual([SECOND]);
    expect(ckpt.info('a')).toMatchObject({ dtype: 'F32', shape: [2], file: FIRST });
    expect(ckpt.readRange('a', 1, 1)).toEqual(new Float32Array([2]));
    expect(ckpt.read('b')).toEqual(new Float32Array([3]));
    expect(openSync).toHaveBeenCalledTimes(2);
    expect(() => ckpt.read('d')).toThrow(`${dir}: no tensor "d" in the checkpoint`);
    ckpt.close();
    expect(() => ckpt.read('a')).toThrow(`${dir}: read after close()`);
  });

  it('fails when the directory has neither file', () => {
    const dir = tempDir();
    expect(() => Checkpoint.open(directoryFiles(dir))).toThrow(
      `${dir}: not a checkpoint: neither model.safetensors nor model.safetensors.index.json exists`,
    );
  });

  it('rejects a malformed index', () => {
    const dir = tempDir();
    const index = path.join(dir, INDEX_FILE);
    writeIndex(dir, '{"weight_map": ');
    expect(() => Checkpoint.open(directoryFiles(dir))).toThrow(new RegExp(`^${index}: not valid JSON \\(.+\\)$`));
    for (const bad of [[], { weight_map: [] }, { metadata: {} }]) {
      writeIndex(dir, bad);
      expect(() => Checkpoint.open(directoryFiles(dir))).toThrow(
        `${index}: expected a JSON object with a "weight_map" object (tensor name -> shard file)`,
      );
    }
    for (const file of [3, '../x.safetensors', '..', '']) {
      writeIndex(dir, { weight_map: { w: file } });
      expect(() => Checkpoint.open(directoryFiles(dir))).toThrow(
        `${index}: weight_map["w"] must be a file name in ${dir}, got ${JSON.stringify(file)}`,
      );
    }
  });

  it('names a missing shard', () => {
    const dir = shardedDir();
    fs.rmSync(path.join(dir, SECOND));
    expect(() => Checkpoint.open(directoryFiles(dir))).toThrow(
      `${path.join(dir, INDEX_FILE)}: shard "${SECOND}" is missing from ${dir}`,
    );
  });

  it('names a tensor the index lists but its shard lacks', () => {
    const dir = shardedDir();
    writeSafetensors(path.join(dir, FIRST), { a: vec(1, 2) }, { overwrite: true });
    using ckpt = Checkpoint.open(directoryFiles(dir));
    expect(() => ckpt.read('a')).toThrow(
      `${path.join(dir, INDEX_FILE)}: lists tensor "b" in shard ${FIRST}, which does not hold it`,
    );
  });

  it('names a tensor held by two shards, and one the index does not list', () => {
    const dir = shardedDir();
    const second = path.join(dir, SECOND);
    writeSafetensors(second, { b: vec(3), c: vec(1, 2, 3, 4) }, { overwrite: true });
    using ckpt = Checkpoint.open(directoryFiles(dir));
    expect(() => ckpt.read('c')).toThrow(
      `${second}: holds tensor "b", which ${INDEX_FILE} places in shard ${FIRST}`,
    );
    writeSafetensors(second, { c: vec(1, 2, 3, 4), z: vec(0) }, { overwrite: true });
    expect(() => ckpt.read('c')).toThrow(`${second}: tensor "z" is not listed in ${INDEX_FILE}`);
  });
});
