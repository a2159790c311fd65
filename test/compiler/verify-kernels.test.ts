// The kernel-IR verifier (src/compiler/verify-kernels.ts): a compiled program with a map, a row-reduction, a
// contraction and a library kernel keeps every invariant; each malformed variant of it trips the check that
// names what is wrong; and the verifier visits a shared subexpression once.

import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Value } from '../../src/ir/index.js';
import { compile } from '../../src/compiler/compile.js';
import { ExprContext, type Expr } from '../../src/compiler/expr.js';
import type { ContractionBody, Kernel, KernelBody, LibraryBody, MapBody, Program, ReduceBody } from '../../src/compiler/kernel.js';
import { KernelIRError, programProblems, verifyProgram } from '../../src/compiler/verify-kernels.js';

/** softmax rows of x + w (reduce), its product with m plus 1 (contraction), topk of x (library), and a dynamic slice of x + c (map, with a param). */
function validProgram(): Program {
  const b = new GraphBuilder('kernels');
  const x = b.input('x', { dtype: 'f32', shape: [4, 8] });
  const pos = b.input('pos', { dtype: 'i32', shape: [] });
  const m = b.input('m', { dtype: 'f32', shape: [8, 5] });
  const w = b.op('weight', [], { name: 'w', dtype: 'f32', shape: [4, 8] });
  const c = b.op('literal', [], { dtype: 'f32', shape: [8], values: [1, 2, 3, 4, 5, 6, 7, 8] });
  const rows = (v: Value) => b.op('broadcast', [v], { shape: [4, 8] });
  const z = b.op('add', [x, w]);
  const e = b.op('exp', [b.op('sub', [z, rows(b.op('reduce_max', [z], { axes: [1], keepdims: true }))])]);
  const sm = b.op('div', [e, rows(b.op('reduce_sum', [e], { axes: [1], keepdims: true }))]);
  const mm = b.op('add', [b.op('matmul', [sm, m]), b.op('full', [], { dtype: 'f32', shape: [4, 5], value: 1 })]);
  const top = b.op('topk', [x], { k: 2, axis: 1 });
  const ds = b.op('dynamic_slice', [b.op('add', [x, rows(b.op('reshape', [c], { shape: [1, 8] }))]), pos], { axis: 0, size: 2 });
  return compile(b.build({ sm, mm, top, ds }));
}

const VALID = validProgram();
const indexOf = (kind: KernelBody['kind']): number => VALID.kernels.findIndex((k) => k.body.kind === kind);

const withKernel = (kind: KernelBody['kind'], f: (k: Kernel) => Kernel): Program => ({ ...VALID, kernels: VALID.kernels.map((k, i) => (i === indexOf(kind) ? f(k) : k)) });
const withBody = <B extends KernelBody>(kind: B['kind'], f: (b: B) => B): Program => withKernel(kind, (k) => ({ ...k, body: f(k.body as B) }));
/** The map kernel with its one store's index or value replaced. */
const mapStore = (part: 'index' | 'value', f: (e: Expr, s: { index: Expr; value: Expr }) => Expr): Program =>
  withBody<MapBody>('map', (b) => ({ ...b, stores: b.stores.map((s) => ({ ...s, [part]: f(s[part], s) })) }));

/** An expression node built by hand, as no ExprContext would build it. */
const raw = (kind: string, type: Expr['type'], args: readonly Expr[], fields: object = {}): Expr => ({ kind, id: -1, type, args, min: -Infinity, max: Infinity, ...fields }) as Expr;
const i32 = (value: number) => raw('const', 'i32', [], { value });
const flag = raw('const', 'bool', [], { value: 1 });

