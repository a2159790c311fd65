// What wgslNumerics and the packed accessors emit (no device needed).

import { describe, expect, it } from 'vitest';
import type { WgslNumericsName } from '../../../src/backends/webgpu/index.js';
import { packedLoad, packedStore, WGSL_NUMERICS_NAMES, wgslNumerics } from '../../../src/backends/webgpu/index.js';

const definitions = (wgsl: string): string[] => [...wgsl.matchAll(/^fn (\w+)\(/gm)].map((m) => m[1]);

describe('wgslNumerics', () => {
  it('emits the requested functions and their callees, each once, callees first', () => {
    const wgsl = wgslNumerics(['f32_to_e4m3fn_sat', 'f32_to_e5m2_torch', 'f32_to_e4m3fn_sat']);
    expect(definitions(wgsl)).toEqual(['round_f32_bits_to_narrow', 'f32_to_fp8', 'f32_to_e4m3fn_sat', 'f32_to_e5m2_torch']);
  });

  it('emits nothing for nothing', () => {
    expect(wgslNumerics([]).trim()).toBe('');
  });

  it('defines every name under that name, using integer operations only', () => {
    for (const name of WGSL_NUMERICS_NAMES) {
      const wgsl = wgslNumerics([name]);
      expect(definitions(wgsl)).toContain(name);
      const code = wgsl.replace(/\/\/.*$/gm, '').replace(/\b0x[0-9a-f]+u?\b/gi, '0u');
      // No infinity/NaN literals (WGSL has none), no float literals or f16 (rounding left to the device).
      expect(code, name).not.toMatch(/\b(inf|nan|infinity|f16|pack2x16float|unpack2x16float)\b|\d\.\d|\d[eE][+-]?\d/i);
    }
  });

  it('rejects unknown names', () => {
    expect(() => wgslNumerics(['f32_to_e3m4' as WgslNumericsName])).toThrow(/no function "f32_to_e3m4"/);
  });
});

describe('packed accessors', () => {
  it('index the word and lane of element i', () => {
    expect(packedLoad('w', 16)).toBe('fn load_u16_w(i: u32) -> u32 {\n  return (w[i >> 1u] >> ((i & 1u) << 4u)) & 0xffffu;\n}\n');
    expect(packedLoad('codes', 8)).toContain('(codes[i >> 2u] >> ((i & 3u) << 3u)) & 0xffu');
    expect(packedStore('out', 8)).toContain('fn store_u8_out(i: u32, code: u32)');
  });

  it('reject names that are not WGSL identifiers', () => {
    expect(() => packedLoad('a[0]', 8)).toThrow(/not a WGSL identifier/);
    expect(() => packedStore('1x', 16)).toThrow(/not a WGSL identifier/);
  });
});
