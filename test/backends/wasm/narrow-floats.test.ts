// The fp8 and bf16 conversions the wasm backend generates (narrow-floats.ts) against the shared numerics, bit for
// bit: every f32 exponent and sign with low bits at the rounding boundaries, random patterns, NaN payloads, and
// every fp8 code decoded.

import { describe, expect, it } from 'vitest';
import { LinearMemory } from '../../../src/backends/wasm/linear-memory.js';
import { bf16Encode, fp8Decode, fp8Encode, NARROW_FLOAT_FUNCTIONS } from '../../../src/backends/wasm/narrow-floats.js';
import { encodeModule, type WasmFunction } from '../../../src/backends/wasm/wasm-module.js';
import { encodeBf16, encodeFp8, fp8Values, mulberry32Bits, type Fp8CastMode, type Fp8Format } from '../../../src/numerics/index.js';

const FORMATS: readonly Fp8Format[] = ['f8e4m3fn', 'f8e5m2'];
const MODES: readonly Fp8CastMode[] = ['saturate', 'torch'];

/** An exported i32 -> i32 function whose body runs `code` on its argument. */
const probe = (name: string, code: string): WasmFunction => ({
  name,
  exported: true,
  params: [{ name: 'x', type: 'i32' }],
  results: ['i32'],
  locals: [],
  body: `local.get $x ${code}`,
});

async function instantiate(functions: readonly WasmFunction[]): Promise<Record<string, (x: number) => number>> {
  const memory = new LinearMemory();
  const bytes = encodeModule({ imports: [], functions: [...functions, ...NARROW_FLOAT_FUNCTIONS], sharedMemory: memory.shared });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory: memory.memory } });
  return instance.exports as Record<string, (x: number) => number>;
}

/** f32 bit patterns: each sign and exponent with low bits around the fp8/bf16 rounding points, and random ones. */
function patterns(): Uint32Array {
  const lows = [0, 1, 0x7ffff, 0x80000, 0x80001, 0xfffff, 0x100000, 0x180000, 0x7fff, 0x8000, 0x8001, 0x18000, 0x7fffff];
  const out: number[] = [];
  for (let high = 0; high < 512; high++) for (const low of lows) out.push(((high << 23) | low) >>> 0);
  const next = mulberry32Bits(7);
  for (let i = 0; i < 100_000; i++) out.push(next() >>> 0);
  return Uint32Array.from(out);
}

describe('wasm narrow-float conversions', () => {
  it('encode fp8 (both formats, both modes) and bf16 as src/numerics does', async () => {
    const fns = await instantiate([
      ...FORMATS.flatMap((f) => MODES.map((m) => probe(`${f}_${m}`, `f32.reinterpret_i32 ${fp8Encode(f, m)}`))),
      probe('bf16', `f32.reinterpret_i32 ${bf16Encode}`),
    ]);
    const bits = patterns();
    const values = new Float32Array(bits.buffer);
    for (const f of FORMATS) {
      for (const m of MODES) {
        const want = encodeFp8(values, f, m);
        const got = Uint8Array.from(bits, (b) => fns[`${f}_${m}`]!(b));
        const bad = got.findIndex((g, i) => g !== want[i]);
        expect(bad, `${f} ${m}: bits 0x${bits[bad]?.toString(16)} gave ${got[bad]}, numerics ${want[bad]}`).toBe(-1);
      }
    }
    const want = encodeBf16(values);
    const got = Uint16Array.from(bits, (b) => fns.bf16!(b));
    const bad = got.findIndex((g, i) => g !== want[i]);
    expect(bad, `bf16: bits 0x${bits[bad]?.toString(16)} gave ${got[bad]}, numerics ${want[bad]}`).toBe(-1);
  });

  it('decode every fp8 code to the numerics table bits', async () => {
    const fns = await instantiate(FORMATS.map((f) => probe(f, `${fp8Decode(f)} i32.reinterpret_f32`)));
    for (const f of FORMATS) {
      const want = new Uint32Array(fp8Values(f).slice().buffer);
      const got = Uint32Array.from({ length: 256 }, (_, c) => fns[f]!(c) >>> 0);
      expect(got).toEqual(want);
    }
  });
});
