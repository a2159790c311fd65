// Malformed files fail at open, with messages naming the file, the tensor and what was expected.

import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { writeSafetensors } from '../../src/io/safetensors-writer.js';
import { writeRawFile } from './raw-file.js';
import { tempDir } from './temp-dir.js';
import { fileBytes } from '../../src/io/local-files.js';

const f32 = (begin: number, n: number) => ({ dtype: 'F32', shape: [n], data_offsets: [begin, begin + 4 * n] });

/** The message of the error opening a file with this header and data (by default exactly the data it needs). */
function openError(header: unknown, dataBytes = 64, length?: bigint): { file: string; message: string } {
  const file = writeRawFile(path.join(tempDir(), 'bad.safetensors'), header, dataBytes, length);
  try {
    SafetensorsFile.open(fileBytes(file)).close();
  } catch (e) {
    return { file, message: (e as Error).message };
  }
  throw new Error(`opening ${file} succeeded`);
}

const expectOpenError = (expected: string, header: unknown, dataBytes?: number, length?: bigint): void => {
  const { file, message } = openError(header, dataBytes, length);
  expect(message).toBe(`${file}: ${expected}`);
};

describe('safetensors validation at open', () => {
  it('rejects files shorter than the length prefix', () => {
    const file = path.join(tempDir(), 'short.safetensors');
    fs.writeFileSync(file, Buffer.from([1, 2, 3]));
    expect(() => SafetensorsFile.open(fileBytes(file))).toThrow(
      `${file}: not a safetensors file: 3 bytes, shorter than the 8-byte header length`,
    );
  });

  it('rejects absurd header lengths and headers running past the end', () => {
    const limit = 'header length 1099511627776 bytes exceeds the 100000000-byte limit; not a safetensors file?';
    expectOpenError(limit, {}, 0, 2n ** 40n);
    const header = { a: f32(0, 1) };
    const fileBytes = 8 + JSON.stringify(header).length + 4;
    expectOpenError(`header length 500 bytes runs past the end of the ${fileBytes}-byte file`, header, 4, 500n);
  });

  it('rejects headers that are not a JSON object', () => {
    expect(openError('{"a": ', 0).message).toMatch(/: header is not valid UTF-8 JSON \(.+\)$/);
    expect(openError('\u00ff', 0).message).toMatch(/: header is not valid UTF-8 JSON/);
    expectOpenError('header must be a JSON object, got [1,2]', [1, 2], 0);
    expectOpenError('__metadata__: "n" must be a string, got 3', { __metadata__: { n: 3 } }, 0);
  });

  it('rejects entries missing a field or with an unknown dtype', () => {
    expectOpenError('tensor "w": expected {dtype, shape, data_offsets}, got 7', { w: 7 });
    expectOpenError('tensor "w": missing "dtype"', { w: { shape: [1], data_offsets: [0, 4] } });
    expectOpenError('tensor "w": missing "shape"', { w: { dtype: 'F32', data_offsets: [0, 4] } });
    expectOpenError('tensor "w": missing "data_offsets"', { w: { dtype: 'F32', shape: [1] } });
    expectOpenError(
      'tensor "w": unknown dtype "F128"; ' +
        'expected one of F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U8, BOOL',
      { w: { ...f32(0, 1), dtype: 'F128' } },
    );
  });

  it('rejects shapes that are not lists of non-negative integers', () => {
    for (const shape of [[-1], [1.5], ['2'], 3, [2 ** 40, 2 ** 40]]) {
      expectOpenError(`tensor "w": shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`, {
        w: { ...f32(0, 1), shape },
      });
    }
  });

  it('rejects data_offsets that are malformed or do not match shape x dtype size', () => {
    expectOpenError('tensor "w": data_offsets [0, 4] span 4 bytes, but shape [2] of F32 needs 8', {
      w: { ...f32(0, 2), data_offsets: [0, 4] },
    });
    for (const offsets of [[8, 0], [0], [0, -4], 'x', [0, 4.5]]) {
      expectOpenError(
        `tensor "w": data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`,
        { w: { ...f32(0, 1), data_offsets: offsets } },
      );
    }
  });

  it('rejects overlapping tensors, naming both', () => {
    expectOpenError('tensors "a" (data bytes 0..8) and "b" (4..12) overlap', { b: f32(4, 2), a: f32(0, 2) });
  });

  it('rejects a truncated file, naming the first tensor past the end and the sizes expected and found', () => {
    const header = { a: f32(0, 2), b: f32(8, 2), c: f32(16, 4) };
    const headerLength = JSON.stringify(header).length;
    expectOpenError(
      `file is truncated: expected at least ${8 + headerLength + 32} bytes, found ${8 + headerLength + 12}; ` +
        'tensor "b" (data bytes 8..16) lies beyond the end',
      header,
      12,
    );
  });

  it('rejects every strict truncation of a valid file', () => {
    const file = path.join(tempDir(), 'whole.safetensors');
    writeSafetensors(file, {
      a: { dtype: 'BF16', shape: [3, 2], data: new Uint16Array(6) },
      b: { dtype: 'I64', shape: [2], data: new BigInt64Array(2) },
    });
    const bytes = fs.readFileSync(file);
    const cut = path.join(tempDir(), 'cut.safetensors');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (n) => {
        fs.writeFileSync(cut, bytes.subarray(0, n));
        expect(() => SafetensorsFile.open(fileBytes(cut))).toThrow(cut);
      }),
      { numRuns: 50 },
    );
  });
});
