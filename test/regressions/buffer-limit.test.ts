// Kernels over a device's buffer limit are split, never refused (spec/compiler.md, *Buffer limits*). Reproducers from
// issue 18 and one graph per kernel kind, on every registered backend that runs kernels, at the backend's own limit
// or a smaller one, against the op-by-op interpreter; then the compiler's side: fusion unchanged under the limit, the
// error below the minimum, claimed composites decomposed, and random graphs at limits 3 to 6.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inputName, isFloat, numel, parseGraph, tensorData, weightMap, type Graph, type TensorData, type Value } from '../../src/ir/index.js';
import { encodeFloats } from '../../src/numerics/index.js';
import * as ops from '../../src/ops/index.js';
import { compile } from '../../src/compiler/compile.js';
import { fuse, MIN_BUFFERS_PER_KERNEL } from '../../src/compiler/fusion/index.js';
import { boundBuffers } from '../../src/compiler/fusion/plan.js';
import type { Program } from '../../src/compiler/kernel.js';
import { printProgram } from '../../src/compiler/print-kernel.js';
import type { Backend } from '../../src/backends/backend.js';
import { CpuProgramRunner } from '../../src/backends/cpu/program.js';
import { evaluate } from '../../src/backends/reference/index.js';
import { driveBackend, isDrivenBackend } from '../../src/backends/sdk/driver.js';
import { BACKENDS_UNDER_TEST } from '../conformance/backends.js';
import { bitMismatch } from '../support/compare.js';
import { useOptionalResource } from '../support/optional-resource.js';
import { randomGraphWithInputs } from '../support/random-graph.js';
import { randomInputs } from '../support/random-inputs.js';

/** The most buffers a kernel of `p` binds. */
const mostBuffers = (p: Program) => Math.max(0, ...p.kernels.map(boundBuffers));

/** Floats holding small integers (sums and products stay exact on every backend); i32 inputs (indices, starts) 1. */
function integerInputs(g: Graph): Record<string, TensorData> {
  return Object.fromEntries(
    g.inputs.map((v, i) => {
      const n = numel(v.shape);
      if (!isFloat(v.dtype)) return [inputName(v), tensorData(v.dtype, v.shape, new Int32Array(n).fill(1))];
      return [inputName(v), tensorData(v.dtype, v.shape, encodeFloats(Float32Array.from({ length: n }, (_, j) => ((i * 7 + j * 3) % 9) - 4), v.dtype, 'saturate'))];
    }),
  );
}

const f32 = (shape: readonly number[]) => ({ dtype: 'f32' as const, shape: [...shape] });
const named = (n: number) => Array.from({ length: n }, (_, i) => `x${i}`);

/** Eight reductions over eight inputs, all returned: siblings over the same rows, 16 buffers in one kernel. */
const eightReductions = parseGraph(
  `graph eight(${named(8).map((n) => `%${n}: f32[4,8]`).join(', ')}) {\n` +
    named(8).map((n, i) => `  %${i} = reduce_sum(%${n}) {axes=[1], keepdims=false} : f32[4]\n`).join('') +
    `  return ${named(8).map((_, i) => `y${i} = %${i}`).join(', ')}\n}`,
);

interface LimitCase {
  readonly name: string;
  readonly graph: Graph;
  /** The limit compiled under (the backend's own when it is smaller); undefined: the backend's own. */
  readonly limit?: number;
}

