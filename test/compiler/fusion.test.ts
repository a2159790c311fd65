// What the known patterns must fuse into. Each program is also checked against the oracle.

import { describe, expect, it } from 'vitest';
import { tensorData, type Graph, type TensorData } from '../../src/ir/index.js';
import * as ops from '../../src/ops/index.js';
import { compile } from '../../src/compiler/compile.js';
import type { Program } from '../../src/compiler/kernel.js';
import { CpuProgramRunner } from '../../src/backends/cpu/program.js';
import { evaluate } from '../../src/backends/reference/index.js';
import { weightMap } from '../../src/ir/index.js';
import { bitMismatch } from '../support/compare.js';

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(seed * 7.1 + i * 1.3);
  return out;
}

/** Compiles `g`, checks it against the oracle on generated inputs/weights, returns the program. */
function compiled(g: Graph): Program {
  const p = compile(g);
  const inputs: Record<string, TensorData> = {};
  g.inputs.forEach((v, i) => {
    const n = v.shape.reduce((a, b) => a * b, 1);
    inputs[v.def.kind === 'input' ? v.def.name : ''] = tensorData('f32', v.shape, values(n, i + 1));
  });
  const weights = weightMap(
    Object.fromEntries(
      g.nodes.filter((n) => n.op === 'weight').map((n, i) => [n.attrs.name as string, tensorData('f32', n.attrs.shape as number[], values((n.attrs.shape as number[]).reduce((a, b) => a * b, 1), 10 + i))]),
    ),
  );
  const expected = evaluate(g, inputs, weights);
  const actual = new CpuProgramRunner(p, weights).run(inputs);
  for (const [k, t] of Object.entries(expected)) expect(bitMismatch(actual[k]!, t), k).toBeUndefined();
  return p;
}

const kinds = (p: Program) => p.kernels.map((k) => (k.body.kind === 'library' ? k.body.op : k.body.kind));

describe('fusion of known patterns', () => {
  it('an elementwise chain is one kernel', () => {
    const g = ops.trace('chain', { x: { dtype: 'f32', shape: [4, 8] } }, ({ x }) => ({ y: ops.exp(ops.mul(ops.add(x!, 1), ops.sqrt(ops.abs(x!)))) }));
    expect(kinds(compiled(g))).toEqual(['map']);
  });

  it('RMSNorm is one row kernel (at most 2 allowed)', () => {
    const g = ops.trace('rmsnorm', { x: { dtype: 'f32', shape: [5, 16] } }, ({ x }, t) => ({ y: ops.rmsNorm(x!, t.weight('w', 'f32', [16]), 1e-6) }));
    const p = compiled(g);
    expect(p.kernels.length).toBeLessThanOrEqual(2);
    expect(kinds(p)).toEqual(['reduce']);
  });

  it('softmax is one row kernel with two accumulators (at most 2 allowed)', () => {
    const g = ops.trace('softmax', { x: { dtype: 'f32', shape: [3, 10] } }, ({ x }) => ({ y: ops.softmax(x!) }));
    const p = compiled(g);
    expect(p.kernels.length).toBeLessThanOrEqual(2);
    const body = p.kernels[0]!.body;
    expect(body.kind === 'reduce' && body.accumulators.map((a) => a.op)).toEqual(['max', 'sum']);
  });

  it('SwiGLU: silu(x W1) * (x W3) is two matmul kernels, the second with the gate as its epilogue', () => {
    const g = ops.trace('swiglu', { x: { dtype: 'f32', shape: [6, 8] } }, ({ x }, t) => ({
      y: ops.swiglu(ops.linear(x!, t.weight('w1', 'f32', [16, 8])), ops.linear(x!, t.weight('w3', 'f32', [16, 8]))),
    }));
    const p = compiled(g);
    expect(kinds(p)).toEqual(['contraction', 'contraction']);
    const epilogue = p.kernels[1]!.body.kind === 'contraction' ? p.kernels[1]!.body.stores[0]!.value : undefined;
    expect(epilogue?.kind).toBe('mul');
  });

  it('bias, activation and residual fuse into the matmul epilogue', () => {
    const g = ops.trace('epilogue', { x: { dtype: 'f32', shape: [4, 8] } }, ({ x }, t) => ({
      y: ops.add(x!, ops.silu(ops.linear(x!, t.weight('w', 'f32', [8, 8]), t.weight('b', 'f32', [8])))),
    }));
    expect(kinds(compiled(g))).toEqual(['contraction']);
  });

  it('two matmuls meeting in one elementwise tail: one takes the tail, the other is stored', () => {
    const g = ops.trace('meet', { q: { dtype: 'f32', shape: [2, 3, 4] }, k: { dtype: 'f32', shape: [2, 5, 4] }, p: { dtype: 'f32', shape: [2, 3, 2] }, e: { dtype: 'f32', shape: [2, 5, 2] } }, ({ q, k, p, e }) => ({
      y: ops.softmax(ops.mul(ops.add(ops.matmul(q!, ops.transpose(k!)), ops.matmul(p!, ops.transpose(e!))), 0.5)),
    }));
    expect(kinds(compiled(g))).toEqual(['contraction', 'contraction', 'reduce']);
  });

  it('RoPE never gets a kernel of its own', () => {
    const g = ops.trace('rope', { x: { dtype: 'f32', shape: [2, 3, 8] }, cos: { dtype: 'f32', shape: [3, 4] }, sin: { dtype: 'f32', shape: [3, 4] } }, ({ x, cos, sin }, t) => {
      const q = ops.reshape(ops.linear(x!, t.weight('wq', 'f32', [8, 8])), [2, 3, 8]);
      const r = ops.rope(q, cos!, sin!);
      return { y: ops.matmul(r, ops.transpose(r)) };
    });
    const p = compiled(g);
    expect(p.kernels.every((k) => k.origin.at(-1) !== 'rope')).toBe(true);
    expect(kinds(p)).toEqual(['contraction', 'contraction']);
  });

  it('reductions sharing an input run in one kernel', () => {
    const g = ops.trace('stats', { x: { dtype: 'f32', shape: [4, 12] } }, ({ x }) => ({ mean: ops.mean(x!, -1), max: ops.max(x!, -1), min: ops.min(ops.neg(x!), -1) }));
    const p = compiled(g);
    expect(kinds(p)).toEqual(['reduce']);
    expect(p.kernels[0]!.outputs.length).toBe(3);
  });

  it('kernels over the buffer limit are split, not refused', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const g = ops.trace('wide', Object.fromEntries(names.map((n) => [n, { dtype: 'f32' as const, shape: [5] }])), (x) => ({
      y: names.slice(1).reduce((acc, n) => ops.add(acc, ops.mul(x[n]!, 2)), x.a!),
    }));
    expect(compile(g).kernels.length).toBe(1);
    const p = compile(g, { maxBuffersPerKernel: 4 });
    expect(p.kernels.length).toBeGreaterThan(1);
    expect(p.kernels.every((k) => k.inputs.length + k.outputs.length <= 4)).toBe(true);
    const inputs = Object.fromEntries(names.map((n, i) => [n, tensorData('f32', [5], values(5, i))]));
    expect(bitMismatch(new CpuProgramRunner(p, undefined).run(inputs).y!, evaluate(g, inputs).y!)).toBeUndefined();
  });

  it('dependent reductions over the same rows are not merged as siblings', () => {
    const g = ops.trace('dependent', { x: { dtype: 'f32', shape: [4, 12] } }, ({ x }) => {
      const m = ops.max(x!, -1, true);
      return { m, s: ops.sum(ops.sub(x!, m), -1) };
    });
    compiled(g);
  });
});
