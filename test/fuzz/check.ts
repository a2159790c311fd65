// Checking one fuzz case on one backend. A backend that runs kernels is judged against the oracle by the conformance
// judge (src/conformance/run.ts: the case linked at its composites, every output within the bounds the tolerance
// table derives, bit for bit where the table says exact), as strictly as the case's profile asks. The oracle
// (cpu-reference) has nothing above it; it is checked for what must hold of it alone:
//   - the graph's text form parses back to a graph that prints the same, and computes the same outputs bit for bit
//     (so a reproducer saved as text replays what was run);
//   - every output has the dtype and shape the graph declares;
//   - the bound evaluator, which recomputes the oracle's values with the oracle's kernels, finds them exact
//     (oracleDisagreements), so the bounds other backends are judged by describe what the oracle computes.
// NaN codes count where the case defines them (nanBits: moves, casts, constants): the sign of a NaN that arithmetic
// makes varies with the code V8 runs the oracle with, from one run to the next.
// On every backend, an input the run was not allowed to overwrite (not donated) must come back unchanged.

import { formatType, numel, parseGraph, printGraph, sameType, weightMap, type Graph, type TensorData } from '../../src/ir/index.js';
import type { Backend } from '../../src/backends/backend.js';
import { describeVerdict, judge, linkedCase, oracleDisagreements, passed } from '../../src/conformance/run.js';
import { bitMismatch, codeMismatch } from '../support/compare.js';
import type { FuzzCase, Profile } from './profiles.js';

export interface Outcome {
  /** Why the case failed; undefined when it passed. */
  readonly failure?: string;
  /** Output elements compared. */
  readonly compared: number;
  /** Output elements the bounds left undetermined (not compared). */
  readonly undetermined: number;
}

const message = (e: unknown) => (e instanceof Error ? (e.stack ?? e.message) : String(e));

const copies = (inputs: Readonly<Record<string, TensorData>>): Record<string, TensorData> =>
  Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, { ...t, data: t.data.slice() }]));

/** Compiles `graph` with the case's donations and runs it on copies of the inputs; throws when it overwrote one it was not given. */
async function run(backend: Backend, graph: Graph, c: FuzzCase): Promise<Record<string, TensorData>> {
  const exe = await backend.compile(graph, weightMap(c.weights), { donate: c.donate });
  try {
    const given = copies(c.inputs);
    const { outputs } = await exe.run(given, { donate: c.donate });
    const overwritten = Object.keys(given).filter((name) => !c.donate.includes(name) && codeMismatch(given[name]!, c.inputs[name]!));
    if (overwritten.length) throw new Error(`the run overwrote input(s) ${overwritten.join(', ')}, which were not donated`);
    return outputs;
  } finally {
    exe.dispose();
  }
}

/** `c` on a backend that runs kernels, judged against the oracle. */
export async function checkKernels(backend: Backend, c: FuzzCase, profile: Profile): Promise<Outcome> {
  let outputs: Record<string, TensorData>;
  try {
    outputs = await run(backend, linkedCase(c).graph, c);
  } catch (e) {
    return { failure: `failed to run: ${message(e)}`, compared: 0, undetermined: 0 };
  }
  let verdict;
  try {
    verdict = judge(c, backend.name, outputs);
  } catch (e) {
    return { failure: `the oracle failed on a graph ${backend.name} ran: ${message(e)}`, compared: 0, undetermined: 0 };
  }
  const undetermined = verdict.outputs.reduce((s, o) => s + o.undetermined, 0);
  const compared = verdict.outputs.reduce((s, o) => s + o.elements, 0) - undetermined;
  const worst = Math.max(0, ...verdict.outputs.map((o) => o.worstRatio));
  if (!passed(verdict)) return { failure: describeVerdict(verdict), compared, undetermined };
  if (profile.exact && (undetermined > 0 || worst > 0)) {
    return { failure: `expected bit for bit: ${undetermined} element(s) undetermined, worst error ${worst} of its bound\n${describeVerdict(verdict)}`, compared, undetermined };
  }
  return { compared, undetermined };
}

/** `c` on the oracle: the text form round trip, the declared output types, and the bound evaluator's agreement. */
export async function checkOracle(oracle: Backend, c: FuzzCase): Promise<Outcome> {
  const fail = (failure: string): Outcome => ({ failure, compared: 0, undetermined: 0 });
  const text = printGraph(c.graph);
  let reparsed: Graph;
  try {
    reparsed = parseGraph(text);
  } catch (e) {
    return fail(`the printed graph does not parse: ${message(e)}`);
  }
  if (printGraph(reparsed) !== text) return fail(`the parsed graph prints differently:\n${printGraph(reparsed)}`);
  let outputs: Record<string, TensorData>;
  let again: Record<string, TensorData>;
  try {
    [outputs, again] = [await run(oracle, c.graph, c), await run(oracle, reparsed, c)];
  } catch (e) {
    return fail(`failed to run: ${message(e)}`);
  }
  let compared = 0;
  for (const { name, value } of c.graph.outputs) {
    const t = outputs[name];
    if (!t || !sameType(t, value.type)) return fail(`output ${name} is ${t ? formatType(t) : 'missing'}, declared ${formatType(value.type)}`);
    const other = again[name];
    const differs = other ? (c.nanBits ? codeMismatch : bitMismatch)(other, t) : 'missing';
    if (differs) return fail(`output ${name} of the parsed graph differs: ${differs}`);
    compared += numel(t.shape);
  }
  try {
    const disagreements = await oracleDisagreements(c, oracle, c.nanBits);
    if (disagreements.length) return fail(`the bound evaluator disagrees with the oracle:\n${disagreements.join('\n')}`);
  } catch (e) {
    return fail(`the bound evaluator failed: ${message(e)}`);
  }
  return { compared, undetermined: 0 };
}
