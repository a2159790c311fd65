// What a training run trains on: the tokens of its data file (a token file, text by bytes) and the batches drawn
// from them, a function of the seed and the step alone.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../src/io/safetensors-writer.js';
import { batchAt } from '../../src/training/run/batches.js';
import { readTokenData } from '../../src/training/run/token-data.js';
import { tempDir } from '../io/temp-dir.js';

const stream = Int32Array.from({ length: 1000 }, (_, i) => i);
const shape = { batch: 3, seqLen: 10 };

describe('batches', () => {
  it('are windows of the stream drawn from the seed and the step alone', () => {
    const rows = batchAt(stream, 5, 17, shape);
    expect(rows).toEqual(batchAt(stream, 5, 17, shape));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toEqual(Array.from({ length: 10 }, (_, i) => row[0]! + i));
    expect(batchAt(stream, 5, 18, shape)).not.toEqual(rows);
    expect(batchAt(stream, 6, 17, shape)).not.toEqual(rows);
  });

  it('start anywhere a whole row fits, the last offset included', () => {
    const short = Int32Array.from({ length: 12 }, (_, i) => i);
    const starts = new Set(Array.from({ length: 200 }, (_, s) => batchAt(short, 0, s, shape).map((r) => r[0]!)).flat());
    expect([...starts].sort((a, b) => a - b)).toEqual([0, 1, 2]);
  });
});

describe('training data', () => {
  it('reads text as its UTF-8 bytes', () => {
    const file = path.join(tempDir(), 'text.txt');
    fs.writeFileSync(file, 'naïve');
    expect(readTokenData(file, 256)).toEqual({ tokens: Int32Array.from([110, 97, 0xc3, 0xaf, 118, 101]), encoding: 'bytes' });
  });

  it('reads a token file, and refuses ids outside the vocabulary', () => {
    const file = path.join(tempDir(), 'tokens.safetensors');
    writeSafetensors(file, { tokens: { dtype: 'I32', shape: [4], data: Int32Array.from([3, 1, 4, 1]) } });
    expect(readTokenData(file, 8)).toEqual({ tokens: Int32Array.from([3, 1, 4, 1]), encoding: 'token file' });
    expect(() => readTokenData(file, 4)).toThrow(`${file}: token 2 is id 4, outside the model's vocabulary of 4`);
  });

  it('refuses text that is not UTF-8', () => {
    const file = path.join(tempDir(), 'latin1.txt');
    fs.writeFileSync(file, Uint8Array.of(0x6e, 0xe9));
    expect(() => readTokenData(file, 256)).toThrow(`${file}: not UTF-8 text (give a .safetensors token file for other data)`);
  });
});
