import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fp8CastMode, Fp8Format } from '../../src/numerics/index.js';
import { decodeFp8, encodeFp8, f32ToFp8, FP8_MAX, fp8ToF32 } from '../../src/numerics/index.js';
import { anyF32Bits, bitsNear, f32FromBitPattern, hex } from './f32-arbitraries.js';
import { loadFp8Golden } from './golden-fp8.js';

const golden = loadFp8Golden();
const RUNS = 10 * (fc.readConfigureGlobal().numRuns ?? 100);

/** Facts from the golden's rules, independent of src: codes past maxCode stand for beyondValue on the grid. */
const FACTS = {
  f8e4m3fn: { name: 'e4m3fn', maxCode: 0x7e, beyondCode: 0x7f, beyondValue: 480 },
  f8e5m2: { name: 'e5m2', maxCode: 0x7b, beyondCode: 0x7c, beyondValue: 65536 },
} as const;

const FORMATS: Fp8Format[] = ['f8e4m3fn', 'f8e5m2'];
const MODES: Fp8CastMode[] = ['torch', 'saturate'];
const CASES = FORMATS.flatMap((format) => MODES.map((mode) => ({ format, mode })));

/** torch's value of each magnitude code 0..beyondCode, with the beyond code standing for beyondValue. */
function gridOf(format: Fp8Format): number[] {
  const { name, beyondCode, beyondValue } = FACTS[format];
  const values = golden.f32(`${name}.values`);
  return Array.from({ length: beyondCode + 1 }, (_, code) => (code === beyondCode ? beyondValue : values[code]));
}
const GRID = { f8e4m3fn: gridOf('f8e4m3fn'), f8e5m2: gridOf('f8e5m2') };

/**
 * Brute force: the grid value nearest to |x| by exact comparison (the two nearest differences are exact in double),
 * ties to the even code; then the mode's overflow rule (torch: the beyond code is the result, NaN for e4m3fn and
 * inf for e5m2; saturate: max finite). At or past beyondValue the answer is the beyond code, so the huge differences
 * that double would round are never compared.
 */
function oracle(bits: number, format: Fp8Format, mode: Fp8CastMode): number {
  const sign = bits >>> 31 ? 0x80 : 0;
  const x = f32FromBitPattern(bits);
  if (Number.isNaN(x)) return sign | 0x7f;
  const { maxCode, beyondCode, beyondValue } = FACTS[format];
  const a = Math.abs(x);
  let best: number = beyondCode;
  if (a < beyondValue) {
    let bestDistance = Infinity;
    GRID[format].forEach((v, code) => {
      const d = Math.abs(a - v);
      if (d < bestDistance || (d === bestDistance && code % 2 === 0)) {
        best = code;
        bestDistance = d;
      }
    });
  }
  return sign | (best === beyondCode && mode === 'saturate' ? maxCode : best);
}

/** Encodes through the bulk path (which keeps NaN bits) and checks the scalar path agrees on non-NaN inputs. */
function encodeBits(bits: number, format: Fp8Format, mode: Fp8CastMode): number {
  const byte = encodeFp8(new Float32Array(new Uint32Array([bits]).buffer), format, mode)[0];
  const x = f32FromBitPattern(bits);
  if (!Number.isNaN(x)) expect(f32ToFp8(x, format, mode)).toBe(byte);
  return byte;
}

function describeMismatches(input: Float32Array, got: Uint8Array, want: Uint8Array): string[] {
  const inputBits = new Uint32Array(input.buffer, input.byteOffset, input.length);
  const lines: string[] = [];
  for (let i = 0; i < input.length && lines.length < 10; i++) {
    if (got[i] !== want[i]) {
      lines.push(`#${i} x=${input[i]} (${hex(inputBits[i], 8)}): got ${hex(got[i], 2)}, expected ${hex(want[i], 2)}`);
    }
  }
  return lines;
}

describe.each(FORMATS)('%s against torch', (format) => {
  const { name, maxCode, beyondCode } = FACTS[format];
  const input = golden.f32('cast.input');
  const torchBytes = golden.u8(`cast.${name}`);

  it('decodes all 256 codes to torch values (NaN as NaN, signed zeros kept)', () => {
    const want = golden.f32(`${name}.values`);
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const bulk = decodeFp8(codes, format);
    for (let code = 0; code < 256; code++) {
      expect(Object.is(fp8ToF32(code, format), want[code]), `code ${hex(code, 2)}`).toBe(true);
      expect(Object.is(bulk[code], want[code]), `code ${hex(code, 2)}`).toBe(true);
    }
    expect(fp8ToF32(maxCode, format)).toBe(FP8_MAX[format]);
  });

  it('encodes all golden cast inputs to torch bytes in torch mode', () => {
    expect(input.length).toBe(19967);
    expect(describeMismatches(input, encodeFp8(input, format, 'torch'), torchBytes)).toEqual([]);
  });

  it('encodes non-NaN golden inputs through the scalar path like the bulk path', () => {
    const bulk = encodeFp8(input, format, 'torch');
    const scalar = Uint8Array.from(input, (x, i) => (Number.isNaN(x) ? bulk[i] : f32ToFp8(x, format, 'torch')));
    expect(describeMismatches(input, scalar, bulk)).toEqual([]);
  });

  it('saturate mode gives the torch byte except that overflow clamps to ±max', () => {
    const want = torchBytes.map((byte, i) =>
      (byte & 0x7f) === beyondCode && !Number.isNaN(input[i]) ? (byte & 0x80) | maxCode : byte,
    );
    expect(describeMismatches(input, encodeFp8(input, format, 'saturate'), want)).toEqual([]);
  });
});

