// Dead code does not run (spec/ops.md, *Indexing*): a node no graph output depends on is never evaluated, so an
// out-of-range index in it fails nothing, on every backend; the compiler's dce pass drops the node and the reference
// interpreter skips it, inside composite bodies too. The same index in live code fails the run everywhere.
// Reproducers from issue 18 (item 7): on every registered backend, a graph with dead indexing gives bit for bit what
// the graph without it gives, and returning the indexed value fails with the index check.

import { describe, expect, it } from 'vitest';
import { weightMap, parseGraph, tensorData, type TensorData } from '../../src/ir/index.js';
import { backendEntries } from '../../src/backends/registry.js';
import type { Backend } from '../../src/backends/backend.js';
import { useOptionalResource } from '../support/optional-resource.js';
import { backendUnderTest } from '../conformance/backends.js';

interface DeadIndexCase {
  readonly name: string;
  /** The op whose index check fails when its result is live. */
  readonly op: string;
  readonly inputs: Readonly<Record<string, TensorData>>;
  /** The graph without the indexing code. */
  readonly clean: string;
  /** The same graph with indexing code that no output depends on. */
  readonly dead: string;
  /** The same graph returning the indexed value as well, when the indexing can be made live. */
  readonly live?: string;
}

const x = tensorData('f32', [4, 2], new Float32Array([1.5, -2, 3, 8, -0.5, 0.25, 7, -4]));
const i32 = (shape: number[], values: number[]) => tensorData('i32', shape, Int32Array.from(values));
const f32 = (shape: number[], values: number[]) => tensorData('f32', shape, Float32Array.from(values));

/** y = neg(x), preceded by `lines` (indexing ending in `%i`); live, %i is returned as z. */
function besideNeg(params: string, lines: string): Pick<DeadIndexCase, 'clean' | 'dead' | 'live'> {
  const graph = (body: string, outputs: string) => `graph g(%x: f32[4,2]${params}) {\n${body}\n  %y = neg(%x) : f32[4,2]\n  return ${outputs}\n}`;
  return { clean: graph('', 'y = %y'), dead: graph(lines, 'y = %y'), live: graph(lines, 'y = %y, z = %i') };
}

/** silu(x) whose inner sigmoid body holds `lines` (reading its operand %x), which the result does not depend on. */
const siluWith = (lines: string) => `graph g(%x: f32[4,2]) {
  %0 = composite silu(%x) : f32[4,2] {
    ^(%x: f32[4,2])
    %1 = composite sigmoid(%x) : f32[4,2] {
      ^(%x: f32[4,2])
${lines}
      %2 = neg(%x) : f32[4,2]
      %3 = exp(%2) : f32[4,2]
      %4 = full() {dtype="f32", shape=[4,2], value=1} : f32[4,2]
      %5 = add(%3, %4) : f32[4,2]
      %6 = div(%4, %5) : f32[4,2]
      return %6
    }
    %7 = mul(%x, %1) : f32[4,2]
    return %7
  }
  return y = %0
}`;

const CASES: readonly DeadIndexCase[] = [
  {
    name: 'take with index 9 into an axis of 4',
    op: 'take',
    inputs: { x, ids: i32([3], [0, 9, 1]) },
    ...besideNeg(', %ids: i32[3]', '  %i = take(%x, %ids) {axis=0} : f32[3,2]'),
  },
  {
    name: 'gather with index -1',
    op: 'gather',
    inputs: { x, idx: i32([1, 2], [3, -1]) },
    ...besideNeg(', %idx: i32[1,2]', '  %i = gather(%x, %idx) {axis=0} : f32[1,2]'),
  },
  {
    name: 'scatter_add with index 4 into an axis of 4',
    op: 'scatter_add',
    inputs: { x, idx: i32([1, 2], [0, 4]), src: f32([1, 2], [1, 1]) },
    ...besideNeg(', %idx: i32[1,2], %src: f32[1,2]', '  %i = scatter_add(%x, %idx, %src) {axis=0} : f32[4,2]'),
  },
  {
    // dynamic_slice clamps its start (start 7 reads from 1), so only the take's index 9 is out of range.
    name: 'take of indices cut by dynamic_slice, then squared',
    op: 'take',
    inputs: { x, ids: i32([3], [0, 9, 1]), start: i32([], [7]) },
    ...besideNeg(
      ', %ids: i32[3], %start: i32[]',
      ['  %s = dynamic_slice(%ids, %start) {axis=0, size=2} : i32[2]', '  %t = take(%x, %s) {axis=0} : f32[2,2]', '  %i = mul(%t, %t) : f32[2,2]'].join('\n'),
    ),
  },
  {
    name: 'take inside a composite body nested in another (indices such as 8 and -4, cast from x)',
    op: 'take',
    inputs: { x },
    clean: siluWith(''),
    dead: siluWith(['      %8 = cast(%x) {dtype="i32"} : i32[4,2]', '      %9 = take(%x, %8) {axis=0} : f32[4,2,2]'].join('\n')),
  },
];

async function run(backend: Backend, graph: string, inputs: Readonly<Record<string, TensorData>>): Promise<Record<string, TensorData>> {
  const exe = await backend.compile(parseGraph(graph), weightMap({}));
  try {
    return (await exe.run(inputs)).outputs;
  } finally {
    exe.dispose();
  }
}

for (const entry of backendEntries()) {
  const target = backendUnderTest(entry);
  describe(`dead indexing code on ${target.name}`, () => {
    const backend = useOptionalResource(target.resource);
    for (const c of CASES) {
      it(`${c.name}: dead, it changes nothing`, async () => {
        const expected = (await run(backend(), c.clean, c.inputs)).y!;
        const y = (await run(backend(), c.dead, c.inputs)).y!;
        expect(y.shape).toEqual(expected.shape);
        expect([...y.data]).toEqual([...expected.data]);
      });
      const live = c.live;
      if (live !== undefined) {
        it(`${c.name}: live, the run fails with the index check`, async () => {
          await expect(run(backend(), live, c.inputs)).rejects.toThrow(new RegExp(`${c.op}[^]*out of range`));
        });
      }
    }
  });
}
