// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header giving each tensor's
// dtype, shape and byte range in the data section, then the raw little-endian tensor data. The header is validated
// once at open; tensors are then read one at a time at their offsets, so a multi-GB file is never loaded whole.
// The bytes come from a ByteSource (a file on disk in Node, or memory anywhere); writing files is
// safetensors-writer.ts, Node only.

import type { DType, StorageArray } from '../ir/dtype.js';
import { formatShape, isValidShape, numel, type Shape } from '../ir/shape.js';
import { i64ToI32 } from '../numerics/int.js';
import type { ByteSource } from './byte-source.js';
import { JsonError, JsonReader } from './strict-json.js';

export type FileArray =
  | Float64Array
  | Float32Array
  | Uint16Array
  | Uint8Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array;

interface ArrayClass {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): FileArray;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

/** The format's dtype names and the typed array each is read into (16-bit and 8-bit floats as raw bits). */
const ARRAY_OF = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  F8_E4M3: Uint8Array,
  F8_E5M2: Uint8Array,
  I64: BigInt64Array,
  I32: Int32Array,
  I16: Int16Array,
  I8: Int8Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
} satisfies Record<string, ArrayClass>;

export type FileDType = keyof typeof ARRAY_OF;
export const FILE_DTYPES = Object.keys(ARRAY_OF) as readonly FileDType[];

const arrayClass = (dtype: FileDType): ArrayClass => ARRAY_OF[dtype];
/** Checks that `data` is the typed array `dtype` is held in; `what` names the tensor in the error. */
export function checkArrayClass(dtype: FileDType, data: FileArray, what: string): ArrayClass {
  const cls = arrayClass(dtype);
  if (!(data instanceof cls)) {
    throw new TypeError(`${what}: ${dtype} data must be a ${cls.name}, got ${data.constructor.name}`);
  }
  return cls;
}

export const fileDTypeBytes = (dtype: FileDType): number => ARRAY_OF[dtype].BYTES_PER_ELEMENT;

/** I64 maps to i32 (values are range-checked when read); F64, I16 and I8 have no IR dtype. */
const IR_DTYPE_OF: Partial<Record<FileDType, DType>> = {
  F32: 'f32',
  F16: 'f16',
  BF16: 'bf16',
  F8_E4M3: 'f8e4m3fn',
  F8_E5M2: 'f8e5m2',
  I32: 'i32',
  I64: 'i32',
  U8: 'u8',
  BOOL: 'bool',
};

/** The IR dtype a tensor stored as `dtype` loads as; `what` names the tensor in the error. */
export function toIRDType(dtype: FileDType, what: string): DType {
  const ir = IR_DTYPE_OF[dtype];
  if (ir === undefined) {
    const loadable = Object.keys(IR_DTYPE_OF).join(', ');
    throw new TypeError(`${what}: file dtype ${dtype} has no IR dtype; loadable file dtypes are ${loadable}`);
  }
  return ir;
}

/** Converts data read in file dtype `dtype` to the storage of its IR dtype: I64 narrows to i32, BOOL must be 0/1. */
export function toIRStorage(dtype: FileDType, data: FileArray, what: string): StorageArray {
  toIRDType(dtype, what);
  checkArrayClass(dtype, data, what);
  if (data instanceof BigInt64Array) return i64ToI32(data, what);
  if (dtype === 'BOOL') {
    const bad = data.findIndex((b) => b !== 0 && b !== 1);
    if (bad >= 0) throw new RangeError(`${what}: BOOL element ${bad} is ${data[bad]}, expected 0 or 1`);
  }
  return data as StorageArray;
}

export interface TensorInfo {
  readonly dtype: FileDType;
  readonly shape: Shape;
  /** Position of the tensor's first byte in the file (not in the data section). */
  readonly byteOffset: number;
  readonly byteLength: number;
}

export interface IRTensor {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly data: StorageArray;
}

/** The reference implementation's limit; a larger length means the file is not safetensors. */
const MAX_HEADER_BYTES = 100_000_000;
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A safetensors file opened for lazy reads, from `fileBytes(path)` (Node) or `memoryBytes(name, bytes)`. It owns the
 * source: call `close()` (or dispose it) when done.
 */
export class SafetensorsFile {
  private source: ByteSource | undefined;
  /** The source's name: the file's path, or the label of bytes in memory. */
  readonly path: string;

