// Reading one tensor touches only the header and that tensor's bytes, even next to a 1 GB neighbour.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { headerBytes } from './raw-file.js';
import { tempDir } from './temp-dir.js';
import { fileBytes } from '../../src/io/local-files.js';

const GB = 2 ** 30;

/** A sparse file: `big` (1 GB of U8, never written) then `small` (F32 [4] = 1, 2, 3, 4). */
function sparseGiant(): { file: string; headerLength: number } {
  const file = path.join(tempDir(), 'giant.safetensors');
  const header = headerBytes({
    big: { dtype: 'U8', shape: [GB], data_offsets: [0, GB] },
    small: { dtype: 'F32', shape: [4], data_offsets: [GB, GB + 16] },
  });
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, header, 0, header.length, 0);
    fs.writeSync(fd, new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer), 0, 16, header.length + GB);
  } finally {
    fs.closeSync(fd);
  }
  return { file, headerLength: header.length };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('lazy reads', () => {
  it('opens a 1 GB file and reads a small tensor and a slice of the big one without reading the rest', () => {
    const { file, headerLength } = sparseGiant();
    const readSync = vi.spyOn(fs, 'readSync');
    const bytesRead = (): number => readSync.mock.results.reduce((sum, r) => sum + (r.value as number), 0);

    using st = SafetensorsFile.open(fileBytes(file));
    expect(bytesRead()).toBe(headerLength);
    expect(st.info('small')).toEqual({ dtype: 'F32', shape: [4], byteOffset: headerLength + GB, byteLength: 16 });

    expect(st.read('small')).toEqual(new Float32Array([1, 2, 3, 4]));
    expect(bytesRead()).toBe(headerLength + 16);

    expect(st.readRange('big', GB / 2, 64)).toEqual(new Uint8Array(64));
    expect(bytesRead()).toBe(headerLength + 16 + 64);
  });
});
