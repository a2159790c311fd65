// reduce_sum / reduce_max / reduce_min and cumsum: one generated loop per (op, dtype) over contiguous rows, with
// the accumulator semantics of scalar-js (float sums in float64 rounded once, i32 wrapping, exact max/min).

import type { DType } from '../../../ir/index.js';
import { compileKernel, type GeneratedKernel } from '../codegen.js';
import { loadTemplate, reducerTemplates, type ReduceOp } from '../scalar-js.js';
import { allocate, reshapeView, type CpuTensor } from '../tensor.js';
import { rowResult, rowsAlong } from './rows.js';

const compiled = new Map<string, GeneratedKernel>();

/** A reduction stores once per row; a scan (cumsum) stores the running accumulator after every element. */
function rowKernel(op: ReduceOp, dtype: DType, scan: boolean): GeneratedKernel {
  const key = `${op}_${dtype}${scan ? '_scan' : ''}`;
  let fn = compiled.get(key);
  if (!fn) {
    const { init, combine, store } = reducerTemplates(op, dtype);
    const step = `const v = ${loadTemplate(dtype)('x[p]')}; acc = ${combine('acc', 'v')};`;
    const body = scan
      ? [`for (let r = 0, p = offset, q = 0; r < count; r++) {`, `  let acc = ${init};`, `  for (let j = 0; j < length; j++, p++, q++) { ${step} out[q] = ${store('acc')}; }`, `}`]
      : [`for (let r = 0, p = offset; r < count; r++) {`, `  let acc = ${init};`, `  for (let j = 0; j < length; j++, p++) { ${step} }`, `  out[r] = ${store('acc')};`, `}`];
    fn = compileKernel(key, ['x', 'offset', 'count', 'length', 'out'], body.join('\n'));
    compiled.set(key, fn);
  }
  return fn;
}

export function reduce(op: ReduceOp, x: CpuTensor, axes: readonly number[], keepdims: boolean): CpuTensor {
  const rows = rowsAlong(x, axes);
  const out = allocate(x.dtype, rows.kept.map((a) => x.shape[a]!));
  rowKernel(op, x.dtype, false)(rows.tensor.data, rows.tensor.offset, rows.count, rows.length, out.data);
  return keepdims ? reshapeView(out, x.shape.map((d, i) => (axes.includes(i) ? 1 : d))) : out;
}

/** Inclusive running sum along `axis`; the result is a view putting that axis back in place. */
export function cumsum(x: CpuTensor, axis: number): CpuTensor {
  const rows = rowsAlong(x, [axis]);
  const { out, result } = rowResult(x, rows, axis, x.dtype, rows.length);
  rowKernel('reduce_sum', x.dtype, true)(rows.tensor.data, rows.tensor.offset, rows.count, rows.length, out.data);
  return result;
}
