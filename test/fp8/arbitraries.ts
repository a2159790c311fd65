// fast-check generators for FP8 tests: f32 matrices built tile by tile from kinds that stress the quantization
// recipe: ordinary values, all-zero tiles, tiny tiles (amax below the 1e-4 floor), exact rounding ties (the tile
// max is 448·2^e, so the scale is exactly 2^e and every element an e4m3 midpoint times 2^e), and amax right at, one
// ulp above or one ulp below 448·2^e, where amax/448 crosses a power of two.

import fc from 'fast-check';
import { E4M3_VALUES } from './naive-fp8.js';

export type TileKind = 'normal' | 'zero' | 'tiny' | 'ties' | 'pow2-edge' | 'wide';
const KINDS: readonly TileKind[] = ['normal', 'zero', 'tiny', 'ties', 'pow2-edge', 'wide'];

/** One tile of `n` f32 values of the given kind; `unit` in [0, 1) values drive every choice. */
function tile(kind: TileKind, n: number, e: number, units: readonly number[]): number[] {
  const u = (i: number) => units[i % units.length]!;
  const sign = (i: number) => (u(3 * i + 1) < 0.5 ? -1 : 1);
  const scale = 2 ** e;
  switch (kind) {
    case 'zero':
      return Array.from({ length: n }, (_, i) => (u(i) < 0.5 ? 0 : -0));
    case 'tiny':
      return Array.from({ length: n }, (_, i) => Math.fround(sign(i) * u(i) * 1e-5 * 2 ** -Math.floor(u(2 * i) * 20)));
    case 'normal':
      return Array.from({ length: n }, (_, i) => Math.fround(sign(i) * (u(i) * 2 - 1) * scale));
    case 'wide':
      return Array.from({ length: n }, (_, i) => Math.fround(sign(i) * u(i) * 2 ** Math.floor(u(2 * i) * 40 - 20)));
    case 'ties':
      // Element 0 sets amax = 448·2^e; the others are midpoints between neighbouring e4m3 values (or values), times 2^e.
      return Array.from({ length: n }, (_, i) => {
        if (i === 0) return sign(i) * 448 * scale;
        const code = Math.floor(u(i) * 125);
        const v = u(2 * i) < 0.8 ? (E4M3_VALUES[code]! + E4M3_VALUES[code + 1]!) / 2 : E4M3_VALUES[code]!;
        return sign(i) * v * scale;
      });
    case 'pow2-edge': {
      const step = [-1, 0, 1][Math.floor(u(0) * 3)]!;
      const amax = Math.fround(448 * scale * (1 + step * 2 ** -23));
      return Array.from({ length: n }, (_, i) => (i === 0 ? amax : Math.fround(sign(i) * u(i) * amax)));
    }
  }
}

/**
 * A [rows, cols] f32 matrix (row-major, as plain numbers) made of tileRows×tileCols tiles of random kinds: 1×block
 * tiles for activations, block×block blocks for weights. Tiles at the right and bottom edges may be partial.
 */
export function tiledMatrix(rows: number, cols: number, tileRows: number, tileCols: number): fc.Arbitrary<number[]> {
  const [tr, tc] = [Math.ceil(rows / tileRows), Math.ceil(cols / tileCols)];
  return fc
    .record({
      kinds: fc.array(fc.constantFrom(...KINDS), { minLength: tr * tc, maxLength: tr * tc }),
      // Mostly similar scales, so that sums across tiles round; sometimes far apart.
      exps: fc.array(fc.oneof({ arbitrary: fc.integer({ min: -2, max: 2 }), weight: 3 }, { arbitrary: fc.integer({ min: -12, max: 8 }), weight: 1 }), {
        minLength: tr * tc,
        maxLength: tr * tc,
      }),
      units: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 16, maxLength: 64 }),
    })
    .map(({ kinds, exps, units }) => {
      const out = new Array<number>(rows * cols);
      for (let i = 0; i < tr; i++) {
        for (let j = 0; j < tc; j++) {
          const t = i * tc + j;
          const [r0, c0] = [i * tileRows, j * tileCols];
          const [h, w] = [Math.min(tileRows, rows - r0), Math.min(tileCols, cols - c0)];
          const values = tile(kinds[t]!, h * w, exps[t]!, [...units.slice(t % units.length), ...units]);
          values.forEach((v, k) => (out[(r0 + Math.floor(k / w)) * cols + c0 + (k % w)] = v));
        }
      }
      return out;
    });
}
