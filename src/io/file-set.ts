// The files of a folder (a checkpoint, a golden case), wherever they are: a directory on disk (directoryFiles in
// local-files.ts, Node only) or files already in memory (memoryFiles: bytes a page fetched). Everything that reads
// a checkpoint takes a FileSet, so the same code loads a model in Node and in a browser.

import { memoryBytes, watchedBytes, type ByteRead, type ByteSource, type Bytes } from './byte-source.js';

export interface FileSet {
  /** Names the folder in error messages: a directory path, or a label. */
  readonly location: string;
  /** The name `file` goes by in error messages (its path, for a directory). */
  pathOf(file: string): string;
  has(file: string): boolean;
  /** Opens `file` for reads; throws naming it when the folder has no such file. */
  open(file: string): ByteSource;
  /** `file`'s whole content as UTF-8 text (config.json, an index, a manifest). */
  text(file: string): string;
}

/**
 * Files held in memory, by name: safetensors bytes as ArrayBuffers or views, JSON files as bytes or strings. The
 * bytes are not copied. `location` names the folder in error messages.
 */
export function memoryFiles(location: string, files: Readonly<Record<string, Bytes | string>>): FileSet {
  const pathOf = (file: string): string => `${location}/${file}`;
  const content = (file: string): Bytes | string => {
    if (!Object.hasOwn(files, file)) {
      const held = Object.keys(files).join(', ') || 'none';
      throw new Error(`${pathOf(file)}: no such file in memory (the files held are: ${held})`);
    }
    return files[file]!;
  };
  return {
    location,
    pathOf,
    has: (file) => Object.hasOwn(files, file),
    open(file) {
      const c = content(file);
      return memoryBytes(pathOf(file), typeof c === 'string' ? new TextEncoder().encode(c) : c);
    },
    text(file) {
      const c = content(file);
      return typeof c === 'string' ? c : new TextDecoder('utf-8', { fatal: true }).decode(c);
    },
  };
}

/** `files`, calling `onRead` after every read of a file opened through it (a benchmark timing reads, a test checking which bytes a run read). */
export function watchedFiles(files: FileSet, onRead: (read: ByteRead) => void): FileSet {
  return {
    location: files.location,
    pathOf: (file) => files.pathOf(file),
    has: (file) => files.has(file),
    text: (file) => files.text(file),
    open: (file) => watchedBytes(files.open(file), onRead),
  };
}

/** `file` parsed as JSON; throws naming the file when it cannot be read or parsed. */
export function readJson(files: FileSet, file: string): unknown {
  let text: string;
  try {
    text = files.text(file);
  } catch (e) {
    throw new Error(`${files.pathOf(file)}: cannot read (${(e as Error).message})`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${files.pathOf(file)}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
}
