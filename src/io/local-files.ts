// Files on the local disk (Node only; the browser entry never imports this): a file as a ByteSource read on
// demand, and a directory as a FileSet. Reads go through positioned fs.readSync calls, so a multi-GB checkpoint is
// never loaded whole.

import fs from 'node:fs';
import { join } from 'node:path';
import type { ByteSource } from './byte-source.js';
import { fileError } from './file-error.js';
import type { FileSet } from './file-set.js';

/** fs reads and writes move at most about 2 GB per call. */
const MAX_IO_BYTES = 1 << 30;

/** The file at `path`, opened now and read on demand; `close()` releases its descriptor. I/O errors name the file. */
export function fileBytes(path: string): ByteSource {
  let fd: number;
  let byteLength: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw fileError(path, 'open it', e);
  }
  try {
    byteLength = fs.fstatSync(fd).size;
  } catch (e) {
    fs.closeSync(fd);
    throw fileError(path, 'read its size', e);
  }
  let open = true;
  return {
    name: path,
    byteLength,
    read(into, position) {
      if (!open) throw new Error(`${path}: read after close()`);
      for (let done = 0; done < into.length; ) {
        let n: number;
        try {
          n = fs.readSync(fd, into, done, Math.min(into.length - done, MAX_IO_BYTES), position + done);
        } catch (e) {
          throw fileError(path, `read ${into.length - done} bytes at byte ${position + done}`, e);
        }
        if (n === 0) throw new Error(`${path}: the file ended at byte ${position + done}; was it changed after opening?`);
        done += n;
      }
    },
    close() {
      if (open) fs.closeSync(fd);
      open = false;
    },
  };
}

/** The files of directory `dir`. */
export function directoryFiles(dir: string): FileSet {
  const pathOf = (file: string): string => join(dir, file);
  return {
    location: dir,
    pathOf,
    has: (file) => fs.existsSync(pathOf(file)),
    open: (file) => fileBytes(pathOf(file)),
    text: (file) => fs.readFileSync(pathOf(file), 'utf8'),
  };
}

/** Writes all of `bytes` to `fd` at `position`; `what` names the file in the error when the disk takes nothing. */
export function writeFully(fd: number, bytes: Uint8Array, position: number, what: string): void {
  for (let done = 0; done < bytes.length; ) {
    const n = fs.writeSync(fd, bytes, done, Math.min(bytes.length - done, MAX_IO_BYTES), position + done);
    if (n === 0) throw new Error(`${what}: writing at byte ${position + done} made no progress`);
    done += n;
  }
}
