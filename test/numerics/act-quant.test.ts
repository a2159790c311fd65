import { describe, expect, it } from 'vitest';
import { encodeFp8 } from '../../src/numerics/index.js';
import { hex } from './f32-arbitraries.js';
import { loadFp8Golden } from './golden-fp8.js';

const golden = loadFp8Golden();
const BLOCK = 128;
const CASES = [
  'randn',
  'randn_x1000',
  'randn_x1e-3',
  'randn_x1e-6_amax_clamped',
  'zero_blocks',
  'wide_dynamic_range',
  'ties_scale_one',
  'scale_power_of_two_edge',
];
type ScaleFormat = 'none' | 'ue8m0';

/**
 * DeepSeek-V3 act_quant on a [rows, cols] f32 matrix, one scale per 1x128 tile, with every step an f32 operation:
 * amax = max|x| clamped to >= 1e-4, s = amax / 448 (ue8m0: 2^ceil(log2 s)), q = e4m3fn(x / s) saturating.
 */
function actQuant(x: Float32Array, cols: number, scaleFormat: ScaleFormat): { q: Uint8Array; s: Float32Array } {
  const q = new Uint8Array(x.length);
  const s = new Float32Array(x.length / BLOCK);
  const scaled = new Float32Array(BLOCK);
  expect(cols % BLOCK).toBe(0);
  for (let tile = 0; tile < s.length; tile++) {
    const values = x.subarray(tile * BLOCK, (tile + 1) * BLOCK);
    let amax = 0;
    for (const v of values) amax = Math.max(amax, Math.abs(v));
    amax = Math.max(amax, Math.fround(1e-4));
    let scale = Math.fround(amax / 448);
    if (scaleFormat === 'ue8m0') scale = 2 ** Math.ceil(Math.fround(Math.log2(scale)));
    for (let i = 0; i < BLOCK; i++) scaled[i] = values[i] / scale;
    encodeFp8(scaled, 'f8e4m3fn', 'saturate', q.subarray(tile * BLOCK, (tile + 1) * BLOCK));
    s[tile] = scale;
  }
  return { q, s };
}

describe.each(CASES)('act_quant %s', (name) => {
  const x = golden.f32(`act_quant.${name}.x`);
  const [, cols] = golden.shape(`act_quant.${name}.x`);

  it.each<ScaleFormat>(['none', 'ue8m0'])('reproduces the %s-scaled bytes and scales bit-exactly', (scaleFormat) => {
    const { q, s } = actQuant(x, cols, scaleFormat);
    const wantQ = golden.u8(`act_quant.${name}.${scaleFormat}.q`);
    const wantS = golden.f32(`act_quant.${name}.${scaleFormat}.s`);
    expect(Array.from(s)).toEqual(Array.from(wantS));
    const mismatches: string[] = [];
    for (let i = 0; i < q.length && mismatches.length < 10; i++) {
      if (q[i] !== wantQ[i]) mismatches.push(`#${i} x=${x[i]}: got ${hex(q[i], 2)}, expected ${hex(wantQ[i], 2)}`);
    }
    expect(mismatches).toEqual([]);
  });
});
