// Affine index analysis: whether a flat index expression is offset + Σ stride·variable, so a backend can read
// an operand as a strided view (a GEMM operand, a vectorised load) instead of evaluating it per element.

import type { Expr } from './expr.js';

export interface Affine {
  readonly offset: number;
  /** Stride per loop variable, keyed "idx0", "ridx1", ...; absent variables have stride 0. */
  readonly strides: ReadonlyMap<string, number>;
}

export const varKey = (e: Expr): string | undefined => (e.kind === 'idx' || e.kind === 'ridx' ? `${e.kind}${e.axis}` : undefined);

export function affineOf(e: Expr): Affine | undefined {
  const strides = new Map<string, number>();
  let offset = 0;
  const visit = (x: Expr, scale: number): boolean => {
    if (x.kind === 'const') {
      offset += scale * x.value;
      return true;
    }
    const key = varKey(x);
    if (key) {
      strides.set(key, (strides.get(key) ?? 0) + scale);
      return true;
    }
    if (x.kind === 'add') return visit(x.args[0]!, scale) && visit(x.args[1]!, scale);
    if (x.kind === 'mul') {
      const [a, b] = x.args as [Expr, Expr];
      if (b.kind === 'const') return visit(a, scale * b.value);
      if (a.kind === 'const') return visit(b, scale * a.value);
    }
    return false;
  };
  return visit(e, 1) ? { offset, strides } : undefined;
}

/** The input slot and affine index of `e` when it is a plain strided read of an f32 buffer. */
export function stridedF32Load(e: Expr): { input: number; index: Affine } | undefined {
  if (e.kind !== 'load' || e.dtype !== 'f32' || e.bits) return undefined;
  const index = affineOf(e.args[0]!);
  return index ? { input: e.input, index } : undefined;
}
