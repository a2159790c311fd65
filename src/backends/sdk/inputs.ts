// The one check of a run's inputs, shared by the driver's executables, the reference backend and the interpreter's
// `evaluate`: every graph input given once and nothing else, each with the declared dtype and shape, host data in
// well-formed storage (bool elements 0 or 1), and device tensors only of the backend that runs them.

import { formatType, inputName, sameType, tensorData, type Graph, type TensorData, type TensorType } from '../../ir/index.js';
import type { Program } from '../../compiler/kernel.js';
import { isDeviceTensor, type DeviceTensor, type RunInput } from '../backend.js';

/** A graph input a run must be given. */
export interface ExpectedInput {
  readonly name: string;
  readonly type: TensorType;
}

export const graphInputs = (graph: Graph): ExpectedInput[] => graph.inputs.map((v) => ({ name: inputName(v), type: v.type }));

/** The inputs of a compiled program: its input buffers, and its runtime parameters (rank-0 i32). */
export const programInputs = (p: Program): ExpectedInput[] => [
  ...Object.entries(p.inputs).map(([name, id]) => ({ name, type: { dtype: p.buffers[id]!.dtype, shape: p.inputShapes[name]! } })),
  ...p.params.map((name) => ({ name, type: { dtype: 'i32' as const, shape: [] } })),
];

/** Host data of input `what`, checked for its storage array and, for bool, its values. */
function checkHostData(t: TensorData, what: string): TensorData {
  const checked = tensorData(t.dtype, t.shape, t.data, what);
  if (t.dtype === 'bool') {
    const bad = t.data.findIndex((b) => b > 1);
    if (bad >= 0) throw new RangeError(`${what}: bool element ${bad} is ${t.data[bad]}; expected 0 or 1`);
  }
  return checked;
}

/**
 * The inputs of a run of graph `graph`, in the order of `expected`, checked before any is used (so a failing run
 * takes no donated tensor). `own` returns a device tensor as the running backend's own, or throws.
 */
export function checkInputs<T extends DeviceTensor>(
  graph: string,
  expected: readonly ExpectedInput[],
  inputs: Readonly<Record<string, RunInput>>,
  own: (what: string, t: DeviceTensor) => T,
): (TensorData | T)[] {
  const names = new Set(expected.map((e) => e.name));
  const unknown = Object.keys(inputs).filter((k) => !names.has(k));
  const quoted = (list: Iterable<string>) => [...list].map((k) => `"${k}"`).join(', ');
  if (unknown.length) throw new Error(`graph ${graph}: unknown input(s) ${quoted(unknown)}; the graph takes ${quoted(names) || 'no inputs'}`);
  return expected.map(({ name, type }) => {
    const what = `graph ${graph}: input "${name}"`;
    const given = inputs[name];
    if (given === undefined) throw new Error(`${what} is missing; expected ${formatType(type)}`);
    const t = isDeviceTensor(given) ? own(what, given) : given;
    const actual = isDeviceTensor(t) ? t.type : t;
    if (!sameType(actual, type)) throw new TypeError(`${what} is ${formatType(actual)}; expected ${formatType(type)}`);
    return isDeviceTensor(t) ? t : checkHostData(t, what);
  });
}

/** Checks that every output a run asks to keep is one of the graph's `outputs`. */
export function checkKeep(graph: string, keep: ReadonlySet<string>, outputs: readonly string[]): void {
  for (const k of keep) if (!outputs.includes(k)) throw new Error(`${graph}: cannot keep "${k}"; the outputs are ${outputs.join(', ')}`);
}
