import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bf16ToF32,
  decodeBf16,
  decodeF16,
  encodeBf16,
  encodeF16,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
} from '../../src/numerics/index.js';
import { anyF32Bits, bitsNear, f32FromBitPattern, hex } from './f32-arbitraries.js';
import type { FloatGrid } from './float-grid-oracle.js';
import { gridValue, nearestCode } from './float-grid-oracle.js';

const RUNS = 10 * (fc.readConfigureGlobal().numRuns ?? 100);

interface HalfFormat {
  readonly name: string;
  readonly grid: FloatGrid;
  readonly quietNaN: number;
  readonly toBits: (x: number) => number;
  readonly toF32: (bits: number) => number;
  readonly encode: (src: Float32Array, out?: Uint16Array) => Uint16Array;
  readonly decode: (src: Uint16Array, out?: Float32Array) => Float32Array;
}

const FORMATS: HalfFormat[] = [
  {
    name: 'bf16',
    grid: { mantBits: 7, bias: 127, beyondCode: 0x7f80 },
    quietNaN: 0x7fc0,
    toBits: f32ToBf16,
    toF32: bf16ToF32,
    encode: encodeBf16,
    decode: decodeBf16,
  },
  {
    name: 'f16',
    grid: { mantBits: 10, bias: 15, beyondCode: 0x7c00 },
    quietNaN: 0x7e00,
    toBits: f32ToF16,
    toF32: f16ToF32,
    encode: encodeF16,
    decode: decodeF16,
  },
];

const ALL_CODES = Uint16Array.from({ length: 0x10000 }, (_, i) => i);

describe.each(FORMATS)('$name', (format) => {
  const { grid, quietNaN } = format;
  const infCode = grid.beyondCode;

  /** Round to nearest even by the definition; NaN becomes the quiet NaN with its sign; inf stays inf. */
  const oracle = (bits: number): number => {
    const sign = bits >>> 31 ? 0x8000 : 0;
    const x = f32FromBitPattern(bits);
    if (Number.isNaN(x)) return sign | quietNaN;
    return sign | nearestCode(Math.abs(x), grid);
  };

  /** Bulk path (keeps NaN bits) and scalar path must agree with the oracle. */
  const check = (bits: number): void => {
    const want = hex(oracle(bits), 4);
    const what = `x=${f32FromBitPattern(bits)} (${hex(bits, 8)})`;
    expect(hex(format.encode(new Float32Array(new Uint32Array([bits]).buffer))[0], 4), what).toBe(want);
    expect(hex(format.toBits(f32FromBitPattern(bits)), 4), what).toBe(want);
  };

  it('matches a nearest-neighbour oracle on random bit patterns', () => {
    fc.assert(fc.property(anyF32Bits, check), { numRuns: RUNS });
  });

  it('matches at, and one or two f32 ulps around, midpoints between neighbouring codes (ties and near-ties)', () => {
    const midpoint = fc
      .integer({ min: 0, max: infCode - 1 })
      .map((code) => (gridValue(code, grid) + gridValue(code + 1, grid)) / 2);
    fc.assert(fc.property(bitsNear(midpoint, 2), check), { numRuns: RUNS });
  });

  it('matches near the subnormal range, the smallest normal and the overflow threshold', () => {
    const minNormal = gridValue(1 << grid.mantBits, grid);
    const minSubnormal = gridValue(1, grid);
    const max = gridValue(infCode - 1, grid);
    const overflowTie = (max + gridValue(infCode, grid)) / 2;
    const anchors = [minSubnormal / 2, minSubnormal, minNormal / 2, minNormal, max, Math.fround(overflowTie)];
    fc.assert(fc.property(bitsNear(fc.constantFrom(...anchors), 16), check), { numRuns: RUNS });
  });

  it('keeps signed zero, infinities and NaN sign', () => {
    for (const bits of [0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xff812345]) {
      check(bits);
    }
  });

  /** The value of a code from the textbook formula, independent of src. */
  const valueOf = (code: number): number => {
    const magnitude = code & 0x7fff;
    const sign = code & 0x8000 ? -1 : 1;
    if (magnitude > infCode) return NaN;
    return sign * (magnitude === infCode ? Infinity : gridValue(magnitude, grid));
  };

  it('decodes every code exactly and re-encodes it to itself (NaN codes to the quiet NaN)', () => {
    const values = format.decode(ALL_CODES);
    const again = format.encode(values);
    const mismatches: string[] = [];
    for (let code = 0; code < 0x10000 && mismatches.length < 10; code++) {
      const isNaN = (code & 0x7fff) > infCode;
      const reencoded = isNaN ? (code & 0x8000) | quietNaN : code;
      if (!Object.is(format.toF32(code), valueOf(code)) || !Object.is(values[code], valueOf(code)) || again[code] !== reencoded) {
        mismatches.push(`${hex(code, 4)}: value ${values[code]} (expected ${valueOf(code)}), re-encoded ${hex(again[code], 4)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('rejects non-f32 inputs, bad bit patterns and wrong output lengths', () => {
    expect(() => format.toBits(0.1)).toThrow(/is not an f32 value/);
    expect(() => format.toF32(0x10000)).toThrow(/65536 is not a 16-bit pattern/);
    expect(() => format.encode(new Float32Array(3), new Uint16Array(2))).toThrow(/has length 2; expected 3/);
    expect(() => format.decode(new Uint16Array(3), new Float32Array(4))).toThrow(/has length 4; expected 3/);
  });
});
