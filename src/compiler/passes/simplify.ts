// simplify: algebraic rewrites that never change a result bit — chains of movement ops collapse into one,
// identity movements and casts disappear, and elementwise ops that the algebra of their entries (src/ir/ops)
// shows to be identities are removed: x·1, x/1, x−0, x+(−0), x∧true, x∨false, max(x, x), −(−x), ¬¬x.

import { elementwiseDef, sameShape, type Graph, type Node, type Value } from '../../ir/index.js';
import { rewriteGraph } from '../rewrite.js';

const splatIs = (v: Value, x: number): boolean => v.node?.op === 'full' && Object.is(v.node.attrs.value, x);

/** The operand this node is an identity of, if it is one. */
function identityOperand(n: Node, [a, b]: readonly Value[]): Value | undefined {
  const out = n.outputs[0]!;
  switch (n.op) {
    case 'reshape':
    case 'broadcast':
      return sameShape(a!.shape, out.shape) ? a : undefined;
    case 'permute':
      return (n.attrs.perm as number[]).every((p, i) => p === i) ? a : undefined;
    case 'slice':
      return sameShape(a!.shape, out.shape) ? a : undefined;
    case 'cast':
      return a!.dtype === out.dtype && n.attrs.mode === undefined ? a : undefined;
  }
  const algebra = elementwiseDef(n.op)?.algebra;
  if (!algebra) return undefined;
  if (algebra.involution) return a!.node?.op === n.op ? a!.node.inputs[0] : undefined;
  if (algebra.identity && splatIs(b!, algebra.identity.value)) return a;
  if (algebra.identity?.left && splatIs(a!, algebra.identity.value)) return b;
  return algebra.idempotent && a === b ? a : undefined;
}

export function simplify(g: Graph): Graph {
  return rewriteGraph(g, (n, inputs, b) => {
    if (n.body) return undefined;
    const same = identityOperand(n, inputs);
    if (same && same.dtype === n.outputs[0]!.dtype && sameShape(same.shape, n.outputs[0]!.shape)) return [same];
    const inner = inputs[0]?.node;
    if (n.op === 'reshape' && inner?.op === 'reshape') return [b.op('reshape', [inner.inputs[0]!], n.attrs)];
    if (n.op === 'permute' && inner?.op === 'permute') {
      const [p, q] = [n.attrs.perm as number[], inner.attrs.perm as number[]];
      return [b.op('permute', [inner.inputs[0]!], { perm: p.map((i) => q[i]!) })];
    }
    if (n.op === 'broadcast' && inner?.op === 'broadcast') return [b.op('broadcast', [inner.inputs[0]!], n.attrs)];
    return undefined;
  });
}
