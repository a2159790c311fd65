// f32 arithmetic is IEEE arithmetic, one correct rounding per op in the order the graph gives (spec/ops.md): no
// backend may reassociate, distribute or cancel, however its shader compiler optimises. Reproducers from issue 18
// (item 5: Mesa's NIR, under WebGPU on lavapipe, rewrote a + b - a to b and x·s + x·c to x·(s + c)), and more
// patterns such an optimiser rewrites, each chosen so that the rewrite changes the result. Every backend that runs
// kernels must give the IEEE f32 result bit for bit; cases with ±inf or NaN operands only where its arithmetic
// follows IEEE on them (the registry's `ieeeSpecials`: WGSL lets shader compilers assume finite values).

import { describe, expect, it } from 'vitest';
import { parseGraph, tensorData, weightMap } from '../../src/ir/index.js';
import { useOptionalResource } from '../support/optional-resource.js';
import { BACKENDS_UNDER_TEST } from '../conformance/backends.js';

const f = Math.fround;

interface ReassociationCase {
  readonly name: string;
  /** Inputs f32[n] named as in `inputs`; returns y, f32[n] or bool[n]. */
  readonly graph: string;
  readonly inputs: Readonly<Record<string, readonly number[]>>;
  /** Element i of y in IEEE f32 arithmetic (each op rounded once, in the graph's order), from element i of the inputs. */
  readonly ieee: (v: Readonly<Record<string, number>>) => number;
  /** Whether an operand of some op is ±inf or NaN. */
  readonly specials?: true;
}

/** A graph over f32[n] inputs `names` whose `lines` (typed with T for f32[n] and B for bool[n]) end in %y. */
function graph(names: readonly string[], n: number, lines: readonly string[]): string {
  const params = names.map((name) => `%${name}: f32[${n}]`).join(', ');
  const body = lines.map((l) => `  ${l.replaceAll(': T', `: f32[${n}]`).replaceAll(': B', `: bool[${n}]`)}`).join('\n');
  return `graph g(${params}) {\n${body}\n  return y = %y\n}`;
}

const full = (name: string, value: number, n: number) => `%${name} = full() {dtype="f32", shape=[${n}], value=${value}} : T`;

