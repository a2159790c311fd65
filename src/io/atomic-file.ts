// Files that are never seen half-written (Node only; the browser entry never imports this). A file is written under a
// temporary name in its target folder, synced, and renamed over the target, and the folder is synced: a process
// killed at any point leaves at the target either what was there before or the whole new file. A folder of files
// is built the same way, under a temporary name beside it; one replacing an existing folder is swapped in by two
// renames (the old folder moved aside, the new one moved in), and the old one removed after. The temporary names
// (`<name>.dsv3-partial-<host>-<pid>-<n>`, `<name>.dsv3-previous-<host>-<pid>-<n>` for a folder moved aside) say
// whose they are: the first write of a process into a folder removes those left there by this host's processes
// that are no longer running, and puts back a folder moved aside by a run killed between the two renames, so a
// killed run loses nothing and leaves nothing for long.

import fs from 'node:fs';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { writeFully } from './local-files.js';
import { fileError } from './file-error.js';
import { checkOutputFile, checkOutputFolder, type OutputOptions } from './output-path.js';

export type { OutputOptions };

type Leftover = 'partial' | 'previous';

const HOST = os.hostname().replace(/\W/g, '_');
const LEFTOVER = new RegExp(`^(.+)\\.dsv3-(partial|previous)-${HOST}-(\\d+)-\\d+$`);
let temporaries = 0;
const swept = new Set<string>();

/**
 * Once per process and folder: removes what this host's finished processes left in `folder`, except a folder one
 * moved aside and did not replace (killed between the two renames of a swap), which goes back to its name.
 */
function sweepLeftovers(folder: string): void {
  if (swept.has(folder) || !fs.existsSync(folder)) return;
  for (const name of fs.readdirSync(folder)) {
    const [, target, kind, pid] = LEFTOVER.exec(name) ?? [];
    if (target === undefined || isRunning(Number(pid))) continue;
    const leftover = join(folder, name);
    if (kind === 'previous' && !fs.existsSync(join(folder, target))) fs.renameSync(leftover, join(folder, target));
    else fs.rmSync(leftover, { recursive: true, force: true });
  }
  swept.add(folder);
}

/** A fresh temporary name beside `path`, after sweeping its folder. */
function temporaryPath(path: string, kind: Leftover = 'partial'): string {
  sweepLeftovers(dirname(path));
  return join(dirname(path), `${basename(path)}.dsv3-${kind}-${HOST}-${process.pid}-${temporaries++}`);
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
    const temporary = temporaryPath(path);
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
 * A folder of files written whole: it is built under a temporary name beside `path` and put at `path` on commit,
 * replacing an existing folder there (only with `overwrite`) by a swap, so that `path` never holds a mix of old and
 * new files.
 */
export class OutputFolder {
  private constructor(
    readonly path: string,
    /** Where the folder's files are written until commit: the temporary folder beside `path`. */
    readonly writePath: string,
    private readonly overwrite: boolean,
  ) {}

  /** Checks `path` (a folder, or nothing yet; a writable parent, created if missing) and makes the temporary folder. */
  static open(path: string, { overwrite = false }: OutputOptions = {}): OutputFolder {
    // A folder put back by the sweep counts as existing.
    sweepLeftovers(dirname(path));
    const stat = fs.statSync(path, { throwIfNoEntry: false });
    if (stat !== undefined && !stat.isDirectory()) throw new Error(`${path} exists and is not a folder`);
    if (stat !== undefined && !overwrite) throw new Error(`${path} already exists; refusing to write into it`);
    checkOutputFolder(path, { whole: true });
    try {
      fs.mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      throw fileError(path, `create folder ${dirname(path)}`, e);
    }
    const temporary = temporaryPath(path);
    try {
      fs.mkdirSync(temporary);
    } catch (e) {
      throw fileError(path, `create temporary folder ${temporary}`, e);
    }
    return new OutputFolder(path, temporary, overwrite);
  }

  /** The path to write the folder's file `name` to now. */
  file(name: string): string {
    return join(this.writePath, name);
  }

  /**
   * Puts the folder (its files written and synced) at `path`. A folder already there is first moved aside, and
   * removed once the new one is in place; if the new one cannot be moved in, the old one goes back.
   */
  commit(): void {
    if (!(this.overwrite && fs.existsSync(this.path))) {
      publish(this.writePath, this.path, {});
      return;
    }
    const previous = temporaryPath(this.path, 'previous');
    try {
      fs.renameSync(this.path, previous);
    } catch (e) {
      this.abort();
      throw fileError(this.path, `move it aside to ${previous}`, e);
    }
    try {
      publish(this.writePath, this.path, {});
    } catch (e) {
      fs.renameSync(previous, this.path);
      throw e;
    }
    fs.rmSync(previous, { recursive: true, force: true });
  }

  /** Removes the temporary folder, leaving `path` as it was. */
  abort(): void {
    fs.rmSync(this.writePath, { recursive: true, force: true });
  }
}