const MALFORMED: readonly [string, () => Program, string][] = [
  ['an unknown expression kind', () => mapStore('value', (v) => raw('frobnicate', 'f32', [v])), 'unknown expression kind "frobnicate"'],
  ['an op with too few operands', () => mapStore('value', (v) => raw('add', 'f32', [v])), 'add takes 2 operand(s), has 1'],
  ['a fractional i32 constant', () => mapStore('index', (i) => raw('add', 'i32', [i, i32(1.5)])), 'i32 constant 1.5 is not an i32'],
  ['a bool constant 2', () => mapStore('value', (v) => raw('where', 'f32', [raw('const', 'bool', [], { value: 2 }), v, v])), 'bool constant 2 is not 0 or 1'],
  ['an idx axis past the kernel rank', () => mapStore('index', (i) => raw('add', 'i32', [i, raw('idx', 'i32', [], { axis: 2 })])), 'idx2 is out of range: the kernel has 2 idx axes'],
  ['a ridx in a map kernel', () => mapStore('index', (i) => raw('add', 'i32', [i, raw('ridx', 'i32', [], { axis: 0 })])), 'ridx0 is out of range: the kernel has 0 ridx axes'],
  ['an undeclared param', () => mapStore('index', (i) => raw('add', 'i32', [i, raw('param', 'i32', [], { name: 'nope' })])), "param $nope is not among the kernel's params (pos)"],
  ['a load past the inputs', () => mapStore('value', (_, s) => raw('load', 'f32', [s.index], { input: 5, dtype: 'f32' })), 'load of input 5, but the kernel has 2 input(s)'],
  ['a load in the wrong dtype', () => mapStore('value', (_, s) => raw('load', 'f32', [s.index], { input: 0, dtype: 'bf16' })), 'load of input 0 as bf16, but that input is f32'],
  ['a load of the wrong compute type', () => mapStore('value', (v, s) => raw('add', 'f32', [v, raw('cast', 'f32', [raw('load', 'i32', [s.index], { input: 0, dtype: 'f32' })], { from: 'i32', to: 'f32' })])), 'load of f32 has type i32, expected f32'],
  ['a load at a float index', () => mapStore('value', (v) => raw('load', 'f32', [v], { input: 0, dtype: 'f32' })), 'load index has type f32, expected i32'],
  ['an accumulator in a map kernel', () => mapStore('value', (v) => raw('add', 'f32', [v, raw('acc', 'f32', [], { index: 0 })])), 'acc0 is not declared (the kernel has 0 accumulator(s))'],
  ['a checked index with no valid range', () => mapStore('index', (i) => raw('checked', 'i32', [i], { bound: 0, what: 'x' })), 'checked bound 0 is not a positive integer'],
  ['a cast from the wrong type', () => mapStore('value', (v) => raw('cast', 'f32', [v], { from: 'i32', to: 'f32' })), 'cast from i32 of a f32, expected i32'],
  ['a cast to the wrong type', () => mapStore('value', (v) => raw('cast', 'f32', [raw('cast', 'i32', [v], { from: 'f32', to: 'f32' })], { from: 'i32', to: 'f32' })), 'cast to f32 has type i32, expected f32'],
  ['a cast mode on a bf16 target', () => mapStore('value', (v) => raw('cast', 'f32', [v], { from: 'f32', to: 'bf16', mode: 'saturate' })), 'cast to bf16 has mode saturate; modes apply only to fp8'],
  ['an fp8 cast without a mode', () => mapStore('value', (v) => raw('cast', 'f32', [v], { from: 'f32', to: 'f8e4m3fn' })), 'cast to f8e4m3fn has no mode'],
  ['a where on a float condition', () => mapStore('value', (v) => raw('where', 'f32', [v, v, v])), 'where condition has type f32, expected bool'],
  ['a where between types', () => mapStore('value', (v, s) => raw('where', 'f32', [flag, v, s.index])), 'where of f32 and i32 has type f32'],
  ['an op on operands of two types', () => mapStore('value', (v, s) => raw('add', 'f32', [v, s.index])), 'add operands have types f32, i32; expected one type'],
  ['an op on a type it does not take', () => mapStore('index', (i) => raw('exp', 'i32', [i])), 'exp does not apply to i32 (it takes f32, f16, bf16)'],
  ['a comparison that is not bool', () => mapStore('value', (v) => raw('lt', 'f32', [v, v])), 'lt of f32 has type f32, expected bool'],
  ['a store past the outputs', () => withBody<MapBody>('map', (b) => ({ ...b, stores: b.stores.map((s) => ({ ...s, output: 3 })) })), 'a store writes output 3, but the kernel has 1 output(s)'],
  ['a store of the wrong type', () => mapStore('value', (_, s) => s.index), 'a store of a i32 into output 0 (f32), expected f32'],
  ['a store at a float index', () => mapStore('index', (_, s) => s.value), 'a store index has type f32, expected i32'],
  ['a negative loop extent', () => withBody<MapBody>('map', (b) => ({ ...b, shape: [-1, 8] })), 'loop extents [-1, 8] must be non-negative integers'],
  ['an accumulator reading a later one', () => withBody<ReduceBody>('reduce', (b) => ({ ...b, accumulators: b.accumulators.map((a, j) => (j === 0 ? { ...a, value: raw('add', 'f32', [a.value, raw('acc', 'f32', [], { index: 1 })]) } : a)) })), 'accumulator 0 reads acc1, but only the first 0 accumulator(s) are defined there'],
  ['an accumulator read as another type', () => withBody<ReduceBody>('reduce', (b) => ({ ...b, rowStores: b.rowStores.map((s) => ({ ...s, value: raw('cast', 'f32', [raw('acc', 'i32', [], { index: 1 })], { from: 'i32', to: 'f32' }) })) })), 'acc1 has type i32, but the accumulator is f32'],
  ['a per-row store reading ridx', () => withBody<ReduceBody>('reduce', (b) => ({ ...b, stores: b.rowStores, rowStores: [] })), 'store 0 index reads ridx outside the reduction loop'],
  ['an accumulator of the wrong type', () => withBody<ReduceBody>('reduce', (b) => ({ ...b, accumulators: b.accumulators.map((a) => ({ ...a, type: 'i32' as const })) })), 'accumulator 0 (max<i32>) accumulates a f32'],
  ['a contraction operand reading the n axis', () => withBody<ContractionBody>('contraction', (b) => ({ ...b, a: raw('add', 'f32', [b.a, raw('cast', 'f32', [raw('idx', 'i32', [], { axis: 1 })], { from: 'i32', to: 'f32' })]) })), 'a reads idx axes it may not (mask 2)'],
  ['a contraction operand reading its accumulator', () => withBody<ContractionBody>('contraction', (b) => ({ ...b, b: raw('add', 'f32', [b.b, raw('acc', 'f32', [], { index: 0 })]) })), 'b reads acc0, but only the first 0 accumulator(s) are defined there'],
  ['an epilogue reading a second accumulator', () => withBody<ContractionBody>('contraction', (b) => ({ ...b, stores: b.stores.map((s) => ({ ...s, value: raw('acc', 'f32', [], { index: 1 }) })) })), 'acc1 is not declared (the kernel has 1 accumulator(s))'],
  ['an integer contraction operand', () => withBody<ContractionBody>('contraction', (b) => ({ ...b, b: i32(0) })), 'contraction operands have types f32 and i32, expected f32'],
  ['a library kernel of an elementwise primitive', () => withBody<LibraryBody>('library', (b) => ({ ...b, op: 'add' })), 'library op add is a primitive without a library routine'],
  ['a library operand without a shape', () => withBody<LibraryBody>('library', (b) => ({ ...b, inputShapes: [] })), '1 operand(s) but 0 operand shape(s)'],
  ['a library result without a shape', () => withBody<LibraryBody>('library', (b) => ({ ...b, outputShapes: [] })), '1 output(s) but 0 result shape(s)'],
  ['a library operand reading an undeclared param', () => withBody<LibraryBody>('library', (b) => ({ ...b, operands: [{ kind: 'param', name: 'nope' }] })), "operand 0 reads param $nope, which is not among the kernel's params"],
  ['a library operand past the inputs', () => withBody<LibraryBody>('library', (b) => ({ ...b, operands: [{ kind: 'buffer', slot: 3 }] })), 'operand 0 reads input 3, but the kernel has 1 input(s)'],
  ['a library operand of the wrong size', () => withBody<LibraryBody>('library', (b) => ({ ...b, inputShapes: [[4, 7]] })), 'operand 0 has shape [4, 7] but input 0 holds 32 elements'],
  ['a library result of the wrong size', () => withBody<LibraryBody>('library', (b) => ({ ...b, outputShapes: [[4, 3]] })), 'result 0 has shape [4, 3] but output 0 holds 8 elements'],
  ['an input bound but never read', () => withKernel('map', (k) => ({ ...k, inputs: [...k.inputs, { buffer: 2, dtype: 'f32', size: 32 }] })), 'input 2 is bound but never read'],
  ['a param listed twice', () => withKernel('map', (k) => ({ ...k, params: ['pos', 'pos'] })), 'params [pos, pos] repeat a name'],
  ['a buffer under another id', () => ({ ...VALID, buffers: VALID.buffers.map((b) => (b.id === 3 ? { ...b, id: 9 } : b)) }), 'buffer 3 has id 9'],
  ['a buffer of negative size', () => ({ ...VALID, buffers: VALID.buffers.map((b) => (b.id === 5 ? { ...b, size: -1 } : b)) }), 'buffer 5 has size -1'],
  ['a weight without a name', () => ({ ...VALID, buffers: VALID.buffers.map((b) => (b.role === 'weight' ? { ...b, name: undefined } : b)) }), 'weight buffer 2 has no name'],
  ['a constant missing values', () => ({ ...VALID, buffers: VALID.buffers.map((b) => (b.role === 'constant' ? { ...b, values: [1, 2] } : b)) }), 'constant buffer 3 holds 2 values for 8 elements'],
  ['an input naming an output buffer', () => ({ ...VALID, inputs: { ...VALID.inputs, x: 4 } }), 'input "x" names buffer 4, which is not an input buffer'],
  ['an input of another size', () => ({ ...VALID, inputShapes: { ...VALID.inputShapes, x: [4, 7] } }), 'input "x" has 28 elements but buffer 0 holds 32'],
  ['a kernel writing a missing buffer', () => withKernel('map', (k) => ({ ...k, outputs: [{ ...k.outputs[0]!, buffer: 99 }] })), 'output buffer 99 does not exist'],
  ['a kernel buffer of another dtype', () => withKernel('library', (k) => ({ ...k, inputs: [{ ...k.inputs[0]!, dtype: 'bf16' }] })), 'input buffer 0 is bf16[32] here but f32[32] in the program'],
  ['a kernel reading a buffer before it is written', () => ({ ...VALID, kernels: [...VALID.kernels].reverse() }), 'reads buffer 4 before any kernel writes it'],
  ['a kernel writing a weight', () => withKernel('map', (k) => ({ ...k, outputs: [{ buffer: 2, dtype: 'f32', size: 32 }] })), 'writes weight buffer 2'],
  ['a kernel reading a param the program lacks', () => ({ ...VALID, params: [] }), 'reads param $pos, which the program does not have'],
  ['an output naming a missing buffer', () => ({ ...VALID, outputs: { ...VALID.outputs, sm: 99 } }), 'output "sm" names buffer 99, which does not exist'],
  ['an output no kernel writes', () => ({ ...VALID, kernels: VALID.kernels.filter((k) => k.body.kind !== 'library') }), 'output "top" is buffer 6, which no kernel writes'],
  ['an output of another size', () => ({ ...VALID, outputShapes: { ...VALID.outputShapes, top: [3] } }), 'output "top" has 3 elements but buffer 6 holds 8'],
];

