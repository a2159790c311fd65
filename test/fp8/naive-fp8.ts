// Independent, naive definitions of DeepSeek's FP8 recipe for the tests, written from spec/golden/README.md and
// spec/techniques.md §FP8 without the project's codec: e4m3fn values from the format's definition, rounding by
// search over them, act_quant per 1×block tile, weight quantization per block×block block, and the FP8 GEMM with
// promoted accumulation (exact block dot products in JS numbers, every other step one f32 rounding).

export type ScaleFormat = 'none' | 'ue8m0';

/** The finite non-negative e4m3fn values, indexed by magnitude code 0x00 ... 0x7E (bias 7, 3 mantissa bits). */
export const E4M3_VALUES: readonly number[] = Array.from({ length: 127 }, (_, code) => {
  const [e, m] = [code >> 3, code & 7];
  return e === 0 ? m * 2 ** -9 : (1 + m / 8) * 2 ** (e - 7);
});

/** The value of an e4m3fn byte (0x7F and 0xFF are NaN). */
export function e4m3Value(byte: number): number {
  const magnitude = byte & 0x7f;
  if (magnitude === 0x7f) return NaN;
  return byte & 0x80 ? -E4M3_VALUES[magnitude]! : E4M3_VALUES[magnitude]!;
}

/** The e4m3fn byte nearest to x (ties to the even code), saturating at ±448; NaN gives 0x7F. */
export function e4m3Saturating(x: number): number {
  if (Number.isNaN(x)) return 0x7f;
  const sign = x < 0 || Object.is(x, -0) ? 0x80 : 0;
  const a = Math.abs(x);
  if (a >= 448) return sign | 0x7e;
  let lo = 0;
  let hi = 126;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (E4M3_VALUES[mid]! <= a) lo = mid;
    else hi = mid - 1;
  }
  const twice = 2 * a;
  const between = E4M3_VALUES[lo]! + E4M3_VALUES[lo + 1]!;
  return sign | (twice < between ? lo : twice > between ? lo + 1 : lo % 2 === 0 ? lo : lo + 1);
}

const AMAX_FLOOR = Math.fround(1e-4);

/** amax / 448 in f32 with amax >= 1e-4; ue8m0 rounds it up to a power of two (README: fround the log2 first). */
function scaleOf(amax: number, fmt: ScaleFormat): number {
  const s = Math.fround(Math.max(amax, AMAX_FLOOR) / 448);
  return fmt === 'ue8m0' ? 2 ** Math.ceil(Math.fround(Math.log2(s))) : s;
}

/** act_quant of x [rows, cols] per 1×block tile (the last tile may be partial): bytes [rows, cols], scales [rows, ceil(cols/block)]. */
export function actQuant(x: ArrayLike<number>, rows: number, cols: number, block: number, fmt: ScaleFormat): { q: Uint8Array; s: Float32Array } {
  const tiles = Math.ceil(cols / block);
  const q = new Uint8Array(rows * cols);
  const s = new Float32Array(rows * tiles);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < tiles; t++) {
      const cs = Array.from({ length: Math.min(block, cols - t * block) }, (_, i) => r * cols + t * block + i);
      const scale = scaleOf(Math.max(...cs.map((i) => Math.abs(x[i]!))), fmt);
      s[r * tiles + t] = scale;
      for (const i of cs) q[i] = e4m3Saturating(Math.fround(x[i]! / scale));
    }
  }
  return { q, s };
}

/** Weight quantization of w [R, C] per block×block block (edges partial): bytes [R, C], scale_inv [ceil(R/b), ceil(C/b)]. */
export function blockQuant(w: ArrayLike<number>, R: number, C: number, block: number, fmt: ScaleFormat): { q: Uint8Array; s: Float32Array } {
  const [rb, cb] = [Math.ceil(R / block), Math.ceil(C / block)];
  const q = new Uint8Array(R * C);
  const s = new Float32Array(rb * cb);
  for (let i = 0; i < rb; i++) {
    for (let j = 0; j < cb; j++) {
      const cells: number[] = [];
      for (let r = i * block; r < Math.min(R, (i + 1) * block); r++) for (let c = j * block; c < Math.min(C, (j + 1) * block); c++) cells.push(r * C + c);
      const scale = scaleOf(Math.max(...cells.map((k) => Math.abs(w[k]!))), fmt);
      s[i * cb + j] = scale;
      for (const k of cells) q[k] = e4m3Saturating(Math.fround(w[k]! / scale));
    }
  }
  return { q, s };
}

/** w8 · scale_inv per block, one f32 multiply per element. */
export function blockDequant(q: Uint8Array, s: Float32Array, C: number, block: number): Float32Array {
  const cb = Math.ceil(C / block);
  return Float32Array.from(q, (byte, k) => Math.fround(e4m3Value(byte) * s[Math.floor(Math.floor(k / C) / block) * cb + Math.floor((k % C) / block)]!));
}

/**
 * a [M, K] (tile scales [M, KB]) times b [N, K] (block scales [NB, KB]) -> f32 [M, N]: per K block the exact dot
 * product rounded once to f32, then acc = fround(acc + fround(fround(d · a_s) · b_s)) in K-block order from 0.
 */
export function fp8Gemm(
  a: Uint8Array, aScale: Float32Array, b: Uint8Array, bScale: Float32Array, M: number, N: number, K: number, block: number,
): Float32Array {
  const kb = Math.ceil(K / block);
  const out = new Float32Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let j = 0; j < kb; j++) {
        let d = 0;
        for (let k = j * block; k < Math.min(K, (j + 1) * block); k++) d += e4m3Value(a[m * K + k]!) * e4m3Value(b[n * K + k]!);
        const scaled = Math.fround(Math.fround(Math.fround(d) * aScale[m * kb + j]!) * bScale[Math.floor(n / block) * kb + j]!);
        acc = Math.fround(acc + scaled);
      }
      out[m * N + n] = acc;
    }
  }
  return out;
}
