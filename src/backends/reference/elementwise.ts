// Strided elementwise loops generated from the scalar templates (scalar-js.ts). A kernel is compiled once per
// (scalar function, operand dtypes, loop rank) and then walks every operand by its own strides, so views
// (permuted, broadcast, sliced) are read in place. Axes that are contiguous across all operands are merged
// first, so a dense tensor of any rank runs as one flat loop.

import { numel, sameShape, type DType } from '../../ir/index.js';
import type { Fp8CastMode } from '../../numerics/index.js';
import { compileKernel, type GeneratedKernel } from './codegen.js';
import { castTemplate, elementwiseTemplate, loadTemplate, SELECT, storeTemplate, type Template } from './scalar-js.js';
import { allocate, storageBits, type CpuTensor } from './tensor.js';

/** How a kernel reads or writes one operand: decoded to its computed value, or as raw storage bits. */
export interface Operand {
  readonly dtype: DType;
  readonly raw: boolean;
}

/** One scalar function applied per element: out = store(expr(load(x1), ..., load(xn))). */
export interface ScalarKernel {
  /** Names the function for the compiled-kernel cache; together with the operands it identifies the code. */
  readonly name: string;
  readonly inputs: readonly Operand[];
  readonly output: Operand;
  /** The cast mode of an fp8 output. */
  readonly mode?: Fp8CastMode;
  readonly expr: Template;
}

const decoded = (dtype: DType): Operand => ({ dtype, raw: false });
const raw = (dtype: DType): Operand => ({ dtype, raw: true });

/** Elementwise primitive `op` on operands of dtype `operand` giving `result` (bool for comparisons). */
export function opKernel(op: string, operand: DType, arity: number, result: DType): ScalarKernel {
  const { expr, raw } = elementwiseTemplate(op, operand);
  return { name: op, inputs: new Array<Operand>(arity).fill({ dtype: operand, raw }), output: { dtype: result, raw }, expr };
}

/** cast to `to`; `mode` is required exactly for fp8 targets (the store checks). */
export const castKernel = (from: DType, to: DType, mode?: Fp8CastMode): ScalarKernel => ({
  name: 'cast',
  inputs: [decoded(from)],
  output: decoded(to),
  mode,
  expr: castTemplate(from, to),
});

export const whereKernel = (dtype: DType): ScalarKernel => ({ name: 'where', inputs: [raw('bool'), raw(dtype), raw(dtype)], output: raw(dtype), expr: SELECT });

const copyKernel = (dtype: DType): ScalarKernel => ({ name: 'copy', inputs: [raw(dtype)], output: raw(dtype), expr: (x) => x! });

const operandKey = (o: Operand): string => `${o.dtype}${o.raw ? 'raw' : ''}`;

function kernelKey(k: ScalarKernel, rank: number): string {
  return `${k.name}_${k.inputs.map(operandKey).join('_')}_to_${operandKey(k.output)}${k.mode ? `_${k.mode}` : ''}_rank${rank}`;
}

/**
 * Source of the loop nest: views 0 (the output) .. n (the inputs) each keep one element pointer per loop level,
 * `p{view}_{axis}`, started from the enclosing level's pointer and advanced by the view's stride on that axis.
 */
function loopNestSource(k: ScalarKernel, rank: number): { params: string[]; body: string } {
  const views = k.inputs.length + 1;
  const ids = Array.from({ length: views }, (_, v) => v);
  const lines: string[] = [];
  for (let a = 0; a < rank; a++) {
    lines.push(`const n${a} = shape[${a}];`);
    for (const v of ids) lines.push(`const s${v}_${a} = strides[${v * rank + a}];`);
  }
  for (let a = 0; a < rank; a++) {
    const init = ids.map((v) => `p${v}_${a} = ${a === 0 ? `o${v}` : `p${v}_${a - 1}`}`).join(', ');
    const step = ids.map((v) => `p${v}_${a} += s${v}_${a}`).join(', ');
    lines.push(`${'  '.repeat(a)}for (let i${a} = 0, ${init}; i${a} < n${a}; i${a}++, ${step}) {`);
  }
  const indent = '  '.repeat(rank);
  const at = (v: number) => (rank === 0 ? `o${v}` : `p${v}_${rank - 1}`);
  const names = k.inputs.map((_, i) => `x${i + 1}`);
  k.inputs.forEach((o, i) => lines.push(`${indent}const ${names[i]} = ${(o.raw ? (x: string) => x : loadTemplate(o.dtype))(`d${i + 1}[${at(i + 1)}]`)};`));
  const store = k.output.raw ? (x: string) => x : storeTemplate(k.output.dtype, k.mode);
  lines.push(`${indent}d0[${at(0)}] = ${store(k.expr(...names))};`);
  for (let a = rank - 1; a >= 0; a--) lines.push(`${'  '.repeat(a)}}`);
  return { params: ['shape', 'strides', ...ids.flatMap((v) => [`d${v}`, `o${v}`])], body: lines.join('\n') };
}