const CASES: readonly LimitCase[] = [
  { name: 'eight sibling reductions at the backend\'s own limit', graph: eightReductions },
  { name: 'eight sibling reductions at a limit of 4', graph: eightReductions, limit: 4 },
  {
    name: 'a four-operand concat inlined into a pad, at a limit of 3 (nested concats)',
    graph: parseGraph('graph g(%a: f32[2], %b: f32[2], %c: f32[2], %d: f32[2]) {\n  %0 = concat(%a, %b, %c, %d) {axis=0} : f32[8]\n  %1 = pad(%0) {hi=[1], lo=[1], value=0} : f32[10]\n  return y = %1\n}'),
    limit: 3,
  },
  {
    name: 'fp8_quantize of a selection, at a limit of 4',
    graph: ops.trace('quantize', { a: f32([4, 32]), b: f32([4, 32]), c: f32([4, 32]), d: f32([4, 32]) }, ({ a, b, c, d }) => {
      const [q, scale] = ops.fp8Quantize(ops.where(ops.greater(a!, b!), c!, d!), 8, 'none');
      return { q: q!, scale: scale! };
    }),
    limit: 4,
  },
  {
    // What fp8_quantize of another fp8_quantize's scales decomposes to: a reduction whose row kernel has a stage of
    // its own must not become another row kernel's stage (that stage was then computed nowhere, at any limit).
    name: 'chained row reductions, at a limit of 4',
    graph: ops.trace('chain', { x: f32([4, 6]) }, ({ x }) => {
      const a = ops.max(x!, -1, true);
      const b = ops.max(ops.mul(x!, a), -1, true);
      return { y: ops.reshape(ops.max(ops.mul(x!, b), -1, true), [4]) };
    }),
    limit: 4,
  },
  {
    name: 'a matmul whose epilogue reads three more buffers, at a limit of 4',
    graph: ops.trace('epilogue', { a: f32([3, 5]), b: f32([5, 4]), c: f32([3, 4]), d: f32([3, 4]), e: f32([3, 4]) }, ({ a, b, c, d, e }) => ({
      y: ops.where(ops.greater(c!, d!), ops.matmul(a!, b!), e!),
    })),
    limit: 4,
  },
  {
    name: 'a row kernel over a sum of four inputs, at a limit of 4',
    graph: ops.trace('rows', { a: f32([3, 6]), b: f32([3, 6]), c: f32([3, 6]), d: f32([3, 6]) }, ({ a, b, c, d }) => {
      const x = ops.add(ops.add(a!, b!), ops.add(c!, d!));
      return { y: ops.sub(x, ops.max(x, -1, true)) };
    }),
    limit: 4,
  },
  {
    name: 'a dynamic update with a window computed from three inputs, at a limit of 4',
    graph: ops.trace('update', { x: f32([4, 3]), u: f32([2, 3]), v: f32([2, 3]), w: f32([2, 3]), start: { dtype: 'i32', shape: [] } }, ({ x, u, v, w, start }) => ({
      y: ops.dynamicUpdateSlice(x!, ops.mul(ops.add(u!, v!), w!), start!, 0),
    })),
    limit: 4,
  },
];

/** `backend` compiling as if its device bound at most `limit` buffers per kernel (or fewer, when it does). */
function limitedTo(backend: Backend, limit: number): Backend {
  if (!isDrivenBackend(backend)) throw new Error(`backend ${backend.name} runs no kernels`);
  const { device } = backend;
  return driveBackend({ ...device, compileOptions: { ...device.compileOptions, maxBuffersPerKernel: Math.min(limit, device.compileOptions.maxBuffersPerKernel) } });
}

for (const target of BACKENDS_UNDER_TEST) {
  describe(`kernels over the buffer limit on ${target.name}`, () => {
    const backend = useOptionalResource(target.resource);
    for (const c of CASES) {
      it(c.name, async () => {
        const inputs = integerInputs(c.graph);
        const exe = await (c.limit === undefined ? backend() : limitedTo(backend(), c.limit)).compile(c.graph, weightMap({}));
        try {
          const { outputs } = await exe.run(inputs);
          for (const [name, expected] of Object.entries(evaluate(c.graph, inputs))) expect(bitMismatch(outputs[name]!, expected), name).toBeUndefined();
        } finally {
          exe.dispose();
        }
      });
    }
  });
}