describe('the kernel-IR verifier', () => {
  it('accepts a compiled program with every kind of kernel', () => {
    expect(VALID.kernels.map((k) => k.body.kind).sort()).toEqual(['contraction', 'library', 'map', 'reduce']);
    expect(programProblems(VALID)).toEqual([]);
    expect(verifyProgram(VALID)).toBe(VALID);
  });

  it.each(MALFORMED)('finds %s', (_, malformed, message) => {
    expect(programProblems(malformed())).toContainEqual(expect.stringContaining(message));
  });

  it('throws a KernelIRError naming the program, the kernel and every problem', () => {
    const program = mapStore('value', (v) => raw('lt', 'f32', [v, v]));
    expect(() => verifyProgram(program)).toThrow(KernelIRError);
    expect(() => verifyProgram(program)).toThrow(/invalid program kernels:\n {2}kernel 3 \(k3_dynamic_slice\): lt of f32 has type f32, expected bool/);
  });

  it('visits a shared subexpression once: a DAG of 2^300 paths verifies at once', () => {
    const c = new ExprContext([32]);
    let e = c.load(0, 'f32', c.idx(0));
    for (let i = 0; i < 300; i++) e = c.binary('add', e, e);
    const k: Kernel = {
      name: 'k0_doubling',
      origin: [],
      inputs: [{ buffer: 0, dtype: 'f32', size: 32 }],
      outputs: [{ buffer: 1, dtype: 'f32', size: 32 }],
      params: [],
      body: { kind: 'map', shape: [32], stores: [{ output: 0, index: c.idx(0), value: e }] },
    };
    const buffers = [
      { id: 0, dtype: 'f32' as const, size: 32, role: 'input' as const, name: 'x' },
      { id: 1, dtype: 'f32' as const, size: 32, role: 'output' as const },
    ];
    const program: Program = { name: 'doubling', buffers, kernels: [k], inputs: { x: 0 }, params: [], outputs: { y: 1 }, outputShapes: { y: [32] }, inputShapes: { x: [32] } };
    expect(programProblems(program)).toEqual([]);
  });
});