  private constructor(
    source: ByteSource,
    private readonly tensors: ReadonlyMap<string, TensorInfo>,
    /** The header's `__metadata__` map (empty when absent). */
    readonly metadata: Readonly<Record<string, string>>,
  ) {
    this.source = source;
    this.path = source.name;
  }

  static open(source: ByteSource): SafetensorsFile {
    try {
      const { tensors, metadata } = readHeader(source);
      return new SafetensorsFile(source, tensors, metadata);
    } catch (e) {
      source.close();
      throw e;
    }
  }

  /** Tensor names in sorted order. */
  names(): string[] {
    return [...this.tensors.keys()].sort();
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (info === undefined) throw new Error(`${this.path}: no tensor "${name}" (the file has ${this.tensors.size})`);
    return info;
  }

  read(name: string): FileArray {
    const { dtype, byteLength } = this.info(name);
    return this.readRange(name, 0, byteLength / fileDTypeBytes(dtype));
  }

  /** Elements [elemStart, elemStart + elemCount) of the tensor in row-major order, e.g. a block of rows. */
  readRange(name: string, elemStart: number, elemCount: number): FileArray {
    const { dtype, byteOffset, byteLength } = this.info(name);
    const cls = arrayClass(dtype);
    const total = byteLength / cls.BYTES_PER_ELEMENT;
    const valid = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
    if (!valid(elemStart) || !valid(elemCount) || elemStart + elemCount > total) {
      throw new RangeError(
        `${this.path}: tensor "${name}": cannot read ${elemCount} elements from ${elemStart}; it has ${total}`,
      );
    }
    const bytes = new Uint8Array(elemCount * cls.BYTES_PER_ELEMENT);
    this.openSource().read(bytes, byteOffset + elemStart * cls.BYTES_PER_ELEMENT);
    if (!HOST_IS_LITTLE_ENDIAN) swapBytes(bytes, cls.BYTES_PER_ELEMENT);
    return new cls(bytes.buffer, 0, elemCount);
  }

  /** The tensor converted to its IR dtype (see `toIRStorage`). */
  readIR(name: string): IRTensor {
    const { dtype, shape } = this.info(name);
    const what = `${this.path}: tensor "${name}"`;
    return { dtype: toIRDType(dtype, what), shape, data: toIRStorage(dtype, this.read(name), what) };
  }

