// matmul: batched matrix product [..., M, K] x [..., K, N] -> [..., M, N] with equal batch dimensions.

import { fail } from '../errors.js';
import { formatType } from '../graph.js';
import type { OpDef } from '../op.js';

export const CONTRACTION_OPS: readonly OpDef[] = [
  {
    name: 'matmul',
    family: 'contraction',
    operands: 2,
    attrs: {},
    infer: ([a, b]) => {
      const what = `${formatType(a!)} x ${formatType(b!)}`;
      if (a!.dtype !== b!.dtype) fail(`operand dtypes differ (${what}); cast explicitly`);
      if (!['f32', 'f16', 'bf16'].includes(a!.dtype)) fail(`dtype ${a!.dtype} not supported (${what}); expected f32, f16 or bf16`);
      const ra = a!.shape.length;
      if (ra < 2 || b!.shape.length !== ra) fail(`operands must have the same rank >= 2 (${what})`);
      const batch = a!.shape.slice(0, -2);
      if (batch.some((d, i) => d !== b!.shape[i])) fail(`batch dimensions differ (${what}); broadcast explicitly`);
      const [m, k] = a!.shape.slice(-2) as [number, number];
      const [k2, n] = b!.shape.slice(-2) as [number, number];
      if (k !== k2) fail(`contracted dimensions differ: ${k} vs ${k2} (${what})`);
      return { dtype: a!.dtype, shape: [...batch, m, n] };
    },
  },
];
