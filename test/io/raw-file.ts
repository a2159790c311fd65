// Hand-built safetensors bytes, for files the writer would never produce (corrupt headers, sparse giants).

import fs from 'node:fs';

/** The 8-byte length prefix and `header` (JSON-encoded unless already a string); `length` overrides the prefix. */
export function headerBytes(header: unknown, length?: bigint): Buffer {
  const text = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(length ?? BigInt(text.length));
  return Buffer.concat([prefix, text]);
}

/** Writes a file of `header` followed by `dataBytes` bytes of data (byte i is i mod 251). */
export function writeRawFile(path: string, header: unknown, dataBytes: number, length?: bigint): string {
  const data = Buffer.from(Array.from({ length: dataBytes }, (_, i) => i % 251));
  fs.writeFileSync(path, Buffer.concat([headerBytes(header, length), data]));
  return path;
}
