// The compiled CPU path computes exactly what the op-by-op oracle computes: same operation order, same
// scalar semantics, so every output agrees bit for bit (NaNs as NaNs), and index errors are raised by both.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.js';
import { topoOrder } from '../../src/compiler/expr.js';
import type { Kernel, Store } from '../../src/compiler/kernel.js';
import { printProgram } from '../../src/compiler/print-kernel.js';
import { CpuProgramRunner } from '../../src/backends/cpu/program.js';
import { evaluate } from '../../src/backends/reference/index.js';
import { randomGraphWithInputs } from '../support/random-graph.js';
import { bitMismatch } from '../support/compare.js';

/** How many distinct input slots a kernel reads. */
function readSlots(k: Kernel): number {
  const b = k.body;
  if (b.kind === 'library') return new Set(b.operands.flatMap((o) => (o.kind === 'buffer' ? [o.slot] : []))).size;
  const stores = (ss: readonly Store[]) => ss.flatMap((s) => [s.index, s.value]);
  const roots = b.kind === 'map' ? stores(b.stores) : b.kind === 'reduce' ? [...b.accumulators.map((a) => a.value), ...stores(b.stores), ...stores(b.rowStores)] : [b.a, b.b, ...stores(b.stores)];
  return new Set(topoOrder(roots).flatMap((e) => (e.kind === 'load' ? [e.input] : []))).size;
}

function outcome<T>(f: () => T): { value: T } | { error: Error } {
  try {
    return { value: f() };
  } catch (e) {
    return { error: e as Error };
  }
}

describe('compiled CPU kernels vs the op-by-op oracle', () => {
  const agree = (maxBuffersPerKernel: number) => () => {
    fc.assert(
      fc.property(randomGraphWithInputs({ maxOps: 10 }), ({ graph, inputs }) => {
        const program = compile(graph, { maxBuffersPerKernel });
        for (const k of program.kernels) expect(readSlots(k), `${k.name} binds only inputs it reads`).toBe(k.inputs.length);
        const expected = outcome(() => evaluate(graph, inputs));
        const actual = outcome(() => new CpuProgramRunner(program, undefined).run(inputs));
        if ('error' in expected) {
          expect('error' in actual, `the oracle failed (${expected.error.message}) but the compiled program did not`).toBe(true);
          return;
        }
        if ('error' in actual) throw new Error(`compiled program failed: ${actual.error.message}\n${printProgram(program)}`);
        for (const [name, t] of Object.entries(expected.value)) {
          const m = bitMismatch(actual.value[name]!, t);
          if (m) throw new Error(`output ${name}: ${m}\n${printProgram(program)}`);
        }
      }),
      { numRuns: 300 },
    );
  };
  it('agree bit for bit on random graphs', agree(Infinity));
  it('agree when kernels are split to bind at most 4 buffers', agree(4));
});