  close(): void {
    this.source?.close();
    this.source = undefined;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private openSource(): ByteSource {
    if (this.source === undefined) throw new Error(`${this.path}: read after close()`);
    return this.source;
  }
}

function readHeader(source: ByteSource): { tensors: Map<string, TensorInfo>; metadata: Record<string, string> } {
  const path = source.name;
  function fail(msg: string): never {
    throw new Error(`${path}: ${msg}`);
  }
  const fileBytes = source.byteLength;
  if (fileBytes < 8) fail(`not a safetensors file: ${fileBytes} bytes, shorter than the 8-byte header length`);
  const lengthBytes = new Uint8Array(8);
  source.read(lengthBytes, 0);
  const headerBytes = new DataView(lengthBytes.buffer).getBigUint64(0, true);
  if (headerBytes > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${headerBytes} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit; not a safetensors file?`);
  }
  const dataStart = 8 + Number(headerBytes);
  if (dataStart > fileBytes) fail(`header length ${headerBytes} bytes runs past the end of the ${fileBytes}-byte file`);
  const bytes = new Uint8Array(dataStart - 8);
  source.read(bytes, 8);
  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark in the text, so that the reader refuses it instead of the decoder dropping it.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  try {
    const { tensors, metadata } = parseHeader(new JsonReader(text), path, dataStart);
    checkLayout([...tensors], fileBytes - dataStart, dataStart, fail);
    return { tensors, metadata };
  } catch (e) {
    if (!(e instanceof JsonError)) throw e;
    fail(e.syntax ? `header is not valid UTF-8 JSON (${e.message})` : `header ${e.message}`);
  }
}

/**
 * The header's tensors and metadata, read in one pass (`dataStart`: where the data section begins in the file). A
 * tensor name twice is refused (JSON readers keep one of the two entries, and not all the same one).
 */
function parseHeader(r: JsonReader, path: string, dataStart: number): { tensors: Map<string, TensorInfo>; metadata: Record<string, string> } {
  if (r.peek() !== 0x7b) {
    const v = r.value(0);
    r.end();
    throw new Error(`${path}: header must be a JSON object, got ${describe(v)}`);
  }
  r.expect('{');
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> | undefined;
  for (let name = r.firstKey(); name !== undefined; name = r.nextKey()) {
    if (name === '__metadata__') {
      if (metadata !== undefined) throw new Error(`${path}: header has "__metadata__" twice`);
      metadata = parseMetadata(r.value(1), `${path}: __metadata__`);
      continue;
    }
    if (tensors.has(name)) {
      throw new Error(`${path}: tensor "${name}" appears twice in the header; JSON readers keep one of the two entries, so tools would disagree on its data`);
    }
    tensors.set(name, readEntry(r, path, name, dataStart));
  }
  r.end();
  return { tensors, metadata: metadata ?? {} };
}

/** Entry keys read; bits for the three the format defines. */
const DTYPE = 1;
const SHAPE = 2;
const OFFSETS = 4;
const FIELDS = [['dtype', DTYPE], ['shape', SHAPE], ['data_offsets', OFFSETS]] as const;
const fieldBit = (key: string): number => (key === 'dtype' ? DTYPE : key === 'shape' ? SHAPE : key === 'data_offsets' ? OFFSETS : 0);

/**
 * Tensor `name`'s entry, checked: an object with dtype, shape and data_offsets (other keys are ignored, as the
 * reference implementation does), each key once, shape and offsets written as integers, the offsets spanning
 * exactly the bytes the shape and dtype need.
 */
function readEntry(r: JsonReader, path: string, name: string, dataStart: number): TensorInfo {
  const what = (): string => `${path}: tensor "${name}"`;
  if (r.peek() !== 0x7b) throw new Error(`${what()}: expected {dtype, shape, data_offsets}, got ${describe(r.value(1))}`);
  r.expect('{');
  let seen = 0;
  let others: Set<string> | undefined;
  let rawDType: unknown;
  let rawShape: unknown;
  let offsets: unknown;
  for (let key = r.firstKey(); key !== undefined; key = r.nextKey()) {
    const bit = fieldBit(key);
    if (bit === 0 ? others?.has(key) : seen & bit) throw new Error(`${what()}: the entry has "${key}" twice`);
    if (bit === 0) (others ??= new Set()).add(key);
    seen |= bit;
    let value: unknown;
    try {
      value = r.value(2, bit === SHAPE || bit === OFFSETS);
    } catch (e) {
      if (e instanceof JsonError && !e.syntax) throw new Error(`${what()}: "${key}" ${e.message}`);
      throw e;
    }
    if (bit === DTYPE) rawDType = value;
    else if (bit === SHAPE) rawShape = value;
    else if (bit === OFFSETS) offsets = value;
  }
  for (const [key, bit] of FIELDS) if ((seen & bit) === 0) throw new Error(`${what()}: missing "${key}"`);
  const dtype = parseFileDType(rawDType, what);
  if (!isValidShape(rawShape) || !Number.isSafeInteger(numel(rawShape))) {
    throw new Error(`${what()}: shape must be a list of non-negative integers, got ${describe(rawShape)}`);
  }
  const shape = Object.freeze(rawShape);
  const isOffset = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isOffset) || offsets[0] > offsets[1]) {
    throw new Error(`${what()}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${describe(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const needed = numel(shape) * fileDTypeBytes(dtype);
  if (end - begin !== needed) {
    throw new Error(
      `${what()}: data_offsets [${begin}, ${end}] span ${end - begin} bytes, ` +
        `but shape ${formatShape(shape)} of ${dtype} needs ${needed}`,
    );
  }
  return { dtype, shape, byteOffset: dataStart + begin, byteLength: end - begin };
}

/**
 * As the reference implementation requires: the tensors, in the order of their offsets, fill the data section
 * back to back, from its first byte to the last byte of the file. Overlaps, gaps, a data section cut short and
 * bytes after the last tensor are errors naming the tensors involved (by data-section offsets).
 */
function checkLayout(tensors: [string, TensorInfo][], dataBytes: number, dataStart: number, fail: (msg: string) => never): void {
  const byStart = tensors.sort(([, a], [, b]) => a.byteOffset - b.byteOffset || a.byteLength - b.byteLength);
  const tensor = ([name, t]: [string, TensorInfo]): string => `"${name}" (data bytes ${t.byteOffset - dataStart}..${t.byteOffset - dataStart + t.byteLength})`;
  let end = dataStart;
  byStart.forEach((entry, i) => {
    const prev = byStart[i - 1];
    const { byteOffset, byteLength } = entry[1];
    if (byteOffset < end) fail(`tensors ${tensor(prev!)} and ${tensor(entry)} overlap`);
    if (byteOffset > end) {
      const after = prev === undefined ? 'the start of the data section' : `tensor ${tensor(prev)}`;
      fail(`${byteOffset - end} unused bytes between ${after} and tensor ${tensor(entry)}; tensors must be packed back to back`);
    }
    end = byteOffset + byteLength;
  });
  const fileEnd = dataStart + dataBytes;
  if (end > fileEnd) {
    const beyond = byStart.find(([, t]) => t.byteOffset + t.byteLength > fileEnd)!;
    fail(`file is truncated: expected at least ${end} bytes, found ${fileEnd}; tensor ${tensor(beyond)} lies beyond the end`);
  }
  if (end < fileEnd) fail(`${fileEnd - end} bytes after the last tensor's data (the tensors end at byte ${end} of ${fileEnd}); a safetensors file ends with its last tensor`);
}

/** `raw` as a file dtype; `what` (or a function making it, to spare building a name per tensor) names it in errors. */
function parseFileDType(raw: unknown, what: string | (() => string)): FileDType {
  if (typeof raw !== 'string' || !Object.hasOwn(ARRAY_OF, raw)) {
    throw new Error(`${typeof what === 'string' ? what : what()}: unknown dtype ${describe(raw)}; expected one of ${FILE_DTYPES.join(', ')}`);
  }
  return raw as FileDType;
}

function parseShape(raw: unknown, what: string): Shape {
  if (!isValidShape(raw) || !Number.isSafeInteger(numel(raw))) {
    throw new Error(`${what}: shape must be a list of non-negative integers, got ${describe(raw)}`);
  }
  return Object.freeze([...raw]);
}

function parseMetadata(raw: unknown, what: string): Record<string, string> {
  if (!isJSONObject(raw)) throw new Error(`${what}: must map strings to strings, got ${describe(raw)}`);
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw new Error(`${what}: "${key}" must be a string, got ${describe(value)}`);
  }
  return raw as Record<string, string>;
}

export interface TensorSpec {
  readonly dtype: FileDType;
  readonly shape: Shape;
}

/**
 * The header bytes (length prefix, JSON padded with spaces to a multiple of 8) of a file holding `specs`, laid out
 * contiguously in sorted-name order, and where each tensor goes; `path` names the file in errors.
 */
export function encodeHeader(
  path: string,
  specs: Readonly<Record<string, TensorSpec>>,
  metadata: Readonly<Record<string, string>> | undefined,
): { header: Uint8Array; layout: Map<string, TensorInfo> } {
  const json: Record<string, unknown> = {};
  if (metadata !== undefined) json.__metadata__ = parseMetadata(metadata, `${path}: metadata`);
  const ranges: { name: string; spec: TensorSpec; begin: number; end: number }[] = [];
  let end = 0;
  for (const name of Object.keys(specs).sort()) {
    const what = `${path}: tensor "${name}"`;
    if (name === '__metadata__') throw new Error(`${what}: the name is reserved for the metadata map`);
    const dtype = parseFileDType(specs[name]!.dtype, what);
    const shape = parseShape(specs[name]!.shape, what);
    const begin = end;
    end += numel(shape) * fileDTypeBytes(dtype);
    ranges.push({ name, spec: { dtype, shape }, begin, end });
    json[name] = { dtype, shape, data_offsets: [begin, end] };
  }
  const text = new TextEncoder().encode(JSON.stringify(json));
  const padded = Math.ceil(text.length / 8) * 8;
  const header = new Uint8Array(8 + padded).fill(0x20, 8 + text.length);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(text, 8);
  const layout = new Map<string, TensorInfo>();
  for (const { name, spec, begin, end } of ranges) layout.set(name, { ...spec, byteOffset: header.length + begin, byteLength: end - begin });
  return { header, layout };
}

/** Reverses the byte order of each `width`-byte element in place (safetensors data is little-endian). */
function swapBytes(bytes: Uint8Array, width: number): Uint8Array {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
  return bytes;
}

/** `data`'s bytes in safetensors' little-endian order: a view of `data` on a little-endian host, else a swapped copy. */
export function littleEndianBytes(data: FileArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return HOST_IS_LITTLE_ENDIAN ? bytes : swapBytes(bytes.slice(), data.BYTES_PER_ELEMENT);
}

export function isJSONObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