const compiled = new Map<string, GeneratedKernel>();

function kernelFor(k: ScalarKernel, rank: number): GeneratedKernel {
  const key = kernelKey(k, rank);
  let fn = compiled.get(key);
  if (!fn) {
    const { params, body } = loopNestSource(k, rank);
    fn = compileKernel(key.replace(/[^A-Za-z0-9_]/g, '_'), params, body);
    compiled.set(key, fn);
  }
  return fn;
}

/** Drops size-1 axes and merges neighbours that are contiguous in every view: fewer, longer loops. */
export function coalesceAxes(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  shape.forEach((size, a) => {
    if (size === 1) return;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, v) => outStrides[v]![last] === s[a]! * size)) {
      outShape[last]! *= size;
      outStrides.forEach((s, v) => (s[last] = strides[v]![a]!));
    } else {
      outShape.push(size);
      outStrides.forEach((s, v) => s.push(strides[v]![a]!));
    }
  });
  return { shape: outShape, strides: outStrides };
}

/** Runs `k` over every element, writing into `out` (any strided view of writable storage). */
export function runElementwise(k: ScalarKernel, out: CpuTensor, inputs: readonly CpuTensor[]): void {
  if (inputs.length !== k.inputs.length) throw new Error(`cpu ${k.name}: ${inputs.length} operands given, the kernel takes ${k.inputs.length}`);
  inputs.forEach((x, i) => {
    if (!sameShape(x.shape, out.shape)) throw new Error(`cpu ${k.name}: operand ${i} has shape [${x.shape}], the output [${out.shape}]`);
  });
  if (numel(out.shape) === 0) return;
  const views = [out, ...inputs];
  const operands = [k.output, ...k.inputs];
  const { shape, strides } = coalesceAxes(out.shape, views.map((v) => v.strides));
  const args: unknown[] = [shape, strides.flat()];
  views.forEach((v, i) => args.push(operands[i]!.raw ? storageBits(v.data) : v.data, v.offset));
  kernelFor(k, shape.length)(...args);
}

/** Applies `k` into a fresh row-major tensor. */
export function mapElements(k: ScalarKernel, inputs: readonly CpuTensor[]): CpuTensor {
  const out = allocate(k.output.dtype, inputs[0]!.shape);
  runElementwise(k, out, inputs);
  return out;
}

/** Copies `src`'s elements bit for bit into the view `dst` (same dtype and shape). */
export function copyInto(dst: CpuTensor, src: CpuTensor): void {
  if (dst.dtype !== src.dtype) throw new Error(`cpu copy: ${src.dtype} into ${dst.dtype}`);
  runElementwise(copyKernel(src.dtype), dst, [src]);
}

const scalarFunctions = new Map<string, (a: number, b: number) => number>();

/**
 * `op` as a plain function of raw storage elements, for kernels that apply one scalar op in a data-dependent
 * order (scatter_add's accumulation).
 */
export function scalarFunction(op: string, dtype: DType): (a: number, b: number) => number {
  const key = `${op}_${dtype}`;
  let fn = scalarFunctions.get(key);
  if (!fn) {
    const { expr, raw } = elementwiseTemplate(op, dtype);
    const [load, store] = raw ? [(x: string) => x, (x: string) => x] : [loadTemplate(dtype), storeTemplate(dtype)];
    const body = `const x = ${load('a')}, y = ${load('b')};\nreturn ${store(expr('x', 'y'))};`;
    fn = compileKernel(key, ['a', 'b'], body) as unknown as (a: number, b: number) => number;
    scalarFunctions.set(key, fn);
  }
  return fn;
}
