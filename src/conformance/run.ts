// Running a conformance case: a backend computes the case's linked graph (links.ts) through the ordinary Backend
// interface, and every output is compared with what the oracle's kernels compute from the backend's own values
// before it, within the bounds of the tolerance table (bounds.ts). Nothing here knows which backend it runs.

import { weightMap, type TensorData } from '../ir/index.js';
import type { Backend } from '../backends/backend.js';
import { boundOutputs } from './bounds.js';
import type { ConformanceCase } from './case.js';
import { compareOutput, type OutputVerdict } from './compare.js';
import { linkedGraph } from './links.js';

export interface CaseVerdict {
  readonly name: string;
  readonly backend: string;
  readonly outputs: readonly OutputVerdict[];
  /** Set when the backend failed to compile or run the case. */
  readonly error?: string;
}

const linked = new WeakMap<ConformanceCase, ConformanceCase>();

/** The case with its graph linked: what every backend runs. */
export function linkedCase(c: ConformanceCase): ConformanceCase {
  let l = linked.get(c);
  if (!l) linked.set(c, (l = { ...c, graph: linkedGraph(c.graph) }));
  return l;
}

/** `backend.compile(graph, weights).run(inputs)`, the executable disposed after. */
export async function runCase(backend: Backend, c: ConformanceCase): Promise<Record<string, TensorData>> {
  const exe = await backend.compile(c.graph, weightMap(c.weights));
  try {
    return (await exe.run(c.inputs)).outputs;
  } finally {
    exe.dispose();
  }
}

/** Compares a backend's outputs of the linked case with the oracle's, link by link. */
export function judge(c: ConformanceCase, backend: string, outputs: Readonly<Record<string, TensorData>>): CaseVerdict {
  const l = linkedCase(c);
  const expected = boundOutputs(l.graph, l.inputs, weightMap(l.weights), outputs);
  const verdicts = Object.entries(expected).map(([name, want]) => {
    const got = outputs[name];
    if (!got) return { name, elements: want.bound.length, undetermined: 0, mismatches: want.bound.length, examples: ['missing'], worstRatio: Infinity };
    return compareOutput(name, got, want, { nanBits: c.nanBits ?? false });
  });
  return { name: c.name, backend, outputs: verdicts };
}

export async function checkCase(backend: Backend, c: ConformanceCase): Promise<CaseVerdict> {
  let outputs: Record<string, TensorData>;
  try {
    outputs = await runCase(backend, linkedCase(c));
  } catch (e) {
    return { name: c.name, backend: backend.name, outputs: [], error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  return judge(c, backend.name, outputs);
}

/**
 * The bound evaluator recomputes the oracle's values with the oracle's kernels; run on its own outputs it must find
 * them exact, or its bounds describe something else. Returns the disagreements. NaN codes are compared unless
 * `nanBits` is false: the sign of a NaN that arithmetic makes depends on the code V8 runs it with (x86's default NaN
 * is negative, a folded one positive), so two runs of the oracle may differ there.
 */
export async function oracleDisagreements(c: ConformanceCase, oracle: Backend, nanBits = true): Promise<string[]> {
  const l = linkedCase(c);
  const outputs = await runCase(oracle, l);
  const verdict = judge(c, oracle.name, outputs);
  const exact = boundOutputs(l.graph, l.inputs, weightMap(l.weights));
  return Object.entries(exact).flatMap(([name, want]) => {
    const v = compareOutput(name, outputs[name]!, { value: want.value, bound: new Float32Array(want.bound.length) }, { nanBits });
    return v.mismatches ? [`${name}: ${v.examples.join('; ')}`] : [];
  }).concat(passed(verdict) ? [] : [describeVerdict(verdict)]);
}

export const passed = (v: CaseVerdict): boolean => v.error === undefined && v.outputs.every((o) => o.mismatches === 0);

/** A readable account of a verdict: each output's mismatches, or the error. */
export function describeVerdict(v: CaseVerdict): string {
  if (v.error !== undefined) return `${v.name} on ${v.backend}: failed to run: ${v.error}`;
  const lines = v.outputs.map((o) => {
    const head = `  ${o.name}: ${o.mismatches}/${o.elements} mismatched${o.undetermined ? `, ${o.undetermined} undetermined` : ''}`;
    return o.mismatches ? [head, ...o.examples.map((e) => `    ${e}`)].join('\n') : head;
  });
  return [`${v.name} on ${v.backend}:`, ...lines].join('\n');
}
