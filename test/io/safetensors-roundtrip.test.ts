// Writing then reading gives back every dtype bit for bit; the writers lay files out like the reference
// implementation and never replace a file unasked.

import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILE_DTYPES, fileDTypeBytes, SafetensorsFile, toIRDType, type FileArray, type FileDType } from '../../src/io/safetensors.js';
import { SafetensorsWriter, writeSafetensors } from '../../src/io/safetensors-writer.js';
import { tempDir } from './temp-dir.js';
import { fileBytes } from '../../src/io/local-files.js';

const ARRAY_OF: Record<FileDType, new (buf: ArrayBuffer) => FileArray> = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  F8_E4M3: Uint8Array,
  F8_E5M2: Uint8Array,
  I64: BigInt64Array,
  I32: Int32Array,
  I16: Int16Array,
  I8: Int8Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
};

const bytesOf = (a: FileArray): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A tensor of `dtype` whose elements are arbitrary bit patterns (NaN payloads, negative zeros, ...). */
const tensorArb = fc
  .record({
    dtype: fc.constantFrom(...FILE_DTYPES),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
  })
  .chain(({ dtype, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1) * fileDTypeBytes(dtype);
    const bits = fc.uint8Array({ minLength: n, maxLength: n });
    const bytes = dtype === 'BOOL' ? bits.map((b) => b.map((x) => x & 1)) : bits;
    return bytes.map((b) => ({ dtype, shape, data: new ARRAY_OF[dtype](b.slice().buffer) }));
  });

const names = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }).filter((s) => s !== '__metadata__');

