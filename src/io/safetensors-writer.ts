// Writing safetensors files (Node only; the browser entry never imports this): the header is fixed up front and
// each tensor's data appended in chunks at its offset, so a file larger than memory can be written. The file is an
// AtomicFile: until close() it lives under a temporary name, so the path never holds a partial file.

import { AtomicFile, type OutputOptions } from './atomic-file.js';
import { checkArrayClass, encodeHeader, fileDTypeBytes, littleEndianBytes, type FileArray, type TensorInfo, type TensorSpec } from './safetensors.js';

export interface WriteOptions extends OutputOptions {
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Writes a safetensors file whose header (names, dtypes, shapes) is fixed up front; each tensor's data is then
 * appended in chunks, so a file larger than memory can be produced. Tensors are laid out contiguously in sorted-name
 * order and may be written in any order. `close()` checks that every tensor was written in full and only then puts
 * the file at its path; `abort()` leaves the path as it was.
 */
export class SafetensorsWriter {
  private file: AtomicFile | undefined;
  /** Elements written so far, per tensor. */
  private readonly written = new Map<string, number>();
  readonly path: string;

  private constructor(
    file: AtomicFile,
    private readonly layout: ReadonlyMap<string, TensorInfo>,
  ) {
    this.file = file;
    this.path = file.path;
  }

  /** Checks that `path` can be written (its folder exists; an existing file only with `overwrite`) and starts the file. */
  static create(
    path: string,
    specs: Readonly<Record<string, TensorSpec>>,
    options: WriteOptions = {},
  ): SafetensorsWriter {
    const { header, layout } = encodeHeader(path, specs, options.metadata);
    const writer = new SafetensorsWriter(AtomicFile.create(path, options), layout);
    try {
      writer.openFile().write(header, 0);
    } catch (e) {
      writer.abort();
      throw e;
    }
    return writer;
  }

  /** Appends `chunk` (the typed array of the tensor's dtype) after the elements of `name` written so far. */
  write(name: string, chunk: FileArray): void {
    const file = this.openFile();
    const what = `${this.path}: tensor "${name}"`;
    const info = this.layout.get(name);
    if (info === undefined) throw new Error(`${what}: not declared when the writer was created`);
    const cls = checkArrayClass(info.dtype, chunk, what);
    const total = info.byteLength / cls.BYTES_PER_ELEMENT;
    const done = this.written.get(name) ?? 0;
    if (done + chunk.length > total) {
      throw new RangeError(`${what}: writing ${chunk.length} elements after ${done} exceeds its ${total} elements`);
    }
    file.write(littleEndianBytes(chunk), info.byteOffset + done * cls.BYTES_PER_ELEMENT);
    this.written.set(name, done + chunk.length);
  }

  /** Finishes the file and puts it at its path; if a tensor was not written in full, drops it and throws naming it. */
  close(): void {
    const file = this.openFile();
    const incomplete = [...this.layout].flatMap(([name, { dtype, byteLength }]) => {
      const total = byteLength / fileDTypeBytes(dtype);
      const done = this.written.get(name) ?? 0;
      return done === total ? [] : [`"${name}" (${done} of ${total} elements)`];
    });
    this.file = undefined;
    if (incomplete.length > 0) {
      file.abort();
      throw new Error(`${this.path}: not written in full, so it was dropped: ${incomplete.join(', ')}`);
    }
    file.commit();
  }

  /** Stops writing and drops the partial file; the path keeps what it held before. */
  abort(): void {
    this.file?.abort();
    this.file = undefined;
  }

  private openFile(): AtomicFile {
    if (this.file === undefined) throw new Error(`${this.path}: write after close() or abort()`);
    return this.file;
  }
}

/** Writes `tensors` as one safetensors file (see `SafetensorsWriter`); refuses to replace a file unless asked. */
export function writeSafetensors(
  path: string,
  tensors: Readonly<Record<string, TensorSpec & { readonly data: FileArray }>>,
  options: WriteOptions = {},
): void {
  const writer = SafetensorsWriter.create(path, tensors, options);
  try {
    for (const [name, { data }] of Object.entries(tensors)) writer.write(name, data);
  } catch (e) {
    writer.abort();
    throw e;
  }
  writer.close();
}
