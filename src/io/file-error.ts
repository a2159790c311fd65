// I/O errors that name the file: Node's messages for reads and writes on an open file (ENOSPC, EIO, EISDIR...)
// name no path, so every file operation of src/io rethrows through fileError.

const CODE_MEANING: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'the file is too large for the file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  ENOENT: 'no such file or folder',
  EEXIST: 'it already exists',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
};

/** `e` as an Error naming `path` and what was being done, with Node's error code (ENOSPC, EACCES...) explained. */
export function fileError(path: string, action: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const reason = code === undefined ? (e as Error).message : `${code}: ${CODE_MEANING[code] ?? (e as Error).message}`;
  return new Error(`${path}: cannot ${action} (${reason})`, { cause: e });
}
