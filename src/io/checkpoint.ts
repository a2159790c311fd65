// A checkpoint directory as Hugging Face lays it out: a single model.safetensors, or shards listed by
// model.safetensors.index.json, whose "weight_map" names the shard file of every tensor. Shards are opened on first
// use and checked against the index then; tensors are read lazily from them.

import fs from 'node:fs';
import { join } from 'node:path';
import { isJSONObject, SafetensorsFile, type FileArray, type IRTensor, type TensorInfo } from './safetensors.js';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

export interface CheckpointTensorInfo extends TensorInfo {
  /** The file holding the tensor, relative to the checkpoint directory. */
  readonly file: string;
}

export class Checkpoint {
  /** Shards opened so far, by file name. */
  private readonly shards = new Map<string, SafetensorsFile>();
  private closed = false;

  private constructor(
    readonly dir: string,
    /** Tensor name -> file name. */
    private readonly fileOf: ReadonlyMap<string, string>,
  ) {}

  static open(dir: string): Checkpoint {
    const indexPath = join(dir, INDEX_FILE);
    if (fs.existsSync(indexPath)) return new Checkpoint(dir, readIndex(dir, indexPath));
    const singlePath = join(dir, SINGLE_FILE);
    if (!fs.existsSync(singlePath)) {
      throw new Error(`${dir}: not a checkpoint: neither ${SINGLE_FILE} nor ${INDEX_FILE} exists`);
    }
    const file = SafetensorsFile.open(singlePath);
    const checkpoint = new Checkpoint(dir, new Map(file.names().map((name) => [name, SINGLE_FILE])));
    checkpoint.shards.set(SINGLE_FILE, file);
    return checkpoint;
  }

  /** Tensor names in sorted order (from the index alone: no shard is opened). */
  names(): string[] {
    return [...this.fileOf.keys()].sort();
  }

  has(name: string): boolean {
    return this.fileOf.has(name);
  }

  info(name: string): CheckpointTensorInfo {
    return { ...this.shardOf(name).info(name), file: this.fileOf.get(name)! };
  }

  read(name: string): FileArray {
    return this.shardOf(name).read(name);
  }

  readRange(name: string, elemStart: number, elemCount: number): FileArray {
    return this.shardOf(name).readRange(name, elemStart, elemCount);
  }

  readIR(name: string): IRTensor {
    return this.shardOf(name).readIR(name);
  }

  close(): void {
    for (const shard of this.shards.values()) shard.close();
    this.shards.clear();
    this.closed = true;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private shardOf(name: string): SafetensorsFile {
    const file = this.fileOf.get(name);
    if (file === undefined) throw new Error(`${this.dir}: no tensor "${name}" in the checkpoint`);
    if (this.closed) throw new Error(`${this.dir}: read after close()`);
    let shard = this.shards.get(file);
    if (shard === undefined) {
      shard = openShard(this.dir, file, this.fileOf);
      this.shards.set(file, shard);
    }
    return shard;
  }
}

/** The index's weight_map, after checking that it is well formed and that every shard it names exists. */
function readIndex(dir: string, indexPath: string): Map<string, string> {
  function fail(msg: string): never {
    throw new Error(`${indexPath}: ${msg}`);
  }
  let index: unknown;
  try {
    index = JSON.parse(fs.readFileSync(indexPath, 'utf8'));
  } catch (e) {
    fail(`not valid JSON (${(e as Error).message})`);
  }
  const weightMap = isJSONObject(index) ? index.weight_map : undefined;
  if (!isJSONObject(weightMap)) fail('expected a JSON object with a "weight_map" object (tensor name -> shard file)');
  const fileOf = new Map<string, string>();
  for (const [name, file] of Object.entries(weightMap)) {
    if (typeof file !== 'string' || !/^[^/\\]+$/.test(file) || file === '.' || file === '..') {
      fail(`weight_map["${name}"] must be a file name in ${dir}, got ${JSON.stringify(file)}`);
    }
    fileOf.set(name, file);
  }
  for (const file of new Set(fileOf.values())) {
    if (!fs.existsSync(join(dir, file))) fail(`shard "${file}" is missing from ${dir}`);
  }
  return fileOf;
}

/** Opens shard `file` and checks it holds exactly the tensors the index assigns to it. */
function openShard(dir: string, file: string, fileOf: ReadonlyMap<string, string>): SafetensorsFile {
  const shard = SafetensorsFile.open(join(dir, file));
  try {
    for (const name of shard.names()) {
      const listed = fileOf.get(name);
      if (listed === undefined) throw new Error(`${shard.path}: tensor "${name}" is not listed in ${INDEX_FILE}`);
      if (listed !== file) {
        throw new Error(`${shard.path}: holds tensor "${name}", which ${INDEX_FILE} places in shard ${listed}`);
      }
    }
    for (const [name, listed] of fileOf) {
      if (listed === file && !shard.has(name)) {
        throw new Error(`${join(dir, INDEX_FILE)}: lists tensor "${name}" in shard ${file}, which does not hold it`);
      }
    }
    return shard;
  } catch (e) {
    shard.close();
    throw e;
  }
}
