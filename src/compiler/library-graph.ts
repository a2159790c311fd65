// The op of a library kernel as a graph of its own: one node (a primitive or a claimed composite) over inputs x0,
// x1, ... of the kernel's operand types. What a backend runs when another backend claimed the composite (the CPU
// in WebGPU's shadow mode), and what the statistics count a claimed composite's arithmetic from. An operand the
// kernel reads narrow and widens (LibraryBody.widened) is cast to f32 before the op, as the source graph did.

import { compositeDef } from '../composites/index.js';
import { GraphBuilder, PRIMITIVES, type Graph } from '../ir/index.js';
import type { Kernel, LibraryBody } from './kernel.js';

export function libraryGraph(k: Kernel, body: LibraryBody): Graph {
  const b = new GraphBuilder(body.op);
  const inputs = body.operands.map((o, i) => {
    const x = b.input(`x${i}`, { dtype: o.kind === 'param' ? 'i32' : k.inputs[o.slot]!.dtype, shape: body.inputShapes[i]! });
    return body.widened?.includes(i) ? b.op('cast', [x], { dtype: 'f32' }) : x;
  });
  return b.build(PRIMITIVES.has(body.op) ? [b.op(body.op, inputs, body.attrs)] : b.composite(compositeDef(body.op), inputs, body.attrs));
}
