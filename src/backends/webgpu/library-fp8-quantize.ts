// The FP8 quantization composites, claimed so that WebGPU gives the CPU's bytes and scales bit for bit: fp8_quantize
// (act_quant, 1×block tiles of the last axis) and fp8_block_quantize (block×block blocks of the last two axes, the
// edge ones partial). One invocation per tile: amax is the largest magnitude bit pattern (exact, and a NaN pattern
// is the largest), floored at 1e-4; s = amax / 448 and q = e4m3fn(x / s), saturating, with the correctly rounded
// division of wgsl-f32-arithmetic.ts; ue8m0 takes s to 2^ceil(log2 s) by the reference's own per-exponent table
// (numerics/fp8-scale.ts), whose domain, the normal f32 values, s >= 1e-4 / 448 always lies in.

import type { Kernel, LibraryBody } from '../../compiler/kernel.js';
import { FP8_AMAX_FLOOR, FP8_MAX, ue8m0Limits } from '../../numerics/index.js';
import { f32Bits } from '../../numerics/f32-bits.js';
import { operandSlot } from './library-operands.js';
import type { ShaderBody, ShaderUses } from './wgsl-shader.js';

/** Tiles of tileRows × tileCols over each of `matrices` matrices of rows × cols, in row-major order. */
interface Tiling {
  readonly matrices: number;
  readonly rows: number;
  readonly cols: number;
  readonly tileRows: number;
  readonly tileCols: number;
}

const hex = (bits: number): string => `0x${bits.toString(16)}u`;

let limits: string | undefined;

/** ue8m0_round: 2^ceil(log2 s) on the bits of s as the reference computes it (log2 rounded to f32 before the ceil). */
function ue8m0Function(): string {
  limits ??= Array.from(ue8m0Limits(), hex).join(', ');
  return `// The largest mantissa per exponent whose scale rounds down to that exponent's power of two.
const UE8M0_LIMITS = array<u32, 256>(${limits});

fn ue8m0_round(s: u32) -> u32 {
  let e = s >> 23u;
  // +inf and NaN stay (the reference's exp2(ceil(log2 s)) keeps them); s is never zero or subnormal.
  if (e >= 255u) {
    return s;
  }
  return (e + select(0u, 1u, (s & 0x7fffffu) > UE8M0_LIMITS[e])) << 23u;
}`;
}

function quantizeTiles(k: Kernel, body: LibraryBody, uses: ShaderUses, t: Tiling): ShaderBody {
  const x = operandSlot(k, body, 0);
  const [rowTiles, colTiles] = [Math.ceil(t.rows / t.tileRows), Math.ceil(t.cols / t.tileCols)];
  const magnitude = (at: string) => `(bitcast<u32>(${uses.load(x, 'f32', at)}) & 0x7fffffffu)`;
  const quotient = `${uses.numeric('f32_div')}(bitcast<u32>(${uses.load(x, 'f32', 'at')}), s)`;
  const scale = `${uses.numeric('f32_div')}(amax, ${hex(f32Bits(FP8_MAX.f8e4m3fn))})`;
  const ue8m0 = body.attrs.scale_fmt === 'ue8m0';
  const tileLoop = (inner: readonly string[]) => [
    '  for (var r = r0; r < r1; r++) {',
    '    for (var c = c0; c < c1; c++) {',
    `      let at = base + r * ${t.cols}i + c;`,
    ...inner.map((l) => `      ${l}`),
    '    }',
    '  }',
  ];
  const lines = [
    `  let c0 = i32(id % ${colTiles}u) * ${t.tileCols}i;`,
    `  let r0 = i32((id / ${colTiles}u) % ${rowTiles}u) * ${t.tileRows}i;`,
    `  let base = i32(id / ${rowTiles * colTiles}u) * ${t.rows * t.cols}i;`,
    `  let r1 = min(r0 + ${t.tileRows}i, ${t.rows}i);`,
    `  let c1 = min(c0 + ${t.tileCols}i, ${t.cols}i);`,
    `  var amax = ${hex(f32Bits(Math.fround(FP8_AMAX_FLOOR)))};`,
    ...tileLoop([`amax = max(amax, ${magnitude('at')});`]),
    `  let s = ${ue8m0 ? `ue8m0_round(${scale})` : scale};`,
    `  ${uses.store(1, 'f32', 'i32(id)', 'bitcast<f32>(s)')}`,
    ...tileLoop([uses.storeCode(0, 'f8e4m3fn', 'at', `${uses.numeric('f32_to_e4m3fn_sat')}(bitcast<f32>(${quotient}))`)]),
  ];
  return { lines, count: t.matrices * rowTiles * colTiles, functions: ue8m0 ? [ue8m0Function()] : [] };
}

/** fp8_quantize {block, scale_fmt}: x [..., K] in 1×block tiles (K a multiple of the block). */
export function fp8QuantizeBody(k: Kernel, body: LibraryBody, uses: ShaderUses): ShaderBody {
  const shape = body.inputShapes[0]!;
  const cols = shape[shape.length - 1]!;
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return quantizeTiles(k, body, uses, { matrices: 1, rows, cols, tileRows: 1, tileCols: body.attrs.block as number });
}

/** fp8_block_quantize {block, scale_fmt}: w [..., R, C] in block×block blocks of the last two axes. */
export function fp8BlockQuantizeBody(k: Kernel, body: LibraryBody, uses: ShaderUses): ShaderBody {
  const shape = body.inputShapes[0]!;
  const [rows, cols] = shape.slice(-2) as [number, number];
  const block = body.attrs.block as number;
  return quantizeTiles(k, body, uses, { matrices: shape.slice(0, -2).reduce((a, b) => a * b, 1), rows, cols, tileRows: block, tileCols: block });
}
