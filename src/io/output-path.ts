// Checks on where a command is about to write, made before the work (Node only).

import fs from 'node:fs';
import { dirname } from 'node:path';
import { fileError } from './file-error.js';

export interface OutputOptions {
  /** Replace an existing file; without it, writing to an existing path is refused. */
  readonly overwrite?: boolean;
  /**
   * Sync the file and its folder to disk before and after the rename (default true), so that it survives a power
   * cut too; false for files that need only never be seen half-written (debugging dumps: the syncs take ms a file).
   */
  readonly sync?: boolean;
}

function checkWritableFolder(path: string, folder: string, action: string): void {
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch (e) {
    throw fileError(path, action, e);
  }
}

/**
 * Checks, before any work is done, that a file can be written at `path`: its folder exists and is writable, the path
 * is not a folder, and (unless `overwrite`) nothing is there yet. Throws an Error naming the path.
 */
export function checkOutputFile(path: string, { overwrite = false }: OutputOptions = {}): void {
  const folder = dirname(path);
  const folderStat = fs.statSync(folder, { throwIfNoEntry: false });
  if (folderStat === undefined) throw new Error(`${path}: cannot write: folder ${folder} does not exist`);
  if (!folderStat.isDirectory()) throw new Error(`${path}: cannot write: ${folder} is not a folder`);
  const stat = fs.statSync(path, { throwIfNoEntry: false });
  if (stat?.isDirectory() === true) throw new Error(`${path} is a folder; expected the path of a file to write`);
  if (stat !== undefined && !overwrite) throw new Error(`${path} already exists; refusing to overwrite it`);
  checkWritableFolder(path, folder, `write into folder ${folder}`);
}

/**
 * Checks, before any work, that files can be written into folder `path`: it is a writable folder, or it does not
 * exist yet and its nearest existing parent is a writable folder (so it can be created). With `whole`, the folder
 * is to be written whole (built beside it and renamed in: OutputFolder), so its parent is what must take files.
 */
export function checkOutputFolder(path: string, { whole = false }: { readonly whole?: boolean } = {}): void {
  let existing = whole ? dirname(path) : path;
  while (!fs.existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (!fs.statSync(existing).isDirectory()) throw new Error(`${path}: cannot write: ${existing} is not a folder`);
  checkWritableFolder(path, existing, existing === path ? 'write into the folder' : `${whole && fs.existsSync(path) ? 'replace' : 'create'} it in ${existing}`);
}
