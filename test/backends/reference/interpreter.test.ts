// The interpreter: input checking, error context, output ownership, composites, and a kernel for every primitive.

import { describe, expect, it } from 'vitest';
import { evaluate, evaluateGraph, fromTensorData, PRIMITIVE_KERNELS, toTensorData } from '../../../src/backends/reference/index.js';
import { GraphBuilder, primitiveNames, tensorData, type Graph } from '../../../src/ir/index.js';
import * as ops from '../../../src/ops/index.js';
import { tensorOf } from './harness.js';

function addGraph(): Graph {
  const b = new GraphBuilder('pair');
  const x = b.input('x', { dtype: 'f32', shape: [2, 3] });
  const y = b.input('y', { dtype: 'f32', shape: [2, 3] });
  return b.build({ sum: b.op('add', [x, y]) });
}

const x23 = () => tensorOf('f32', [2, 3], [1, 2, 3, 4, 5, 6]);

describe('inputs are checked', () => {
  it('a missing input is named with its type', () => {
    expect(() => evaluate(addGraph(), { x: x23() })).toThrow('graph pair: input "y" is missing; expected f32[2,3]');
  });

  it('an unknown input is named, with the inputs the graph takes', () => {
    expect(() => evaluate(addGraph(), { x: x23(), y: x23(), z: x23() })).toThrow('graph pair: unknown input(s) "z"; the graph takes "x", "y"');
  });

  it('a wrong dtype or shape names the input, the given and the expected type', () => {
    expect(() => evaluate(addGraph(), { x: x23(), y: tensorOf('f16', [2, 3], [0, 0, 0, 0, 0, 0]) })).toThrow('graph pair: input "y" is f16[2,3]; expected f32[2,3]');
    expect(() => evaluate(addGraph(), { x: x23(), y: tensorOf('f32', [3, 2], [0, 0, 0, 0, 0, 0]) })).toThrow('graph pair: input "y" is f32[3,2]; expected f32[2,3]');
  });

  it('storage that does not fit the dtype or shape is rejected', () => {
    const bad = { dtype: 'f32', shape: [2, 3], data: new Float32Array(5) } as const;
    expect(() => evaluate(addGraph(), { x: x23(), y: bad })).toThrow(/input "y": shape \[2,3\] needs 6 elements, got 5/);
    const wrongArray = { dtype: 'f32', shape: [2, 3], data: new Int32Array(6) } as const;
    expect(() => evaluate(addGraph(), { x: x23(), y: wrongArray })).toThrow(/input "y": f32 data must be a Float32Array/);
  });

  it('bool inputs must hold 0 or 1', () => {
    const b = new GraphBuilder('flags');
    const f = b.input('f', { dtype: 'bool', shape: [2] });
    const g = b.build({ out: b.op('not', [f]) });
    expect(() => evaluate(g, { f: tensorOf('bool', [2], [1, 2]) })).toThrow('graph flags: input "f": bool element 1 is 2; expected 0 or 1');
  });
});

describe('errors raised by kernels say where they happened', () => {
  it('names the graph, the node and the op', () => {
    const b = new GraphBuilder('lookup');
    const table = b.input('table', { dtype: 'f32', shape: [4, 2] });
    const ids = b.input('ids', { dtype: 'i32', shape: [3] });
    const g = b.build({ out: b.op('take', [table, ids], { axis: 0 }) });
    const run = () => evaluate(g, { table: tensorOf('f32', [4, 2], [0, 0, 0, 0, 0, 0, 0, 0]), ids: tensorOf('i32', [3], [0, 9, 1]) });
    expect(run).toThrow(RangeError);
    expect(run).toThrow('evaluating lookup, node 0 (take): take: index 9 at position [1] is out of range for axis 0 of f32[4,2] of size 4 (expected 0 <= index < 4)');
  });
});

describe('outputs', () => {
  it('own their storage: never an input, a weight or another output', () => {
    const b = new GraphBuilder('alias');
    const x = b.input('x', { dtype: 'f32', shape: [2, 3] });
    const r = b.op('reshape', [x], { shape: [3, 2] });
    const g = b.build({ same: x, reshaped: r, again: r });
    const input = x23();
    const out = evaluate(g, { x: input });
    const arrays = [input.data, out.same!.data, out.reshaped!.data, out.again!.data];
    expect(new Set(arrays).size).toBe(4);
    expect(Array.from(out.again!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...out.reshaped!.shape]).toEqual([3, 2]);
  });

  it('are dense row-major copies of views', () => {
    const b = new GraphBuilder('transpose');
    const x = b.input('x', { dtype: 'f32', shape: [2, 3] });
    const out = evaluate(b.build({ t: b.op('permute', [x], { perm: [1, 0] }) }), { x: x23() }).t!;
    expect(Array.from(out.data)).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('evaluation', () => {
  it('composites run their bodies (a traced MLP block with weights)', () => {
    const g = ops.trace('block', { x: { dtype: 'f32', shape: [2, 2] } }, ({ x }, t) => {
      const w = t.weight('w', 'f32', [2, 2]);
      return { y: ops.softmax(ops.silu(ops.linear(x!, w)), -1) };
    });
    const w = tensorData('f32', [2, 2], new Float32Array([1, 0, 0, 1]));
    const y = evaluate(g, { x: tensorOf('f32', [2, 2], [0, 0, 1, 1]) }, { get: () => w }).y!;
    expect(Array.from(y.data)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('evaluateGraph takes and returns CPU tensors positionally', () => {
    const [sum] = evaluateGraph(addGraph(), [fromTensorData(x23()), fromTensorData(x23())]);
    expect(Array.from(toTensorData(sum!).data)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(() => evaluateGraph(addGraph(), [fromTensorData(x23())])).toThrow('graph pair: 1 arguments given, it takes 2');
  });

  it('has a kernel for every primitive', () => {
    expect(primitiveNames().filter((op) => !PRIMITIVE_KERNELS.has(op))).toEqual([]);
  });
});
