// Composites evaluated through their bodies: rms_norm, softmax, log_softmax, sigmoid, silu, swiglu and rope against
// naive float64 formulas, and fp8_quantize against DeepSeek's act_quant goldens bit for bit.

import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src/backends/reference/index.js';
import type { Shape, TensorData } from '../../../src/ir/index.js';
import { SafetensorsFile } from '../../../src/io/safetensors.js';
import * as ops from '../../../src/ops/index.js';
import { expectClose, flatIndex, multiIndices, shapeArb, tensorArb } from './harness.js';
import { fileBytes } from '../../../src/io/local-files.js';

const RUNS = { numRuns: 40 };
const moderate = fc.float({ min: -8, max: 8, noNaN: true });
const f32Tensor = (shape: Shape) => tensorArb('f32', shape, moderate);

/** Runs `fn` on f32 inputs named a, b, c as a traced graph and returns its output `y`. */
function run(inputs: readonly TensorData[], fn: (xs: ops.Tensor[]) => ops.Tensor): number[] {
  const names = ['a', 'b', 'c'].slice(0, inputs.length);
  const g = ops.trace('composite', Object.fromEntries(inputs.map((t, i) => [names[i]!, { dtype: t.dtype, shape: t.shape }])), (xs) => ({
    y: fn(names.map((n) => xs[n]!)),
  }));
  return Array.from(evaluate(g, Object.fromEntries(inputs.map((t, i) => [names[i]!, t]))).y!.data as Float32Array);
}

/** A few subnormal steps: results that underflow in f32 but not in float64. */
const F32_TINY = 2 ** -146;
const relative = (expected: readonly number[], rel: number, abs = 0) => (i: number) => rel * Math.abs(expected[i]!) + abs + F32_TINY;

/** Applies `f` to every line along `axis` of `x` (a naive per-line definition). */
function alongAxis(x: TensorData, axis: number, f: (line: number[]) => number[]): number[] {
  const out = new Array<number>(x.data.length);
  for (const p of multiIndices(x.shape.map((s, i) => (i === axis ? 1 : s)))) {
    const at = Array.from({ length: x.shape[axis]! }, (_, j) => flatIndex(x.shape, p.map((v, i) => (i === axis ? j : v))));
    f(at.map((k) => x.data[k] as number)).forEach((v, j) => (out[at[j]!] = v));
  }
  return out;
}

const withAxis = shapeArb(3, 5, 1)
  .filter((s) => s.every((d) => d > 0))
  .chain((shape) => fc.tuple(f32Tensor(shape), fc.integer({ min: 0, max: shape.length - 1 })));

describe('softmax family', () => {
  it('softmax', () => {
    fc.assert(
      fc.property(withAxis, ([x, axis]) => {
        const want = alongAxis(x, axis, (line) => {
          const m = Math.max(...line);
          const e = line.map((v) => Math.exp(v - m));
          const s = e.reduce((a, b) => a + b, 0);
          return e.map((v) => v / s);
        });
        expectClose(run([x], ([t]) => ops.softmax(t!, axis)), want, relative(want, 1e-5, 1e-7));
      }),
      RUNS,
    );
  });

  it('log_softmax', () => {
    fc.assert(
      fc.property(withAxis, ([x, axis]) => {
        const want = alongAxis(x, axis, (line) => {
          const m = Math.max(...line);
          const lse = Math.log(line.reduce((a, v) => a + Math.exp(v - m), 0));
          return line.map((v) => v - m - lse);
        });
        expectClose(run([x], ([t]) => ops.logSoftmax(t!, axis)), want, relative(want, 1e-5, 1e-5));
      }),
      RUNS,
    );
  });
});

describe('activations', () => {
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const shaped = shapeArb(3, 4).chain((shape) => fc.tuple(f32Tensor(shape), f32Tensor(shape)));

  it('sigmoid, silu and swiglu', () => {
    fc.assert(
      fc.property(shaped, ([x, y]) => {
        const xs = Array.from(x.data as Float32Array);
        const ys = Array.from(y.data as Float32Array);
        const sig = xs.map(sigmoid);
        const silu = xs.map((v) => v * sigmoid(v));
        const swiglu = silu.map((v, i) => v * ys[i]!);
        expectClose(run([x], ([t]) => ops.sigmoid(t!)), sig, relative(sig, 1e-6));
        expectClose(run([x], ([t]) => ops.silu(t!)), silu, relative(silu, 1e-6, 1e-12));
        expectClose(run([x, y], ([g, u]) => ops.swiglu(g!, u!)), swiglu, relative(swiglu, 1e-6, 1e-12));
      }),
      RUNS,
    );
  });
});