describe('the compiler splits kernels to fit the buffer limit', () => {
  it('fits every case at its limit and at every limit from the minimum up, matching the interpreter', () => {
    for (const c of CASES) {
      const inputs = integerInputs(c.graph);
      const expected = evaluate(c.graph, inputs);
      for (const limit of [...(c.limit === undefined ? [] : [c.limit]), MIN_BUFFERS_PER_KERNEL, 5, 6, 15]) {
        const p = compile(c.graph, { maxBuffersPerKernel: limit });
        expect(mostBuffers(p), `${c.name} at ${limit}`).toBeLessThanOrEqual(limit);
        const actual = new CpuProgramRunner(p, undefined).run(inputs);
        for (const [name, t] of Object.entries(expected)) expect(bitMismatch(actual[name]!, t), `${c.name} at ${limit}: ${name}`).toBeUndefined();
      }
    }
  });

  it('leaves fusion as it is under the limit, and caps sibling groups at it', () => {
    const kernelCount = (maxBuffersPerKernel: number) => compile(eightReductions, { maxBuffersPerKernel }).kernels.length;
    expect(kernelCount(Infinity)).toBe(1);
    expect(kernelCount(16)).toBe(1);
    // 7 siblings (14 buffers) and one on its own.
    expect(kernelCount(15)).toBe(2);
  });

  it('gives a split value a kernel of its own: not a row kernel\'s stage, not ahead of an epilogue', () => {
    const g = ops.trace('split', { x: f32([3, 4]), b: f32([4, 4]), c: f32([3, 4]) }, ({ x, b, c }) => ({
      rows: ops.sub(x!, ops.max(x!, -1, true)),
      product: ops.add(ops.matmul(x!, b!), c!),
    }));
    const result = (op: string) => g.nodes.find((n) => n.op === op)!.outputs[0]!;
    const kernelKinds = (split: ReadonlySet<Value>) => fuse(g, { split }).kernels.map((k) => k.body.kind).sort();
    expect(kernelKinds(new Set())).toEqual(['contraction', 'reduce']);
    expect(kernelKinds(new Set([result('reduce_max'), result('matmul')]))).toEqual(['contraction', 'map', 'map', 'reduce']);
  });

  it('names the kernel and the limit when one op alone needs more buffers than allowed', () => {
    const select = parseGraph('graph g(%c: bool[3], %a: f32[3], %b: f32[3]) {\n  %0 = where(%c, %a, %b) : f32[3]\n  return y = %0\n}');
    expect(compile(select, { maxBuffersPerKernel: 4 }).kernels).toHaveLength(1);
    expect(() => compile(select, { maxBuffersPerKernel: 3 })).toThrow(/kernel k0_where needs 4 buffers, over the limit of 3, and no split lowers it.*limit of 4 or more/);
    const scatter = parseGraph('graph g(%x: f32[3], %i: i32[2], %u: f32[2]) {\n  %0 = scatter_add(%x, %i, %u) {axis=0} : f32[3]\n  return y = %0\n}');
    expect(() => compile(scatter, { maxBuffersPerKernel: 3 })).toThrow(/library kernel k0_scatter_add needs 4 buffers, over the limit of 3/);
    expect(() => compile(select, { maxBuffersPerKernel: 0 })).toThrow(/maxBuffersPerKernel must be at least 1, got 0/);
  });

  it('decomposes a claimed composite whose library kernel would bind more buffers than allowed', () => {
    // fp8_gather_gemm reads five operands and writes one result.
    const g = ops.trace('gathered', {
      a: { dtype: 'f8e4m3fn', shape: [3, 8] }, as: f32([3, 2]), b: { dtype: 'f8e4m3fn', shape: [2, 4, 8] }, bs: f32([2, 1, 2]), ids: { dtype: 'i32', shape: [3] },
    }, ({ a, as, b, bs, ids }) => ({ y: ops.fp8GatherGemm(a!, as!, b!, bs!, ids!, 4) }));
    const claimed = new Set(['fp8_gather_gemm']);
    const libraryOps = (limit: number) => compile(g, { claimed, maxBuffersPerKernel: limit }).kernels.flatMap((k) => (k.body.kind === 'library' ? [k.body.op] : []));
    expect(libraryOps(6)).toEqual(['fp8_gather_gemm']);
    expect(libraryOps(5)).toEqual(['gather_matmul']);
    const p = compile(g, { claimed, maxBuffersPerKernel: 5 });
    expect(mostBuffers(p)).toBeLessThanOrEqual(5);
    const inputs = integerInputs(g);
    expect(bitMismatch(new CpuProgramRunner(p, undefined).run(inputs).y!, evaluate(g, inputs).y!)).toBeUndefined();
  });
});

/** The outcome of `f`: its value, or the error it threw (index errors must be raised by both sides). */
function outcome<T>(f: () => T): { value: T } | { error: Error } {
  try {
    return { value: f() };
  } catch (e) {
    return { error: e as Error };
  }
}

/**
 * Compiles `graph` at `limit` and checks it on the compiled CPU program against the interpreter: every kernel fits,
 * and outputs agree bit for bit. Below the minimum the compiler may refuse, with the error that says so.
 */
