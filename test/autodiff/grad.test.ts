// grad(): the transformation's contract — what it differentiates, sums, refuses and keeps — and the conventions
// spec/autodiff.md states at the points where a derivative is not unique (ties, sqrt at 0).

import { describe, expect, it } from 'vitest';
import { grad } from '../../src/autodiff/index.js';
import { evaluateFloat64, type F64Tensor } from '../../src/backends/reference/index.js';
import { GraphBuilder, type Graph, type Value } from '../../src/ir/index.js';
import { silu, softmax, Tensor } from '../../src/ops/index.js';

const f64 = (shape: number[], values: number[]): F64Tensor => ({ shape, data: Float64Array.from(values) });
const values = (t: F64Tensor | undefined) => [...t!.data];

/** A graph of one f32 input x (of `shape`) and one output. */
function unaryGraph(shape: number[], build: (b: GraphBuilder, x: Value) => Value): Graph {
  const b = new GraphBuilder('g');
  return b.build({ y: build(b, b.input('x', { dtype: 'f32', shape })) });
}

describe('grad', () => {
  it('sums the cotangents of a value used several times, and keeps the original outputs', () => {
    const g = unaryGraph([3], (b, x) => b.op('add', [b.op('mul', [x, x]), x]));
    const out = evaluateFloat64(grad(g, ['y'], { inputs: ['x'] }), { x: f64([3], [1, -2, 0.5]) });
    expect(values(out['grad.x'])).toEqual([3, -3, 2]);
    expect(values(out.y)).toEqual([2, 2, 0.75]);
  });

  it('differentiates with respect to a weight, summing over its reads', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', { dtype: 'f32', shape: [2] });
    const w = () => b.op('weight', [], { name: 'w', dtype: 'f32', shape: [2] });
    const g = b.build({ y: b.op('mul', [b.op('mul', [x, w()]), w()]) });
    const out = evaluateFloat64(grad(g, ['y'], { weights: ['w'] }), { x: f64([2], [3, 5]) }, { w: f64([2], [2, -1]) });
    expect(values(out['grad.w'])).toEqual([12, -10]);
  });

  it('takes each output cotangent as an input when the seed is "input"', () => {
    const g = unaryGraph([2], (b, x) => b.op('exp', [x]));
    const gradient = grad(g, ['y'], { inputs: ['x'] }, { seed: 'input' });
    expect(gradient.inputs.map((v) => (v.def.kind === 'input' ? v.def.name : ''))).toEqual(['x', 'cotangent.y']);
    const out = evaluateFloat64(gradient, { x: f64([2], [0, 0]), 'cotangent.y': f64([2], [2, -3]) });
    expect(values(out['grad.x'])).toEqual([2, -3]);
  });

  it('gives zeros for a target no differentiated output depends on', () => {
    const b = new GraphBuilder('g');
    b.input('unused', { dtype: 'f32', shape: [2] });
    const x = b.input('x', { dtype: 'f32', shape: [2] });
    const g = b.build({ y: b.op('neg', [x]) });
    const out = evaluateFloat64(grad(g, ['y'], { inputs: ['unused', 'x'] }), { unused: f64([2], [1, 1]), x: f64([2], [1, 1]) });
    expect(values(out['grad.unused'])).toEqual([0, 0]);
    expect(values(out['grad.x'])).toEqual([-1, -1]);
  });

  it('passes no gradient through integer values: topk indices, casts to i32', () => {
    const g = unaryGraph([4], (b, x) => b.op('mul', [x, b.op('cast', [b.op('topk', [x], { k: 4, axis: 0 })], { dtype: 'f32' })]));
    const out = evaluateFloat64(grad(g, ['y'], { inputs: ['x'] }), { x: f64([4], [0.1, 0.4, 0.3, 0.2]) });
    // y = x · cast(topk(x)) = x · [1, 2, 3, 0]: the indices are constants as far as gradients go.
    expect(values(out['grad.x'])).toEqual([1, 2, 3, 0]);
  });

  it('splits a tie evenly: max of equal operands, reduce_max over equal maxima', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', { dtype: 'f32', shape: [3] });
    const y = b.input('z', { dtype: 'f32', shape: [3] });
    const g = b.build({ m: b.op('max', [x, y]), r: b.op('reduce_max', [x], { axes: [0], keepdims: false }) });
    const data = { x: f64([3], [2, 1, 2]), z: f64([3], [2, 0, 5]) };
    expect(values(evaluateFloat64(grad(g, ['m'], { inputs: ['x', 'z'] }), data)['grad.x'])).toEqual([0.5, 1, 0]);
    expect(values(evaluateFloat64(grad(g, ['r'], { inputs: ['x'] }), data)['grad.x'])).toEqual([0.5, 0, 0.5]);
  });

  it('follows torch at sqrt(0): an infinite derivative', () => {
    const g = unaryGraph([2], (b, x) => b.op('sqrt', [x]));
    expect(values(evaluateFloat64(grad(g, ['y'], { inputs: ['x'] }), { x: f64([2], [0, 4]) })['grad.x'])).toEqual([Infinity, 0.25]);
  });

  it('opens a composite on the gradient path, keeps one off it, and keeps one with its own rule one region', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', { dtype: 'f32', shape: [2, 3] });
    const c = b.input('c', { dtype: 'f32', shape: [2, 3] });
    const off = silu(new Tensor(b, c)).value;
    const opened = silu(new Tensor(b, x)).value;
    const ruled = softmax(new Tensor(b, x), 1).value;
    const g = b.build({ y: b.op('mul', [b.op('mul', [opened, off]), ruled]) });
    const gradient = grad(g, ['y'], { inputs: ['x'] });
    expect(gradient.nodes.filter((n) => n.body).map((n) => n.op)).toEqual(['silu', 'softmax']);
    expect(gradient.nodes.some((n) => n.origin?.startsWith('silu') && n.op === 'exp')).toBe(true);
    expect(gradient.nodes.some((n) => n.origin?.startsWith('grad/silu'))).toBe(true);
    expect(gradient.nodes.some((n) => n.origin === 'grad/softmax')).toBe(true);
    expect(gradient.nodes.some((n) => n.origin === 'softmax')).toBe(false);
  });

  it("builds the expert GEMM's weight gradient with no tensor larger than the weights", () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', { dtype: 'f32', shape: [12, 4] });
    const w = b.input('w', { dtype: 'f32', shape: [3, 4, 5] });
    const ids = b.input('ids', { dtype: 'i32', shape: [12] });
    const gradient = grad(b.build({ y: b.op('gather_matmul', [x, w, ids]) }), ['y'], { inputs: ['w'] });
    const sizes = gradient.nodes.filter((n) => n.origin?.startsWith('grad')).map((n) => n.outputs[0]!.shape.reduce((p, d) => p * d, 1));
    expect(Math.max(...sizes)).toBe(3 * 4 * 5);
  });

  it('refuses what it cannot differentiate, naming it', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', { dtype: 'f32', shape: [2] });
    const i = b.input('i', { dtype: 'i32', shape: [2] });
    const g = b.build({ y: b.op('neg', [x]), k: b.op('neg', [i]), 'grad.i': x });
    expect(() => grad(g, ['y'], { inputs: ['x'], weights: ['x'] })).toThrow('"x" is named twice');
    expect(() => grad(g, ['k'], { inputs: ['x'] })).toThrow('output "k" is i32[2]');
    expect(() => grad(g, ['y'], { inputs: ['nope'] })).toThrow('graph g has no input "nope"; its inputs are x, i');
    expect(() => grad(g, ['nope'], { inputs: ['x'] })).toThrow('has no output "nope"');
    expect(() => grad(g, ['y'], { weights: ['w'] })).toThrow('graph g reads no weight "w"');
    expect(() => grad(g, ['y'], { inputs: ['i'] })).toThrow('graph g already has an output named grad.i');
    const h = b.build({ y: b.op('neg', [x]) });
    expect(() => grad(h, ['y'], { inputs: ['i'] })).toThrow('grad: input "i" is i32[2]; gradients flow only through f32, f16 or bf16');
    expect(() => grad(g, [], { inputs: ['x'] })).toThrow('no outputs to differentiate');
  });
});

describe('the float64 mode of the reference interpreter', () => {
  it('does not round to f32', () => {
    const g = unaryGraph([1], (b, x) => b.op('add', [x, b.op('full', [], { dtype: 'f32', shape: [1], value: 1 })]));
    expect(values(evaluateFloat64(g, { x: f64([1], [1e-12]) }).y)).toEqual([1 + 1e-12]);
  });

  it('refuses narrow floats, naming the value', () => {
    const g = unaryGraph([1], (b, x) => b.op('cast', [x], { dtype: 'bf16' }));
    expect(() => evaluateFloat64(g, { x: f64([1], [1]) })).toThrow('float64 evaluation of graph g: node 0 (cast) is bf16[1]; this mode evaluates f32, i32, u8, bool values only');
  });
});