describe('rms_norm', () => {
  it('x · w / sqrt(mean(x²) + eps) over the last axis', () => {
    const arb = shapeArb(2, 4)
      .chain((lead) => fc.integer({ min: 1, max: 6 }).map((d) => [...lead, d]))
      .chain((shape) => fc.tuple(f32Tensor(shape), f32Tensor([shape[shape.length - 1]!])));
    fc.assert(
      fc.property(arb, ([x, w]) => {
        const eps = 1e-6;
        const ws = Array.from(w.data as Float32Array);
        const want = alongAxis(x, x.shape.length - 1, (line) => {
          const rms = Math.sqrt(line.reduce((a, v) => a + v * v, 0) / line.length + eps);
          return line.map((v, i) => (v * ws[i]!) / rms);
        });
        expectClose(run([x, w], ([t, weight]) => ops.rmsNorm(t!, weight!, eps)), want, relative(want, 1e-5, 1e-6));
      }),
      RUNS,
    );
  });
});

describe('rope', () => {
  it("rotates DeepSeek's interleaved pairs", () => {
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }))
      .chain(([t, half]) => fc.tuple(f32Tensor([t, 2 * half]), f32Tensor([t, half]), f32Tensor([t, half])));
    fc.assert(
      fc.property(arb, ([x, cos, sin]) => {
        const [t, d] = x.shape as [number, number];
        const v = (a: TensorData, i: number) => a.data[i] as number;
        const want: number[] = [];
        const scale: number[] = [];
        for (let r = 0; r < t; r++) {
          for (let i = 0; i < d / 2; i++) {
            const [x0, x1, c, s] = [v(x, r * d + 2 * i), v(x, r * d + 2 * i + 1), v(cos, (r * d) / 2 + i), v(sin, (r * d) / 2 + i)];
            want.push(x0 * c - x1 * s, x0 * s + x1 * c);
            const magnitude = Math.abs(x0 * c) + Math.abs(x1 * s) + Math.abs(x0 * s) + Math.abs(x1 * c);
            scale.push(magnitude, magnitude);
          }
        }
        expectClose(run([x, cos, sin], ([a, c, s]) => ops.rope(a!, c!, s!)), want, (i) => 1e-6 * scale[i]! + F32_TINY);
      }),
      RUNS,
    );
  });
});

describe('fp8_quantize reproduces act_quant (spec/golden/fp8-rounding) bit for bit', () => {
  const file = SafetensorsFile.open(fileBytes(fileURLToPath(new URL('../../../spec/golden/fp8-rounding/expected.safetensors', import.meta.url))));
  const cases = file
    .names()
    .filter((n) => n.startsWith('act_quant.') && n.endsWith('.x'))
    .map((n) => n.slice('act_quant.'.length, -'.x'.length));

  it('has the eight golden matrices', () => expect(cases.length).toBe(8));

  it.each(cases.flatMap((c) => [[c, 'none'] as const, [c, 'ue8m0'] as const]))('%s, scale format %s', (name, fmt) => {
    const x = file.read(`act_quant.${name}.x`) as Float32Array;
    const shape = file.info(`act_quant.${name}.x`).shape;
    const g = ops.trace('quant', { x: { dtype: 'f32', shape } }, ({ x: t }) => {
      const [q, s] = ops.fp8Quantize(t!, 128, fmt);
      return { q, s };
    });
    const out = evaluate(g, { x: { dtype: 'f32', shape, data: x } });
    expect(Array.from(out.q!.data)).toEqual(Array.from(file.read(`act_quant.${name}.${fmt}.q`) as Uint8Array));
    expect(Array.from(out.s!.data)).toEqual(Array.from(file.read(`act_quant.${name}.${fmt}.s`) as Float32Array));
  });
});
