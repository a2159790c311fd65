// scatter_add without float atomics: one invocation per output element walks the source positions along the
// axis in order and adds those whose index names it, so each element sees its additions in the source's row-major
// order, rounded to the dtype one by one, exactly as spec/ops.md requires.

import type { Kernel, LibraryBody } from '../../compiler/kernel.js';
import { formatType } from '../../ir/index.js';
import { aroundAxis, operandSlot } from './library-operands.js';
import type { ShaderBody, ShaderUses } from './wgsl-shader.js';

export function scatterAddBody(k: Kernel, body: LibraryBody, uses: ShaderUses): ShaderBody {
  const [xSlot, idxSlot, srcSlot] = [0, 1, 2].map((i) => operandSlot(k, body, i)) as [number, number, number];
  const dtype = k.inputs[xSlot]!.dtype;
  const axis = body.attrs.axis as number;
  const xShape = body.inputShapes[0]!;
  const [P, D, Q] = aroundAxis(xShape, axis);
  const J = body.inputShapes[1]![axis]!;
  const sum = dtype === 'i32' ? 'acc + v' : uses.roundTo(dtype, 'acc + v', 'saturate');
  const target = uses.check(uses.load(idxSlot, 'i32', 'at'), D, `scatter_add index into axis ${axis} of ${formatType({ dtype, shape: xShape })}`);
  const lines = [
    `  let p = i32(id / ${D * Q}u);`,
    `  let d = i32((id / ${Q}u) % ${D}u);`,
    `  let q = i32(id % ${Q}u);`,
    `  var acc = ${uses.load(xSlot, dtype, 'i32(id)')};`,
    `  for (var j: i32 = 0i; j < ${J}i; j++) {`,
    `    let at = (p * ${J}i + j) * ${Q}i + q;`,
    `    if (${target} == d) {`,
    `      let v = ${uses.load(srcSlot, dtype, 'at')};`,
    `      acc = ${sum};`,
    '    }',
    '  }',
    `  ${uses.store(0, dtype, 'i32(id)', 'acc')}`,
  ];
  return { lines, count: P * D * Q, functions: [] };
}
