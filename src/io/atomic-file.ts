// Files that are never seen half-written (Node only; the browser entry never imports this). A file is written under a
// temporary name in its target folder, synced, and renamed over the target, and the folder is synced: a process
// killed at any point leaves at the target either what was there before or the whole new file. A new folder of
// files is built the same way, under a temporary name beside it. The temporary names
// (`<name>.dsv3-partial-<host>-<pid>-<n>`) say whose they are: the first write of a process into a folder removes
// those left there by this host's processes that are no longer running, so a killed run leaves nothing for long.

import fs from 'node:fs';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { writeFully } from './local-files.js';
import { fileError } from './file-error.js';
import { checkOutputFile, checkOutputFolder, type OutputOptions } from './output-path.js';

export type { OutputOptions };

const HOST = os.hostname().replace(/\W/g, '_');
const PARTIAL = new RegExp(`\\.dsv3-partial-${HOST}-(\\d+)-\\d+$`);
let partials = 0;
const swept = new Set<string>();

/** A fresh temporary name beside `path`, after removing the stale ones in its folder (once per process). */
function partialPath(path: string): string {
  const folder = dirname(path);
  if (!swept.has(folder)) {
    for (const name of fs.readdirSync(folder)) {
      const pid = PARTIAL.exec(name)?.[1];
      if (pid !== undefined && !isRunning(Number(pid))) fs.rmSync(join(folder, name), { recursive: true, force: true });
    }
    swept.add(folder);
  }
  return join(folder, `${basename(path)}.dsv3-partial-${HOST}-${process.pid}-${partials++}`);
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process not yet reaped by its parent (a zombie) still answers signal 0; Linux's /proc tells them apart.
  try {
    return !/^\d+ \(.*\) Z/s.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** fsync on a folder makes a rename in it last; platforms that cannot open a folder for it are left as they are. */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(folder, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES'].includes((e as NodeJS.ErrnoException).code ?? '')) throw fileError(folder, 'sync the folder', e);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Renames `from` to `to` unless something is at `to` and `overwrite` is not set, then syncs the folder when `sync`;
 * `from` is removed on failure.
 */
function publish(from: string, to: string, { overwrite = false, sync = true }: OutputOptions): void {
  try {
    if (!overwrite && fs.existsSync(to)) throw new Error(`${to} appeared while it was being written; refusing to overwrite it`);
    fs.renameSync(from, to);
  } catch (e) {
    fs.rmSync(from, { recursive: true, force: true });
    throw (e as NodeJS.ErrnoException).code === undefined ? e : fileError(to, `rename ${from} to it`, e);
  }
  if (sync) syncFolder(dirname(to));
}

/** A file written under a temporary name beside its target; `commit()` puts it at the target, `abort()` drops it. */
export class AtomicFile {
  private fd: number | undefined;

  private constructor(
    /** Where the file goes on commit. */
    readonly path: string,
    /** Where it is written until then. */
    readonly temporaryPath: string,
    fd: number,
    private readonly options: OutputOptions,
  ) {
    this.fd = fd;
  }

  /** Checks the target (checkOutputFile) and opens a fresh temporary file in its folder. */
  static create(path: string, options: OutputOptions = {}): AtomicFile {
    checkOutputFile(path, options);
    const temporary = partialPath(path);
    let fd: number;
    try {
      fd = fs.openSync(temporary, 'wx');
    } catch (e) {
      throw fileError(path, `create temporary file ${temporary}`, e);
    }
    return new AtomicFile(path, temporary, fd, options);
  }

  /** Writes all of `bytes` at byte `position`. */
  write(bytes: Uint8Array, position: number): void {
    const fd = this.openFd();
    try {
      writeFully(fd, bytes, position, this.path);
    } catch (e) {
      throw fileError(this.path, `write ${bytes.length} bytes at byte ${position}`, e);
    }
  }

  /** Syncs the file to disk, renames it to the target path and syncs the folder (without the syncs if `sync` is false). */
  commit(): void {
    const fd = this.openFd();
    try {
      if (this.options.sync !== false) fs.fsyncSync(fd);
    } catch (e) {
      this.abort();
      throw fileError(this.path, 'sync it to disk', e);
    }
    fs.closeSync(fd);
    this.fd = undefined;
    publish(this.temporaryPath, this.path, this.options);
  }

  /** Stops writing and removes the temporary file, leaving the target as it was; does nothing after commit. */
  abort(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
    fs.rmSync(this.temporaryPath, { force: true });
  }

  [Symbol.dispose](): void {
    this.abort();
  }

  private openFd(): number {
    if (this.fd === undefined) throw new Error(`${this.path}: write after commit() or abort()`);
    return this.fd;
  }
}

/** Writes `data` (text as UTF-8) to `path` through an AtomicFile. */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: OutputOptions = {}): void {
  const file = AtomicFile.create(path, options);
  try {
    file.write(typeof data === 'string' ? new TextEncoder().encode(data) : data, 0);
  } catch (e) {
    file.abort();
    throw e;
  }
  file.commit();
}

/**
 * The folder a set of files is written into. A new folder is built under a temporary name beside `path` and
 * appears whole on commit; an existing one (only with `overwrite`) is written in place, each file replaced whole
 * (through AtomicFile).
 */
export class OutputFolder {
  private constructor(
    readonly path: string,
    /** Where the folder's files are written until commit: `path` itself, or the temporary folder. */
    readonly writePath: string,
  ) {}

  static open(path: string, { overwrite = false }: OutputOptions = {}): OutputFolder {
    const stat = fs.statSync(path, { throwIfNoEntry: false });
    if (stat !== undefined && !stat.isDirectory()) throw new Error(`${path} exists and is not a folder`);
    if (stat !== undefined && !overwrite) throw new Error(`${path} already exists; refusing to write into it`);
    checkOutputFolder(path);
    if (stat !== undefined) return new OutputFolder(path, path);
    try {
      fs.mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      throw fileError(path, `create folder ${dirname(path)}`, e);
    }
    const temporary = partialPath(path);
    try {
      fs.mkdirSync(temporary);
    } catch (e) {
      throw fileError(path, `create temporary folder ${temporary}`, e);
    }
    return new OutputFolder(path, temporary);
  }

  /** The path to write the folder's file `name` to now. */
  file(name: string): string {
    return join(this.writePath, name);
  }

  /** Puts a new folder at `path` (its files written and synced); an existing folder is already complete. */
  commit(): void {
    if (this.writePath !== this.path) publish(this.writePath, this.path, {});
  }

  /** Removes a new folder's temporary folder; files already replaced in an existing folder stay. */
  abort(): void {
    if (this.writePath !== this.path) fs.rmSync(this.writePath, { recursive: true, force: true });
  }
}
