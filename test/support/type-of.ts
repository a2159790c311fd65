// Runs one primitive's type rule the way graphs do: through GraphBuilder, on graph inputs of the given types.

import { GraphBuilder, type Attrs, type TensorType } from '../../src/ir/index.js';

export function typeOf(op: string, operands: readonly TensorType[], attrs: Attrs = {}): TensorType {
  const b = new GraphBuilder('t');
  const inputs = operands.map((t, i) => b.input(`a${i}`, t));
  const { dtype, shape } = b.op(op, inputs, attrs).type;
  return { dtype, shape };
}
