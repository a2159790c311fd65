// Writing safetensors files (Node only; the browser entry never imports this): the header is fixed up front and
// each tensor's data appended in chunks at its offset, so a file larger than memory can be written.

import fs from 'node:fs';
import { writeFully } from './local-files.js';
import { checkArrayClass, encodeHeader, fileDTypeBytes, littleEndianBytes, type FileArray, type TensorInfo, type TensorSpec } from './safetensors.js';

export interface WriteOptions {
  readonly metadata?: Readonly<Record<string, string>>;
  /** Replace an existing file; without it, writing to an existing path is refused. */
  readonly overwrite?: boolean;
}

/**
 * Writes a safetensors file whose header (names, dtypes, shapes) is fixed up front; each tensor's data is then
 * appended in chunks, so a file larger than memory can be produced. Tensors are laid out contiguously in sorted-name
 * order and may be written in any order. `close()` checks that every tensor was written in full.
 */
export class SafetensorsWriter {
  private fd: number | undefined;
  /** Elements written so far, per tensor. */
  private readonly written = new Map<string, number>();

  private constructor(
    readonly path: string,
    fd: number,
    private readonly layout: ReadonlyMap<string, TensorInfo>,
  ) {
    this.fd = fd;
  }

  static create(
    path: string,
    specs: Readonly<Record<string, TensorSpec>>,
    options: WriteOptions = {},
  ): SafetensorsWriter {
    const { header, layout } = encodeHeader(path, specs, options.metadata);
    let fd: number;
    try {
      fd = fs.openSync(path, options.overwrite === true ? 'w' : 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new Error(`${path} already exists; pass {overwrite: true} to replace it`);
      }
      throw e;
    }
    const writer = new SafetensorsWriter(path, fd, layout);
    try {
      writeFully(fd, header, 0, path);
    } catch (e) {
      writer.abort();
      throw e;
    }
    return writer;
  }

  /** Appends `chunk` (the typed array of the tensor's dtype) after the elements of `name` written so far. */
  write(name: string, chunk: FileArray): void {
    const fd = this.openFd();
    const what = `${this.path}: tensor "${name}"`;
    const info = this.layout.get(name);
    if (info === undefined) throw new Error(`${what}: not declared when the writer was created`);
    const cls = checkArrayClass(info.dtype, chunk, what);
    const total = info.byteLength / cls.BYTES_PER_ELEMENT;
    const done = this.written.get(name) ?? 0;
    if (done + chunk.length > total) {
      throw new RangeError(`${what}: writing ${chunk.length} elements after ${done} exceeds its ${total} elements`);
    }
    writeFully(fd, littleEndianBytes(chunk), info.byteOffset + done * cls.BYTES_PER_ELEMENT, what);
    this.written.set(name, done + chunk.length);
  }

  /** Finishes the file; if a tensor was not written in full, deletes the file and throws naming it. */
  close(): void {
    const fd = this.openFd();
    const incomplete = [...this.layout].flatMap(([name, { dtype, byteLength }]) => {
      const total = byteLength / fileDTypeBytes(dtype);
      const done = this.written.get(name) ?? 0;
      return done === total ? [] : [`"${name}" (${done} of ${total} elements)`];
    });
    fs.closeSync(fd);
    this.fd = undefined;
    if (incomplete.length > 0) {
      fs.unlinkSync(this.path);
      throw new Error(`${this.path}: not written in full, so it was removed: ${incomplete.join(', ')}`);
    }
  }

  /** Stops writing and deletes the partial file. */
  abort(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
    fs.unlinkSync(this.path);
  }

  private openFd(): number {
    if (this.fd === undefined) throw new Error(`${this.path}: write after close() or abort()`);
    return this.fd;
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
