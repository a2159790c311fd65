// The verifier: checks that a graph is well formed — every value defined once and before use, inside its own
// scope; every node's attributes and types agree with its op's definition; composite bodies match their nodes.

import { checkAttrs } from './attrs.js';
import { knownComposite } from './composite.js';
import { IRError, TypeRuleError } from './errors.js';
import { formatType, sameType, type Graph, type Node, type Value } from './graph.js';
import { PRIMITIVES } from './primitives.js';

function nodeProblems(n: Node, where: string): string[] {
  const problems: string[] = [];
  const types = n.inputs.map((v) => v.type);
  if (n.body) {
    const def = knownComposite(n.op);
    if (def) {
      const attrError = checkAttrs(def.attrs, n.attrs);
      if (attrError) problems.push(`${where}: ${attrError}`);
    }
    if (n.body.inputs.length !== n.inputs.length || n.body.inputs.some((p, i) => !sameType(p.type, types[i]!)))
      problems.push(`${where}: body inputs do not match the operands`);
    if (n.body.outputs.length !== n.outputs.length || n.body.outputs.some((o, i) => !sameType(o.value.type, n.outputs[i]!.type)))
      problems.push(`${where}: body outputs do not match the node's results`);
    problems.push(...graphProblems(n.body, `${where} body`));
    return problems;
  }
  const def = PRIMITIVES.get(n.op);
  if (!def) return [`${where}: unknown primitive op "${n.op}"`];
  if (n.outputs.length !== 1) problems.push(`${where}: a primitive has exactly one result, found ${n.outputs.length}`);
  const arityOk = def.operands === 'variadic' ? n.inputs.length > 0 : n.inputs.length === def.operands;
  if (!arityOk) return [...problems, `${where}: expected ${def.operands === 'variadic' ? 'at least one operand' : `${def.operands} operand(s)`}, found ${n.inputs.length}`];
  const attrError = checkAttrs(def.attrs, n.attrs);
  if (attrError) return [...problems, `${where}: ${attrError}`];
  try {
    const t = def.infer(types, n.attrs);
    if (n.outputs[0] && !sameType(t, n.outputs[0].type)) problems.push(`${where}: result type ${formatType(n.outputs[0].type)} but the type rule gives ${formatType(t)}`);
  } catch (e) {
    if (!(e instanceof TypeRuleError)) throw e;
    problems.push(`${where}: ${e.message}`);
  }
  return problems;
}

function graphProblems(g: Graph, where: string): string[] {
  const problems: string[] = [];
  const defined = new Set<Value>();
  const define = (v: Value, what: string) => {
    if (defined.has(v)) problems.push(`${where}: %${v.id} defined twice (${what})`);
    defined.add(v);
  };
  g.inputs.forEach((v) => {
    if (v.def.kind !== 'input') problems.push(`${where}: input %${v.id} is not marked as an input`);
    define(v, 'input');
  });
  g.nodes.forEach((n, i) => {
    const at = `${where} node ${i} (${n.op})`;
    n.inputs.forEach((v, j) => {
      if (!defined.has(v)) problems.push(`${at}: operand ${j} (%${v.id}) is not defined before use in this scope`);
    });
    problems.push(...nodeProblems(n, at));
    n.outputs.forEach((v, j) => {
      if (v.def.kind !== 'node' || v.def.node !== n || v.def.index !== j) problems.push(`${at}: result ${j} (%${v.id}) does not point back to its node`);
      define(v, at);
    });
  });
  g.outputs.forEach((o) => {
    if (!defined.has(o.value)) problems.push(`${where}: output "${o.name}" (%${o.value.id}) is not defined in this scope`);
  });
  return problems;
}

/** Lists what is wrong with `g` (empty when it is well formed). */
export const verifyProblems = (g: Graph): string[] => graphProblems(g, `graph ${g.name}`);

/** Throws an IRError listing every problem, or returns `g` unchanged. */
export function verify(g: Graph): Graph {
  const problems = verifyProblems(g);
  if (problems.length) throw new IRError(`invalid graph ${g.name}:\n  ${problems.join('\n  ')}`);
  return g;
}
