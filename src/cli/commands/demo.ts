// `dsv3 demo`: builds a small graph with the op library, prints it, and runs it on the CPU reference backend.

import { printGraph, tensorData, verify, weightMap, type TensorData } from '../../ir/index.js';
import * as ops from '../../ops/index.js';
import { evaluate } from '../../backends/reference/index.js';
import { EXIT, type Command } from '../command.js';

/** Deterministic pseudo-random values in [-1, 1) (a small LCG, so the demo prints the same numbers everywhere). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const format = (t: TensorData) => `${t.dtype}[${t.shape.join(',')}] ${Array.from(t.data.slice(0, 8), (x) => Number(x).toFixed(4)).join(' ')}${t.data.length > 8 ? ' ...' : ''}`;

export const demo: Command = {
  name: 'demo',
  summary: 'build a small transformer-style graph, print it and run it on the CPU backend',
  help: `Usage: dsv3 demo

Builds a pre-norm SwiGLU MLP block with a residual connection and a softmax head over 3 tokens
(dim 8, hidden 16) from the op library, prints the graph's text form (composite regions with
their bodies), and runs it on the CPU reference backend with deterministic weights.`,
  options: {},
  async run() {
    const [tokens, dim, hidden] = [3, 8, 16];
    const graph = ops.trace('demo', { x: { dtype: 'f32', shape: [tokens, dim] } }, ({ x }, t) => {
      const norm = t.weight('norm', 'f32', [dim]);
      const w1 = t.weight('w1', 'f32', [hidden, dim]);
      const w3 = t.weight('w3', 'f32', [hidden, dim]);
      const w2 = t.weight('w2', 'f32', [dim, hidden]);
      const h = ops.rmsNorm(x!, norm, 1e-6);
      const y = ops.add(x!, ops.linear(ops.swiglu(ops.linear(h, w1), ops.linear(h, w3)), w2));
      return { y, probs: ops.softmax(y) };
    });
    verify(graph);
    console.log(printGraph(graph));
    const weights = weightMap({
      norm: tensorData('f32', [dim], values(dim, 1).map((v) => 1 + 0.1 * v)),
      w1: tensorData('f32', [hidden, dim], values(hidden * dim, 2)),
      w3: tensorData('f32', [hidden, dim], values(hidden * dim, 3)),
      w2: tensorData('f32', [dim, hidden], values(dim * hidden, 4)),
    });
    const out = evaluate(graph, { x: tensorData('f32', [tokens, dim], values(tokens * dim, 5)) }, weights);
    for (const [name, t] of Object.entries(out)) console.log(`${name} = ${format(t)}`);
    return EXIT.ok;
  },
};
