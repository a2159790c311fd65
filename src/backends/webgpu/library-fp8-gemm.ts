// The FP8 GEMM composites with promoted accumulation (spec/ops.md), claimed so that WebGPU gives the CPU's results
// bit for bit: fp8_gemm (an invocation computes a tile of rows × columns) and fp8_gather_gemm (one row, its expert's
// columns). Each block dot product is summed exactly in integers and rounded once to f32 (d), then
// acc = acc + (d · a_scale) · b_scale block after block from +0, with the correctly rounded f32 arithmetic of
// wgsl-f32-arithmetic.ts: no float operation of the device sees a subnormal scale or product (which it may flush)
// or a NaN (which it may assume away).
//
// Exact block sums: an e4m3fn value is S · 2^-9 for an integer |S| <= 448 · 2^9 < 2^18. With S = H · 2^9 + L
// (H = S >> 9, 0 <= L < 2^9) a product is HH' · 2^18 + (HL' + LH') · 2^9 + LL', and each of the three sums stays
// within i32 for up to MAX_BLOCK products (|HL' + LH'| <= 2 · 448 · 511 each). The three are joined into one 64-bit
// integer and rounded once: d = (that) · 2^-18. A NaN byte in a block's row or column makes d NaN.

import type { Kernel, LibraryBody } from '../../compiler/kernel.js';
import { formatType } from '../../ir/index.js';
import { operandSlot } from './library-operands.js';
import type { ShaderBody, ShaderUses } from './wgsl-shader.js';

/** The largest block whose three i32 sums cannot overflow; fp8 GEMMs with larger blocks are decomposed. */
export const MAX_BLOCK = 4096;

/** Outputs per invocation: up to TILE rows (fp8_gemm) × TILE columns. */
const TILE = 4;

const BLOCK_FUNCTIONS = `// The integer S = 2^9 · value of an e4m3fn code, split into (S >> 9, S & 511). NaN codes are checked apart.
fn e4m3_split(code: u32) -> vec2<i32> {
  let e = (code >> 3u) & 15u;
  let m = code & 7u;
  let s = i32(select(m, m | 8u, e != 0u) << (max(e, 1u) - 1u));
  let v = select(s, -s, (code & 0x80u) != 0u);
  return vec2<i32>(v >> 9u, v & 511i);
}

fn e4m3_is_nan(code: u32) -> bool {
  return (code & 0x7fu) == 0x7fu;
}

// The f32 bits of (hh · 2^18 + mid · 2^9 + ll) · 2^-18, summed in 64 bits and rounded once.
fn block_dot(hh: i32, mid: i32, ll: i32) -> u32 {
  let mid_lo = bitcast<u32>(mid) << 9u;
  let lo1 = bitcast<u32>(ll) + mid_lo;
  let hi1 = bitcast<u32>(ll >> 31u) + bitcast<u32>(mid >> 23u) + select(0u, 1u, lo1 < mid_lo);
  let hh_lo = bitcast<u32>(hh) << 18u;
  let lo = lo1 + hh_lo;
  let hi = hi1 + bitcast<u32>(hh >> 14u) + select(0u, 1u, lo < hh_lo);
  return f32_from_i64_scaled(hi, lo, -18);
}`;

interface GemmForm {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly block: number;
  /** Operand slots: a, a_scale, b, b_scale. */
  readonly slots: readonly [number, number, number, number];
  readonly tileRows: number;
  /** Lines defining `row0` ... and, for a gathered B, `expert`; run first. */
  readonly rowLines: readonly string[];
  /** Offset of expert `expert`'s matrix in b and in b_scale, or undefined when every row uses the one matrix. */
  readonly expertOffsets?: readonly [string, string];
}

