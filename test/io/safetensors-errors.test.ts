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
  it('names the file in an I/O error: a missing file, a folder', () => {
    const dir = tempDir();
    const missing = path.join(dir, 'missing.safetensors');
    expect(() => SafetensorsFile.open(fileBytes(missing))).toThrow(`${missing}: cannot open it (ENOENT: no such file or folder)`);
    expect(() => SafetensorsFile.open(fileBytes(dir))).toThrow(new RegExp(`^${dir}: cannot read 8 bytes at byte 0 \\(EISDIR: it is a folder\\)$`));
  });

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
    for (const shape of [[-1], ['2'], 3, [2 ** 40, 2 ** 40]]) {
      expectOpenError(`tensor "w": shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`, {
        w: { ...f32(0, 1), shape },
      });
    }
  });

  it('rejects data_offsets that are malformed or do not match shape x dtype size', () => {
    expectOpenError('tensor "w": data_offsets [0, 4] span 4 bytes, but shape [2] of F32 needs 8', {
      w: { ...f32(0, 2), data_offsets: [0, 4] },
    });
    for (const offsets of [[8, 0], [0], [0, -4], 'x']) {
      expectOpenError(
        `tensor "w": data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`,
        { w: { ...f32(0, 1), data_offsets: offsets } },
      );
    }
  });

  it('rejects overlapping tensors, naming both', () => {
    expectOpenError('tensors "a" (data bytes 0..8) and "b" (data bytes 4..12) overlap', { b: f32(4, 2), a: f32(0, 2) }, 12);
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

/** The message of the error opening a file whose header is `text` exactly, followed by `dataBytes` bytes. */
function textOpenError(text: string, dataBytes: number): { file: string; message: string } {
  return openError(text, dataBytes);
}

const entry = (dtype: string, shape: string, offsets: string, extra = ''): string => `{"dtype":"${dtype}","shape":${shape},"data_offsets":${offsets}${extra}}`;

describe('safetensors validation as the reference implementation (huggingface/safetensors) does it', () => {
  it('rejects a tensor name twice, which JSON.parse would silently collapse to the last entry', () => {
    const { file, message } = textOpenError(`{"a":${entry('F32', '[1]', '[0,4]')},"a":${entry('F32', '[1]', '[4,8]')}}`, 8);
    expect(message).toBe(`${file}: tensor "a" appears twice in the header; JSON readers keep one of the two entries, so tools would disagree on its data`);
  });

  it('rejects a key twice in an entry, or in the metadata', () => {
    const twice = textOpenError(`{"w":{"dtype":"F32","shape":[1],"dtype":"F16","data_offsets":[0,4]}}`, 4);
    expect(twice.message).toBe(`${twice.file}: tensor "w": the entry has "dtype" twice`);
    const meta = textOpenError(`{"__metadata__":{"k":"1","k":"2"},"w":${entry('F32', '[1]', '[0,4]')}}`, 4);
    expect(meta.message).toMatch(/: header has "k" twice in one object \(at character \d+\)$/);
    const metaTwice = textOpenError(`{"__metadata__":{},"__metadata__":{}}`, 0);
    expect(metaTwice.message).toBe(`${metaTwice.file}: header has "__metadata__" twice`);
  });

  it('rejects gaps between tensors and before the first one', () => {
    expectOpenError('4 unused bytes between tensor "a" (data bytes 0..4) and tensor "b" (data bytes 8..12); tensors must be packed back to back', { a: f32(0, 1), b: f32(8, 1) }, 12);
    expectOpenError('4 unused bytes between the start of the data section and tensor "a" (data bytes 4..8); tensors must be packed back to back', { a: f32(4, 1) }, 8);
  });

  it('rejects bytes after the last tensor', () => {
    const header = { a: f32(0, 1) };
    const end = 8 + JSON.stringify(header).length + 4;
    expectOpenError(`3 bytes after the last tensor's data (the tensors end at byte ${end} of ${end + 3}); a safetensors file ends with its last tensor`, header, 7);
  });

  it('accepts empty tensors anywhere in the packed order, and unknown keys in an entry (as the reference does)', () => {
    const file = writeRawFile(path.join(tempDir(), 'ok.safetensors'), { e: { ...f32(4, 0), note: { any: [1.5, null] } }, a: f32(0, 1), z: f32(4, 0) }, 4);
    using st = SafetensorsFile.open(fileBytes(file));
    expect(st.names()).toEqual(['a', 'e', 'z']);
    expect(st.info('e')).toMatchObject({ shape: [0], byteLength: 0 });
  });

  it('rejects a byte-order mark before the header', () => {
    const { file, message } = textOpenError(`\ufeff{"a":${entry('F32', '[1]', '[0,4]')}}`, 4);
    expect(message).toBe(`${file}: header starts with a byte-order mark (U+FEFF); JSON text has none (at character 0)`);
  });

  it('rejects numbers in shapes and offsets not written as integers, even when their value is one', () => {
    for (const [shape, offsets, key, literal] of [['[1.0]', '[0,4]', 'shape', '1.0'], ['[1]', '[0,4e0]', 'data_offsets', '4e0'], ['[1E0]', '[0,4]', 'shape', '1E0'], ['[1]', '[0.0,4]', 'data_offsets', '0.0']]) {
      const { file, message } = textOpenError(`{"w":${entry('F32', shape!, offsets!)}}`, 4);
      expect(message).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}: tensor "w": "${key}" writes ${literal} where an integer is expected \\(at character \\d+\\)$`));
    }
  });

  it('rejects deep nesting with an error naming the file, not a stack overflow', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const top = textOpenError(deep, 0);
    expect(top.message).toMatch(new RegExp(`^${top.file.replace(/[.]/g, '\\.')}: header nests deeper than 128 levels \\(at character 128\\)$`));
    const inside = textOpenError(`{"w":${entry('F32', '[1]', '[0,4]', `,"x":${deep}`)}}`, 4);
    expect(inside.message).toMatch(/: tensor "w": "x" nests deeper than 128 levels/);
    const fine = writeRawFile(path.join(tempDir(), 'nested.safetensors'), `{"w":${entry('F32', '[1]', '[0,4]', `,"x":${'['.repeat(120)}${']'.repeat(120)}`)}}`, 4);
    SafetensorsFile.open(fileBytes(fine)).close();
  });

  it('reads names with escapes and names that are special in JavaScript', () => {
    const file = writeRawFile(path.join(tempDir(), 'names.safetensors'), '{"a\\u0062":' + entry('F32', '[1]', '[0,4]') + ',"__proto__":' + entry('U8', '[2]', '[4,6]') + '}', 6);
    using st = SafetensorsFile.open(fileBytes(file));
    expect(st.names()).toEqual(['__proto__', 'ab']);
    expect(st.info('__proto__')).toMatchObject({ dtype: 'U8', shape: [2] });
  });

  it('reports malformed JSON with where it stopped', () => {
    for (const text of ['{"a" 1}', '{"a":{"dtype":"F32",}}', '{"__metadata__":{"k":01}}', '{"a":"\\x"}', '{"a":[1 2]}', '{} x']) {
      expect(textOpenError(text, 0).message).toMatch(/: header is not valid UTF-8 JSON \(.+ at character \d+\)$/);
    }
  });
});
