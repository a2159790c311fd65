// cumsum: one invocation per row along the axis, adding in order. The running total is kept in f32 (i32 wraps)
// and each output is rounded once to the dtype when it is stored.

import type { Kernel, LibraryBody } from '../../compiler/kernel.js';
import { aroundAxis, operandSlot } from './library-operands.js';
import type { ShaderBody, ShaderUses } from './wgsl-shader.js';

export function cumsumBody(k: Kernel, body: LibraryBody, uses: ShaderUses): ShaderBody {
  const slot = operandSlot(k, body, 0);
  const dtype = k.inputs[slot]!.dtype;
  const [P, D, Q] = aroundAxis(body.inputShapes[0]!, body.attrs.axis as number);
  const type = dtype === 'i32' ? 'i32' : 'f32';
  const lines = [
    `  let p = i32(id / ${Q}u);`,
    `  let q = i32(id % ${Q}u);`,
    `  var total: ${type} = ${uses.literal(0, type)};`,
    `  for (var j: i32 = 0i; j < ${D}i; j++) {`,
    `    let at = (p * ${D}i + j) * ${Q}i + q;`,
    `    total = total + ${uses.load(slot, dtype, 'at')};`,
    `    ${uses.store(0, dtype, 'at', 'total')}`,
    '  }',
  ];
  return { lines, count: P * Q, functions: [] };
}
