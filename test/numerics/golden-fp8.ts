// The fp8-rounding golden (spec/golden/fp8-rounding), read with a minimal local safetensors parser:
// 8-byte little-endian header length, a JSON header of {dtype, shape, data_offsets}, then raw little-endian data.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FILE = fileURLToPath(new URL('../../spec/golden/fp8-rounding/expected.safetensors', import.meta.url));

interface Entry {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data_offsets: readonly [number, number];
}

export interface Fp8Golden {
  f32(name: string): Float32Array;
  u8(name: string): Uint8Array;
  shape(name: string): readonly number[];
}

export function loadFp8Golden(): Fp8Golden {
  const file = readFileSync(FILE);
  const headerLength = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, Entry>;
  const dataStart = 8 + headerLength;
  const entry = (name: string, dtype: string): Entry => {
    const e = header[name];
    if (e === undefined) throw new Error(`fp8 golden: no tensor ${name}`);
    if (e.dtype !== dtype) throw new Error(`fp8 golden: ${name} is ${e.dtype}; expected ${dtype}`);
    return e;
  };
  // Copied into a fresh buffer so that typed-array views are aligned.
  const bytes = (e: Entry): ArrayBuffer => {
    const [begin, end] = e.data_offsets;
    return new Uint8Array(file.subarray(dataStart + begin, dataStart + end)).buffer;
  };
  return {
    f32: (name) => new Float32Array(bytes(entry(name, 'F32'))),
    u8: (name) => new Uint8Array(bytes(entry(name, 'U8'))),
    shape: (name) => {
      const e = header[name];
      if (e === undefined) throw new Error(`fp8 golden: no tensor ${name}`);
      return e.shape;
    },
  };
}