function promotedGemm(uses: ShaderUses, f: GemmForm): string[] {
  const [aSlot, aScaleSlot, bSlot, bScaleSlot] = f.slots;
  const kb = Math.ceil(f.k / f.block);
  const rows = Array.from({ length: f.tileRows }, (_, r) => r);
  const cols = Array.from({ length: TILE }, (_, c) => c);
  const outputs = f.tileRows * TILE;
  const [bOffset, bScaleOffset] = f.expertOffsets ?? ['0i', '0i'];
  const code = (slot: number, at: string) => uses.loadCode(slot, 'f8e4m3fn', at);
  const bits = (slot: number, at: string) => `bitcast<u32>(${uses.load(slot, 'f32', at)})`;
  const [mul, add] = [uses.numeric('f32_mul'), uses.numeric('f32_add')];
  // block_dot (BLOCK_FUNCTIONS) rounds with it.
  uses.numeric('f32_from_i64_scaled');
  return [
    ...f.rowLines,
    // Columns past the edge read the last one; their results are never stored.
    ...cols.map((c) => `  let col${c} = min(n0 + ${c}i, ${f.n - 1}i);`),
    ...cols.map((c) => `  let b_row${c} = ${bOffset} + col${c} * ${f.k}i;`),
    `  let a_scale_row = array<i32, ${f.tileRows}>(${rows.map((r) => `row${r} * ${kb}i`).join(', ')});`,
    `  let b_scale_row = array<i32, ${TILE}>(${cols.map((c) => `${bScaleOffset} + (col${c} / ${f.block}i) * ${kb}i`).join(', ')});`,
    // Per output (row-major in the tile): the f32 bits of the running total, and the block's sums and NaN flag.
    `  var acc: array<u32, ${outputs}>;`,
    `  var sums: array<vec4<i32>, ${outputs}>;`,
    `  for (var j: i32 = 0i; j < ${kb}i; j++) {`,
    `    let k0 = j * ${f.block}i;`,
    `    let k1 = ${f.k % f.block === 0 ? `k0 + ${f.block}i` : `min(k0 + ${f.block}i, ${f.k}i)`};`,
    ...rows.flatMap((r) => cols.map((c) => `    var hh${r}_${c} = 0i;\n    var mid${r}_${c} = 0i;\n    var ll${r}_${c} = 0i;`)),
    ...rows.map((r) => `    var nan_a${r} = false;`),
    ...cols.map((c) => `    var nan_b${c} = false;`),
    '    for (var kk = k0; kk < k1; kk++) {',
    ...rows.map((r) => `      let code_a${r} = ${code(aSlot, `row${r} * ${f.k}i + kk`)};`),
    ...cols.map((c) => `      let code_b${c} = ${code(bSlot, `b_row${c} + kk`)};`),
    ...rows.map((r) => `      let a${r} = e4m3_split(code_a${r});\n      nan_a${r} = nan_a${r} || e4m3_is_nan(code_a${r});`),
    ...cols.map((c) => `      let b${c} = e4m3_split(code_b${c});\n      nan_b${c} = nan_b${c} || e4m3_is_nan(code_b${c});`),
    ...rows.flatMap((r) =>
      cols.map((c) => `      hh${r}_${c} += a${r}.x * b${c}.x;\n      mid${r}_${c} += a${r}.x * b${c}.y + a${r}.y * b${c}.x;\n      ll${r}_${c} += a${r}.y * b${c}.y;`),
    ),
    '    }',
    ...rows.flatMap((r) => cols.map((c) => `    sums[${r * TILE + c}] = vec4<i32>(hh${r}_${c}, mid${r}_${c}, ll${r}_${c}, i32(nan_a${r} || nan_b${c}));`)),
    // One output at a time, so that the shader holds one copy of the f32 arithmetic: the compiler inlines every call,
    // and would unroll a loop it knows the trip count of (an unrolled 4 x 4 tile took lavapipe 6 s to compile).
    `    for (var t = 0; t < ${outputs} + i32(${uses.opaqueZero()}); t++) {`,
    '      let s = sums[t];',
    "      let d = select(block_dot(s.x, s.y, s.z), 0x7fc00000u, s.w != 0i);",
    `      acc[t] = ${add}(acc[t], ${mul}(${mul}(d, ${bits(aScaleSlot, `a_scale_row[t / ${TILE}] + j`)}), ${bits(bScaleSlot, `b_scale_row[t % ${TILE}] + j`)}));`,
    '    }',
    '  }',
    `  for (var t = 0; t < ${outputs}; t++) {`,
    `    let m = m0 + t / ${TILE};`,
    `    let n = n0 + t % ${TILE};`,
    `    if (m < ${f.m}i && n < ${f.n}i) { ${uses.store(0, 'f32', `m * ${f.n}i + n`, 'bitcast<f32>(acc[t])')} }`,
    '  }',
  ];
}

const gemmSlots = (k: Kernel, body: LibraryBody) => [0, 1, 2, 3].map((i) => operandSlot(k, body, i)) as [number, number, number, number];

/** fp8_gemm {block}: a [M, K], a_scale [M, KB], b [N, K], b_scale [NB, KB] -> [M, N]. */
export function fp8GemmBody(k: Kernel, body: LibraryBody, uses: ShaderUses): ShaderBody {
  const [m, kk] = body.inputShapes[0]! as [number, number];
  const n = body.inputShapes[2]![0]!;
  const tileRows = Math.min(TILE, m);
  const colTiles = Math.ceil(n / TILE);
  const rowLines = [
    `  let n0 = i32(id % ${colTiles}u) * ${TILE}i;`,
    `  let m0 = i32(id / ${colTiles}u) * ${tileRows}i;`,
    // Rows past the edge read the last one; their results are never stored.
    ...Array.from({ length: tileRows }, (_, r) => `  let row${r} = min(m0 + ${r}i, ${m - 1}i);`),
  ];
  const lines = promotedGemm(uses, { m, n, k: kk, block: body.attrs.block as number, slots: gemmSlots(k, body), tileRows, rowLines });
  return { lines, count: Math.ceil(m / tileRows) * colTiles, functions: [BLOCK_FUNCTIONS] };
}

/** fp8_gather_gemm {block}: a [R, K], a_scale [R, KB], b [E, N, K], b_scale [E, NB, KB], ids [R] -> [R, N]. */
export function fp8GatherGemmBody(k: Kernel, body: LibraryBody, uses: ShaderUses): ShaderBody {
  const [r, kk] = body.inputShapes[0]! as [number, number];
  const [e, n] = body.inputShapes[2]! as [number, number];
  const [nb, kb] = body.inputShapes[3]!.slice(1) as [number, number];
  const colTiles = Math.ceil(n / TILE);
  const expert = uses.check(uses.load(operandSlot(k, body, 4), 'i32', 'row0'), e, `fp8_gather_gemm expert id into axis 0 of ${formatType({ dtype: 'f8e4m3fn', shape: body.inputShapes[2]! })}`);
  const rowLines = [`  let n0 = i32(id % ${colTiles}u) * ${TILE}i;`, `  let m0 = i32(id / ${colTiles}u);`, '  let row0 = m0;', `  let expert = ${expert};`];
  const lines = promotedGemm(uses, {
    m: r,
    n,
    k: kk,
    block: body.attrs.block as number,
    slots: gemmSlots(k, body),
    tileRows: 1,
    rowLines,
    expertOffsets: [`expert * ${n * kk}i`, `expert * ${nb * kb}i`],
  });
  return { lines, count: r * colTiles, functions: [BLOCK_FUNCTIONS] };
}
