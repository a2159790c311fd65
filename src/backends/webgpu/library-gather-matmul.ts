// gather_matmul: out[r] = x[r] @ w[ids[r]]. One invocation computes one row × a tile of columns (vec4s), with
// the expert id range-checked; the sum is accumulated in f32 and rounded once to the dtype when stored (narrow
// experts under f32 rows are widened as they are loaded). Rows pick
// different experts, so tiling over rows would share nothing: the tile spans columns only.

import type { Kernel, LibraryBody } from '../../compiler/kernel.js';
import { formatType } from '../../ir/index.js';
import { operandSlot } from './library-operands.js';
import type { ShaderBody, ShaderUses, WgslLaunchShape } from './wgsl-shader.js';

export function gatherMatmulBody(k: Kernel, body: LibraryBody, uses: ShaderUses, shape: WgslLaunchShape): ShaderBody {
  const [xSlot, wSlot, idsSlot] = [0, 1, 2].map((i) => operandSlot(k, body, i)) as [number, number, number];
  const dtype = k.inputs[xSlot]!.dtype;
  const wDtype = k.inputs[wSlot]!.dtype;
  const [R, K] = body.inputShapes[0]! as [number, number];
  const [E, , N] = body.inputShapes[1]! as [number, number, number];
  const TN = shape.tileCols;
  const vecs = TN / 4;
  const tiles = Math.ceil(N / TN);
  const expert = uses.check(uses.load(idsSlot, 'i32', 'r'), E, `gather_matmul expert id into axis 0 of ${formatType({ dtype: wDtype, shape: body.inputShapes[1]! })}`);
  const lines = [`  let r = i32(id / ${tiles}u);`, `  let n0 = i32(id % ${tiles}u) * ${TN}i;`, `  let w0 = ${expert} * ${K * N}i;`];
  for (let q = 0; q < vecs; q++) lines.push(`  var c${q} = vec4<f32>(${uses.literal(0, 'f32')});`);
  lines.push(`  for (var k: i32 = 0i; k < ${K}i; k++) {`, `    let a = ${uses.load(xSlot, dtype, `r * ${K}i + k`)};`, `    let row = w0 + k * ${N}i;`);
  // Columns past the edge read a valid element (clamped); their results are never stored.
  for (let q = 0; q < vecs; q++) {
    const cols = [0, 1, 2, 3].map((c) => uses.load(wSlot, wDtype, `row + min(n0 + ${4 * q + c}i, ${N - 1}i)`));
    lines.push(`    c${q} = c${q} + a * vec4<f32>(${cols.join(', ')});`);
  }
  lines.push('  }');
  for (let c = 0; c < TN; c++) lines.push(`  if (n0 + ${c}i < ${N}i) { ${uses.store(0, dtype, `r * ${N}i + n0 + ${c}i`, `c${c >> 2}[${c & 3}]`)} }`);
  return { lines, count: R * tiles, functions: [] };
}