function checkAtLimit(graph: Graph, inputs: Readonly<Record<string, TensorData>>, limit: number): void {
  const compiled = outcome(() => compile(graph, { maxBuffersPerKernel: limit }));
  if ('error' in compiled) {
    expect(limit, compiled.error.message).toBeLessThan(MIN_BUFFERS_PER_KERNEL);
    expect(compiled.error.message).toMatch(new RegExp(`over the limit of ${limit}.*limit of ${MIN_BUFFERS_PER_KERNEL}`));
    return;
  }
  const program = compiled.value;
  for (const k of program.kernels) expect(boundBuffers(k), `${k.name} at a limit of ${limit}`).toBeLessThanOrEqual(limit);
  const expected = outcome(() => evaluate(graph, inputs));
  const actual = outcome(() => new CpuProgramRunner(program, undefined).run(inputs));
  if ('error' in expected) {
    expect('error' in actual, `the interpreter failed (${expected.error.message}) but the program did not`).toBe(true);
    return;
  }
  if ('error' in actual) throw new Error(`the program failed at a limit of ${limit}: ${actual.error.message}\n${printProgram(program)}`);
  for (const [name, t] of Object.entries(expected.value)) {
    const m = bitMismatch(actual.value[name]!, t);
    if (m) throw new Error(`output ${name} at a limit of ${limit}: ${m}\n${printProgram(program)}`);
  }
}

const SMALL_LIMITS = [3, 4, 5, 6];

/**
 * Graphs that bind many buffers per kernel: up to eight f32[3,4] inputs combined by every kernel kind that splits
 * (elementwise chains, selections, row kernels, sibling reductions, matmul epilogues, reductions over wide concats,
 * dynamic updates), each step reading values picked among all so far.
 */
const WIDE_STEPS = ['binary', 'select', 'rows', 'sums', 'matmul', 'concat', 'update'] as const;
const BINARY = [ops.add, ops.sub, ops.mul, ops.maximum, ops.minimum];

const wideGraph: fc.Arbitrary<Graph> = fc
  .record({
    inputs: fc.integer({ min: 2, max: 8 }),
    steps: fc.array(fc.record({ kind: fc.constantFrom(...WIDE_STEPS), picks: fc.array(fc.nat(100), { minLength: 7, maxLength: 7 }) }), { minLength: 1, maxLength: 8 }),
    outputs: fc.array(fc.nat(100), { minLength: 1, maxLength: 3 }),
  })
  .map(({ inputs, steps, outputs }) => {
    const types = { ...Object.fromEntries(named(inputs).map((n) => [n, f32([3, 4])])), w: f32([4, 4]), start: { dtype: 'i32' as const, shape: [] } };
    return ops.trace('wide', types, (x) => {
      const pool = named(inputs).map((n) => x[n]!);
      const extra: ops.Tensor[] = [];
      for (const { kind, picks } of steps) {
        const at = (i: number) => pool[pool.length - 1 - (picks[i]! % pool.length)]!;
        const count = 2 + (picks[6]! % 5);
        const some = Array.from({ length: count }, (_, i) => at(i % 6));
        if (kind === 'binary') pool.push(BINARY[picks[4]! % BINARY.length]!(at(0), at(1)));
        if (kind === 'select') pool.push(ops.where(ops.greater(at(0), at(1)), at(2), at(3)));
        if (kind === 'rows') pool.push(ops.sub(ops.add(at(0), at(1)), ops.max(ops.mul(at(0), at(2)), -1, true)));
        if (kind === 'sums') extra.push(...some.map((v) => ops.sum(v, -1)));
        if (kind === 'matmul') pool.push(ops.where(ops.greater(at(1), at(2)), ops.matmul(at(0), x.w!), at(3)));
        if (kind === 'concat') pool.push(ops.sum(ops.reshape(ops.concat(some, 0), [count, 3, 4]), 0));
        if (kind === 'update') pool.push(ops.dynamicUpdateSlice(at(0), ops.slice(ops.add(at(1), at(2)), 0, 0, 2), x.start!, 0));
      }
      const picked = outputs.map((o) => pool[pool.length - 1 - (o % pool.length)]!);
      return Object.fromEntries([...picked, ...extra].map((v, i) => [`y${i}`, v]));
    });
  });

describe('random graphs fit small buffer limits', () => {
  it('wide graphs: every kernel fits a limit of 3 to 6 and the outputs match the interpreter', () => {
    fc.assert(
      fc.property(wideGraph.chain((graph) => randomInputs(graph).map((inputs) => ({ graph, inputs }))), ({ graph, inputs }) => {
        for (const limit of SMALL_LIMITS) checkAtLimit(graph, inputs, limit);
      }),
      { numRuns: 120 },
    );
  });

  it('the random-graph generator\'s graphs: the same at limits 3 to 6', () => {
    fc.assert(
      fc.property(randomGraphWithInputs({ maxOps: 10, maxInputs: 6 }), ({ graph, inputs }) => {
        for (const limit of SMALL_LIMITS) checkAtLimit(graph, inputs, limit);
      }),
      { numRuns: 150 },
    );
  });
});