describe.each(CASES)('$format $mode against a brute-force nearest-value oracle', ({ format, mode }) => {
  const check = (bits: number): void => {
    expect(hex(encodeBits(bits, format, mode), 2), `x=${f32FromBitPattern(bits)} (${hex(bits, 8)})`).toBe(
      hex(oracle(bits, format, mode), 2),
    );
  };
  const grid = GRID[format];

  it('matches on random bit patterns', () => {
    fc.assert(fc.property(anyF32Bits, check), { numRuns: RUNS });
  });

  it('matches near binade edges, subnormals and overflow thresholds', () => {
    const anchors = [2 ** -6, 2 ** -9, 2 ** -10, 2 ** -14, 2 ** -16, 2 ** -17, 240, 448, 464, 480, 57344, 61440, 65536];
    fc.assert(fc.property(bitsNear(fc.constantFrom(...anchors), 8), check), { numRuns: RUNS });
  });

  it('matches at and around every midpoint between neighbouring codes', () => {
    const midpoint = fc.integer({ min: 0, max: grid.length - 2 }).map((code) => (grid[code] + grid[code + 1]) / 2);
    fc.assert(fc.property(bitsNear(midpoint, 2), check), { numRuns: RUNS });
  });
});

describe('fp8 special cases', () => {
  const e4 = (x: number, mode: Fp8CastMode): number => f32ToFp8(Math.fround(x), 'f8e4m3fn', mode);
  const e5 = (x: number, mode: Fp8CastMode): number => f32ToFp8(Math.fround(x), 'f8e5m2', mode);

  it('follows torch at the overflow thresholds', () => {
    expect(e4(464, 'torch')).toBe(0x7e);
    expect(e4(464.00003, 'torch')).toBe(0x7f);
    expect(e4(-464.00003, 'torch')).toBe(0xff);
    expect(e4(-Infinity, 'torch')).toBe(0xff);
    expect(e5(61439.996, 'torch')).toBe(0x7b);
    expect(e5(61440, 'torch')).toBe(0x7c);
    expect(e5(-Infinity, 'torch')).toBe(0xfc);
  });

  it('saturates overflow and infinity to ±max, keeping NaN', () => {
    expect(e4(1e30, 'saturate')).toBe(0x7e);
    expect(e4(-Infinity, 'saturate')).toBe(0xfe);
    expect(e5(Infinity, 'saturate')).toBe(0x7b);
    expect(e4(NaN, 'saturate') & 0x7f).toBe(0x7f);
    expect(e5(NaN, 'saturate') & 0x7f).toBe(0x7f);
  });

  it('keeps signed zero and rounds subnormal ties to even', () => {
    expect(e4(-0, 'torch')).toBe(0x80);
    expect(e4(2 ** -10, 'torch')).toBe(0x00);
    expect(e4(3 * 2 ** -10, 'torch')).toBe(0x02);
    expect(e4(-(2 ** -10) * 1.0001, 'torch')).toBe(0x81);
    expect(e5(2 ** -17, 'torch')).toBe(0x00);
  });

  it('rejects inputs that are not f32 values and codes that are not bytes', () => {
    expect(() => f32ToFp8(0.1, 'f8e4m3fn', 'torch')).toThrow(/f32ToFp8: 0.1 is not an f32 value/);
    expect(() => fp8ToF32(256, 'f8e4m3fn')).toThrow(/code 256 is not a byte/);
    expect(() => fp8ToF32(1.5, 'f8e5m2')).toThrow(/code 1.5 is not a byte/);
  });

  it('writes into a given output array and checks its length', () => {
    const src = Float32Array.of(1, -2, 448);
    const out = new Uint8Array(3);
    expect(encodeFp8(src, 'f8e4m3fn', 'torch', out)).toBe(out);
    expect(Array.from(decodeFp8(out, 'f8e4m3fn'))).toEqual([1, -2, 448]);
    expect(() => encodeFp8(src, 'f8e4m3fn', 'torch', new Uint8Array(2))).toThrow(
      /encodeFp8: output Uint8Array has length 2; expected 3/,
    );
    expect(() => decodeFp8(out, 'f8e5m2', new Float32Array(4))).toThrow(/decodeFp8: output Float32Array has length 4/);
  });
});