const CASES: readonly ReassociationCase[] = [
  {
    // 1e8 + 1 rounds to 1e8 (its ulp is 8), and 1 + 2^-24 to 1 (a tie, to even): both differences are 0, not b.
    name: 'sub(add(a, b), a) with a = 1e8, b = 1',
    graph: graph(['a', 'b'], 2, ['%0 = add(%a, %b) : T', '%y = sub(%0, %a) : T']),
    inputs: { a: [1e8, 1], b: [1, 2 ** -24] },
    ieee: ({ a, b }) => f(f(a! + b!) - a!),
  },
  {
    // As in rope: 0·(−1) + 0·0 is −0 + 0 = +0, where 0·(−1 + 0) is −0; and 3·(1 + 2^-23) rounds before the −3.
    name: 'add(mul(x, s), mul(x, c)) with x = 0, s = -1, c = 0',
    graph: graph(['x', 's', 'c'], 2, ['%0 = mul(%x, %s) : T', '%1 = mul(%x, %c) : T', '%y = add(%0, %1) : T']),
    inputs: { x: [0, 3], s: [-1, 1 + 2 ** -23], c: [0, -1] },
    ieee: ({ x, s, c }) => f(f(x! * s!) + f(x! * c!)),
  },
  {
    name: 'sub(a, sub(a, b)) with a - b rounding back to a',
    graph: graph(['a', 'b'], 1, ['%0 = sub(%a, %b) : T', '%y = sub(%a, %0) : T']),
    inputs: { a: [1e8], b: [1] },
    ieee: ({ a, b }) => f(a! - f(a! - b!)),
  },
  {
    // x·1.5·1.25 rounds twice, x·1.875 once.
    name: 'mul(mul(x, 1.5), 1.25) with constants',
    graph: graph(['x'], 2, [full('c1', 1.5, 2), full('c2', 1.25, 2), '%0 = mul(%x, %c1) : T', '%y = mul(%0, %c2) : T']),
    inputs: { x: [f(1.7), f(2.9)] },
    ieee: ({ x }) => f(f(x! * 1.5) * 1.25),
  },
  {
    name: 'add(add(a, b), c) with a + b cancelling',
    graph: graph(['a', 'b', 'c'], 1, ['%0 = add(%a, %b) : T', '%y = add(%0, %c) : T']),
    inputs: { a: [1e8], b: [-1e8], c: [1] },
    ieee: ({ a, b, c }) => f(f(a! + b!) + c!),
  },
  {
    name: 'add(a, add(b, c)) with b + c cancelling',
    graph: graph(['a', 'b', 'c'], 1, ['%0 = add(%b, %c) : T', '%y = add(%a, %0) : T']),
    inputs: { a: [1], b: [1e8], c: [-1e8] },
    ieee: ({ a, b, c }) => f(a! + f(b! + c!)),
  },
  {
    // 1e8 − 1 rounds to 1e8, which is not below 1e8 (a compiler comparing b < 0 instead says it is).
    name: 'lt(add(a, b), a) with a + b rounding back to a',
    graph: graph(['a', 'b'], 1, ['%0 = add(%a, %b) : T', '%y = lt(%0, %a) : B']),
    inputs: { a: [1e8], b: [-1] },
    ieee: ({ a, b }) => Number(f(a! + b!) < a!),
  },
  {
    name: 'add(x, 0) with x = -0',
    graph: graph(['x'], 2, [full('zero', 0, 2), '%y = add(%x, %zero) : T']),
    inputs: { x: [-0, 2] },
    ieee: ({ x }) => f(x! + 0),
  },
  {
    // 0·(−5) is −0; selecting between x and 0 instead gives +0.
    name: 'mul(cast(a < b), x) with a false condition and a negative x',
    graph: graph(['a', 'b', 'x'], 2, ['%0 = lt(%a, %b) : B', '%1 = cast(%0) {dtype="f32"} : T', '%y = mul(%1, %x) : T']),
    inputs: { a: [1, 0], b: [0, 1], x: [-5, -5] },
    ieee: ({ a, b, x }) => f(Number(a! < b!) * x!),
  },
  {
    // a·b overflows to inf, and inf / b stays inf (3·0.1 / 0.1: rounded twice, not 3).
    name: 'div(mul(a, b), b) overflowing',
    graph: graph(['a', 'b'], 2, ['%0 = mul(%a, %b) : T', '%y = div(%0, %b) : T']),
    inputs: { a: [1e30, 3], b: [1e10, f(0.1)] },
    ieee: ({ a, b }) => f(f(a! * b!) / b!),
    specials: true,
  },
  {
    name: 'mul(a, 0) with a = ±inf',
    graph: graph(['a'], 3, [full('zero', 0, 3), '%y = mul(%a, %zero) : T']),
    inputs: { a: [Infinity, -Infinity, -2] },
    ieee: ({ a }) => f(a! * 0),
    specials: true,
  },
  {
    name: 'sub(a, a) with a = NaN or inf',
    graph: graph(['a'], 3, ['%y = sub(%a, %a) : T']),
    inputs: { a: [NaN, Infinity, 5] },
    ieee: ({ a }) => f(a! - a!),
    specials: true,
  },
];

/** An f32 as text that tells −0 from +0 (any NaN is NaN: payloads are not specified). */
const f32Text = (v: number): string => (Number.isNaN(v) ? 'NaN' : `${v} (0x${new Uint32Array(Float32Array.of(v).buffer)[0]!.toString(16)})`);

for (const target of BACKENDS_UNDER_TEST) {
  describe(`f32 arithmetic is not reassociated on ${target.name}`, () => {
    const backend = useOptionalResource(target.resource);
    for (const c of CASES.filter((c) => target.ieeeSpecials || !c.specials)) {
      it(c.name, async () => {
        const names = Object.keys(c.inputs);
        const n = c.inputs[names[0]!]!.length;
        const exe = await backend().compile(parseGraph(c.graph), weightMap({}));
        try {
          const inputs = Object.fromEntries(names.map((name) => [name, tensorData('f32', [n], Float32Array.from(c.inputs[name]!))]));
          const { y } = (await exe.run(inputs)).outputs;
          const expected = Array.from({ length: n }, (_, i) => c.ieee(Object.fromEntries(names.map((name) => [name, f(c.inputs[name]![i]!)]))));
          if (y!.dtype === 'bool') expect([...y!.data]).toEqual(expected);
          else expect([...y!.data].map(f32Text)).toEqual(expected.map(f32Text));
        } finally {
          exe.dispose();
        }
      });
    }
  });
}
