// A checkpoint directory as Hugging Face lays it out: a single model.safetensors, or shards listed by
// model.safetensors.index.json, whose "weight_map" names the shard file of every tensor. Shards are opened on first
// use and checked against the index then; tensors are read lazily from them. The folder is a FileSet: a directory
// (directoryFiles, Node) or files in memory (memoryFiles). Every byte read is counted per shard (`reads`), headers
// apart from tensor data, so a run can report its reading pattern.

import { countedBytes, type ByteCount } from './byte-source.js';
import { readJson, type FileSet } from './file-set.js';
import { isJSONObject, SafetensorsFile, type FileArray, type IRTensor, type TensorInfo } from './safetensors.js';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

export interface CheckpointTensorInfo extends TensorInfo {
  /** The file holding the tensor, relative to the checkpoint directory. */
  readonly file: string;
}

/** What was read from one shard since the checkpoint was opened. */
export interface ShardReads {
  readonly file: string;
  /** All bytes read from the file: its header and tensor data. */
  readonly bytesRead: number;
  /** The tensor data among them (each tensor counted every time it is read). */
  readonly tensorBytes: number;
  /** The file's size. */
  readonly byteLength: number;
}

/** A shard's counts: every byte read (ByteCount.all) and the tensor data among them. */
interface ShardCount extends ByteCount {
  tensors: number;
}

const freshCount = (): ShardCount => ({ all: 0, tensors: 0, byteLength: 0 });

export class Checkpoint {
  /** Shards opened so far, by file name. */
  private readonly shards = new Map<string, SafetensorsFile>();
  /** Bytes read per shard file: all of them, and the tensor data among them. */
  private readonly counts = new Map<string, ShardCount>();
  private closed = false;

  private constructor(
    readonly files: FileSet,
    /** Tensor name -> file name. */
    private readonly fileOf: ReadonlyMap<string, string>,
  ) {}

  static open(files: FileSet): Checkpoint {
    if (files.has(INDEX_FILE)) return new Checkpoint(files, readIndex(files));
    if (!files.has(SINGLE_FILE)) {
      throw new Error(`${files.location}: not a checkpoint: neither ${SINGLE_FILE} nor ${INDEX_FILE} exists`);
    }
    const count = freshCount();
    const file = SafetensorsFile.open(countedBytes(files.open(SINGLE_FILE), count));
    const checkpoint = new Checkpoint(files, new Map(file.names().map((name) => [name, SINGLE_FILE])));
    checkpoint.shards.set(SINGLE_FILE, file);
    checkpoint.counts.set(SINGLE_FILE, count);
    return checkpoint;
  }

  /** Names the checkpoint in error messages: its directory, or the label of files in memory. */
  get location(): string {
    return this.files.location;
  }

  /** Tensor names in sorted order (from the index alone: no shard is opened). */
  names(): string[] {
    return [...this.fileOf.keys()].sort();
  }

  /** The checkpoint's files holding tensors (the shards the index names, or the single file), sorted. */
  shardFiles(): string[] {
    return [...new Set(this.fileOf.values())].sort();
  }

  has(name: string): boolean {
    return this.fileOf.has(name);
  }

  info(name: string): CheckpointTensorInfo {
    return { ...this.shardOf(name).info(name), file: this.fileOf.get(name)! };
  }

  read(name: string): FileArray {
    const data = this.shardOf(name).read(name);
    this.counts.get(this.fileOf.get(name)!)!.tensors += data.byteLength;
    return data;
  }

  readRange(name: string, elemStart: number, elemCount: number): FileArray {
    const data = this.shardOf(name).readRange(name, elemStart, elemCount);
    this.counts.get(this.fileOf.get(name)!)!.tensors += data.byteLength;
    return data;
  }

  readIR(name: string): IRTensor {
    const shard = this.shardOf(name);
    this.counts.get(this.fileOf.get(name)!)!.tensors += shard.info(name).byteLength;
    return shard.readIR(name);
  }

  /** The bytes read from each shard opened so far, in file-name order. */
  reads(): ShardReads[] {
    return [...this.counts]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([file, c]) => ({ file, bytesRead: c.all, tensorBytes: c.tensors, byteLength: c.byteLength }));
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
    if (file === undefined) throw new Error(`${this.location}: no tensor "${name}" in the checkpoint`);
    if (this.closed) throw new Error(`${this.location}: read after close()`);
    let shard = this.shards.get(file);
    if (shard === undefined) {
      const count = freshCount();
      shard = openShard(this.files, file, this.fileOf, count);
      this.shards.set(file, shard);
      this.counts.set(file, count);
    }
    return shard;
  }
}

/** The index's weight_map, after checking that it is well formed and that every shard it names exists. */
function readIndex(files: FileSet): Map<string, string> {
  function fail(msg: string): never {
    throw new Error(`${files.pathOf(INDEX_FILE)}: ${msg}`);
  }
  const index = readJson(files, INDEX_FILE);
  const weightMap = isJSONObject(index) ? index.weight_map : undefined;
  if (!isJSONObject(weightMap)) fail('expected a JSON object with a "weight_map" object (tensor name -> shard file)');
  const fileOf = new Map<string, string>();
  for (const [name, file] of Object.entries(weightMap)) {
    if (typeof file !== 'string' || !/^[^/\\]+$/.test(file) || file === '.' || file === '..') {
      fail(`weight_map["${name}"] must be a file name in ${files.location}, got ${JSON.stringify(file)}`);
    }
    fileOf.set(name, file);
  }
  for (const file of new Set(fileOf.values())) {
    if (!files.has(file)) fail(`shard "${file}" is missing from ${files.location}`);
  }
  return fileOf;
}

/** Opens shard `file` and checks it holds exactly the tensors the index assigns to it. */
function openShard(files: FileSet, file: string, fileOf: ReadonlyMap<string, string>, count: ByteCount): SafetensorsFile {
  const shard = SafetensorsFile.open(countedBytes(files.open(file), count));
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
        throw new Error(`${files.pathOf(INDEX_FILE)}: lists tensor "${name}" in shard ${file}, which does not hold it`);
      }
    }
    return shard;
  } catch (e) {
    shard.close();
    throw e;
  }
}