describe('safetensors round trip', () => {
  it('reads back what was written, bit for bit, for every dtype', () => {
    const dir = tempDir();
    let run = 0;
    const files = fc.record({
      tensors: fc.dictionary(names, tensorArb, { maxKeys: 5 }),
      meta: fc.dictionary(names, fc.string()),
    });
    fc.assert(
      fc.property(files, ({ tensors, meta }) => {
        const file = path.join(dir, `${run++}.safetensors`);
        writeSafetensors(file, tensors, { metadata: meta });
        using st = SafetensorsFile.open(fileBytes(file));
        expect(st.names()).toEqual(Object.keys(tensors).sort());
        expect(st.metadata).toEqual(meta);
        for (const [name, { dtype, shape, data }] of Object.entries(tensors)) {
          expect(st.info(name)).toMatchObject({ dtype, shape, byteLength: data.byteLength });
          const back = st.read(name);
          expect(back.constructor).toBe(data.constructor);
          expect(bytesOf(back)).toEqual(bytesOf(data));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('pads the header with spaces to a multiple of 8 and lays tensors out contiguously in name order', () => {
    const file = path.join(tempDir(), 'a.safetensors');
    writeSafetensors(file, {
      b: { dtype: 'F64', shape: [1], data: new Float64Array([1.5]) },
      a: { dtype: 'U8', shape: [3], data: new Uint8Array([7, 8, 9]) },
    });
    const raw = fs.readFileSync(file);
    const headerLength = Number(raw.readBigUInt64LE(0));
    const header = raw.subarray(8, 8 + headerLength).toString('utf8');
    expect(headerLength % 8).toBe(0);
    expect(JSON.parse(header)).toEqual({
      a: { dtype: 'U8', shape: [3], data_offsets: [0, 3] },
      b: { dtype: 'F64', shape: [1], data_offsets: [3, 11] },
    });
    expect(header).toMatch(/^\{.*\} *$/);
    expect(raw.length).toBe(8 + headerLength + 11);
    expect([...raw.subarray(8 + headerLength, 8 + headerLength + 3)]).toEqual([7, 8, 9]);
    expect(raw.readDoubleLE(8 + headerLength + 3)).toBe(1.5);
  });

  it('refuses to overwrite an existing file unless asked', () => {
    const file = path.join(tempDir(), 'keep.safetensors');
    fs.writeFileSync(file, 'precious');
    const tensors = { x: { dtype: 'F32' as const, shape: [1], data: new Float32Array([1]) } };
    expect(() => writeSafetensors(file, tensors)).toThrow(`${file} already exists; refusing to overwrite it`);
    expect(() => SafetensorsWriter.create(file, tensors)).toThrow('already exists');
    expect(fs.readFileSync(file, 'utf8')).toBe('precious');
    writeSafetensors(file, tensors, { overwrite: true });
    using st = SafetensorsFile.open(fileBytes(file));
    expect(st.read('x')).toEqual(new Float32Array([1]));
  });

  it('rejects the reserved name __metadata__, bad shapes and data of the wrong array type', () => {
    const dir = tempDir();
    const f32 = new Float32Array([1]);
    expect(() =>
      writeSafetensors(path.join(dir, '1'), { __metadata__: { dtype: 'F32', shape: [1], data: f32 } }),
    ).toThrow('tensor "__metadata__": the name is reserved');
    expect(() => writeSafetensors(path.join(dir, '2'), { w: { dtype: 'F32', shape: [-1], data: f32 } })).toThrow(
      'tensor "w": shape must be a list of non-negative integers, got [-1]',
    );
    expect(() => writeSafetensors(path.join(dir, '3'), { w: { dtype: 'BF16', shape: [1], data: f32 } })).toThrow(
      'tensor "w": BF16 data must be a Uint16Array, got Float32Array',
    );
    expect(() => writeSafetensors(path.join(dir, '4'), { w: { dtype: 'F32', shape: [2], data: f32 } })).toThrow(
      `${path.join(dir, '4')}: not written in full, so it was dropped: "w" (1 of 2 elements)`,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('SafetensorsWriter', () => {
  it('takes each tensor in chunks, in any tensor order', () => {
    const file = path.join(tempDir(), 'stream.safetensors');
    const writer = SafetensorsWriter.create(file, {
      a: { dtype: 'I32', shape: [2, 3] },
      b: { dtype: 'BF16', shape: [2] },
    });
    writer.write('b', new Uint16Array([0x3f80, 0xbf80]));
    writer.write('a', new Int32Array([1, 2, 3]));
    writer.write('a', new Int32Array([4, 5, 6]));
    expect(() => writer.write('a', new Int32Array([7]))).toThrow(
      `${file}: tensor "a": writing 1 elements after 6 exceeds its 6 elements`,
    );
    expect(() => writer.write('c', new Int32Array([7]))).toThrow('tensor "c": not declared');
    writer.close();
    expect(() => writer.write('a', new Int32Array([7]))).toThrow(`${file}: write after close() or abort()`);
    using st = SafetensorsFile.open(fileBytes(file));
    expect(st.read('a')).toEqual(new Int32Array([1, 2, 3, 4, 5, 6]));
    expect(st.readRange('a', 3, 3)).toEqual(new Int32Array([4, 5, 6]));
    expect(st.read('b')).toEqual(new Uint16Array([0x3f80, 0xbf80]));
  });

  it('leaves no file when closed incomplete or aborted, and the path untouched until close', () => {
    const dir = tempDir();
    const incomplete = SafetensorsWriter.create(path.join(dir, 'x'), { a: { dtype: 'U8', shape: [4] } });
    incomplete.write('a', new Uint8Array([1, 2]));
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
    expect(() => incomplete.close()).toThrow('not written in full, so it was dropped: "a" (2 of 4 elements)');
    SafetensorsWriter.create(path.join(dir, 'y'), { a: { dtype: 'U8', shape: [4] } }).abort();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('reading', () => {
  it('checks readRange bounds and reads after close', () => {
    const file = path.join(tempDir(), 'r.safetensors');
    writeSafetensors(file, { w: { dtype: 'F16', shape: [2, 2], data: new Uint16Array([1, 2, 3, 4]) } });
    const st = SafetensorsFile.open(fileBytes(file));
    expect(st.readRange('w', 4, 0)).toEqual(new Uint16Array([]));
    expect(() => st.readRange('w', 3, 2)).toThrow(`${file}: tensor "w": cannot read 2 elements from 3; it has 4`);
    expect(() => st.readRange('w', 0.5, 1)).toThrow('cannot read 1 elements from 0.5');
    expect(() => st.read('v')).toThrow(`${file}: no tensor "v" (the file has 1)`);
    st.close();
    expect(() => st.read('w')).toThrow(`${file}: read after close()`);
  });

  it('converts to IR dtypes, refusing dtypes without one and values that do not fit', () => {
    const file = path.join(tempDir(), 'ir.safetensors');
    writeSafetensors(file, {
      ids: { dtype: 'I64', shape: [2], data: new BigInt64Array([-5n, 2n ** 31n - 1n]) },
      big: { dtype: 'I64', shape: [1], data: new BigInt64Array([2n ** 40n]) },
      ref: { dtype: 'F64', shape: [1], data: new Float64Array([1]) },
      mask: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
      bad: { dtype: 'BOOL', shape: [1], data: new Uint8Array([2]) },
      bf: { dtype: 'BF16', shape: [1], data: new Uint16Array([0x3f80]) },
    });
    using st = SafetensorsFile.open(fileBytes(file));
    expect(st.readIR('ids')).toEqual({ dtype: 'i32', shape: [2], data: new Int32Array([-5, 2 ** 31 - 1]) });
    expect(st.readIR('mask')).toEqual({ dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) });
    expect(st.readIR('bf')).toEqual({ dtype: 'bf16', shape: [1], data: new Uint16Array([0x3f80]) });
    expect(() => st.readIR('big')).toThrow(`${file}: tensor "big": element 0 is 1099511627776, which does not fit`);
    expect(() => st.readIR('ref')).toThrow(`${file}: tensor "ref": file dtype F64 has no IR dtype`);
    expect(() => st.readIR('bad')).toThrow(`${file}: tensor "bad": BOOL element 0 is 2, expected 0 or 1`);
    expect(() => toIRDType('I8', 'x')).toThrow('x: file dtype I8 has no IR dtype');
  });
});
