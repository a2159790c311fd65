// topk as a stable ranking: one invocation per element counts the elements of its row that sort before it
// (larger, or equal with a lower index; NaN above +inf; +0 equal to -0) and, if that rank is below k, writes its
// index at the rank. Values are compared through order-preserving integer keys, so no float comparison (and no
// flushed subnormal) decides an order. O(D²) work per row, fine for routing (D = experts) and for the MoE dispatch
// argsort (D = tokens × experts per token).

import type { Kernel, LibraryBody } from '../../compiler/kernel.js';
import { aroundAxis, operandSlot } from './library-operands.js';
import type { ShaderBody, ShaderUses } from './wgsl-shader.js';

export function topkBody(k: Kernel, body: LibraryBody, uses: ShaderUses): ShaderBody {
  const slot = operandSlot(k, body, 0);
  const dtype = k.inputs[slot]!.dtype;
  const K = body.attrs.k as number;
  const [P, D, Q] = aroundAxis(body.inputShapes[0]!, body.attrs.axis as number);
  const key = (at: string) => (dtype === 'i32' ? `(bitcast<u32>(${uses.load(slot, dtype, at)}) ^ 0x80000000u)` : `${uses.helper('f32_order_key')}(${uses.load(slot, dtype, at)})`);
  const lines = [
    `  let p = i32(id / ${D * Q}u);`,
    `  let i = i32((id / ${Q}u) % ${D}u);`,
    `  let q = i32(id % ${Q}u);`,
    `  let row = p * ${D * Q}i + q;`,
    `  let mine = ${key(`row + i * ${Q}i`)};`,
    '  var rank = 0i;',
    `  for (var j: i32 = 0i; j < ${D}i; j++) {`,
    `    let other = ${key(`row + j * ${Q}i`)};`,
    '    if (other > mine || (other == mine && j < i)) { rank++; }',
    '  }',
    `  if (rank < ${K}i) { ${uses.store(0, 'i32', `(p * ${K}i + rank) * ${Q}i + q`, 'i')} }`,
  ];
  return { lines, count: P * D * Q, functions: [] };
}
