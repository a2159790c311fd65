// The verifier accepts every graph the builder makes and rejects hand-corrupted ones, naming the node.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { GraphBuilder, IRError, Value, verify, verifyProblems, type Graph, type Node, type TensorType } from '../../src/ir/index.js';
import { silu, Tensor } from '../../src/ops/index.js';
import { randomGraph } from '../support/random-graph.js';

const f32 = (...shape: number[]): TensorType => ({ dtype: 'f32', shape });

/** x -> exp -> neg, with the nodes and values exposed for corrupting. */
function chain() {
  const b = new GraphBuilder('g');
  const x = b.input('x', f32(2));
  const e = b.op('exp', [x]);
  const n = b.op('neg', [e]);
  return { b, x, e, n, graph: b.build({ y: n }) };
}

/** A node whose result is a fresh value of `type`, pointing back at it. */
function nodeWithResult(op: string, inputs: Value[], type: TensorType, scope: number, extra: Partial<Node> = {}): Node {
  const out = new Value(1_000_000, type, scope);
  const node: Node = { op, inputs, attrs: {}, outputs: [out], ...extra };
  out.def = { kind: 'node', node, index: 0 };
  return node;
}

function problems(g: Graph): string[] {
  const list = verifyProblems(g);
  expect(() => verify(g)).toThrow(IRError);
  expect(() => verify(g)).toThrow(`invalid graph ${g.name}:\n  ${list.join('\n  ')}`);
  return list;
}

test('accepts every random graph', () => {
  fc.assert(
    fc.property(randomGraph({ maxOps: 12 }), (g) => {
      expect(verifyProblems(g)).toEqual([]);
      expect(verify(g)).toBe(g);
    }),
  );
});

describe('rejects corrupted graphs, naming the node', () => {
  test('use before definition', () => {
    const { graph, e } = chain();
    const swapped = { ...graph, nodes: [graph.nodes[1]!, graph.nodes[0]!] };
    expect(problems(swapped)).toEqual([`graph g node 0 (neg): operand 0 (%${e.id}) is not defined before use in this scope`]);
  });

  test('a result type the type rule does not give', () => {
    const { b, x, graph } = chain();
    const bad = nodeWithResult('exp', [x], f32(3), b.scope);
    expect(problems({ ...graph, nodes: [bad, ...graph.nodes] })).toEqual(['graph g node 0 (exp): result type f32[3] but the type rule gives f32[2]']);
  });

  test('a type rule that fails, an unknown op, bad attributes, two results', () => {
    const { b, x, graph } = chain();
    const nodes = [
      nodeWithResult('mod', [x, x], f32(2), b.scope),
      nodeWithResult('frobnicate', [x], f32(2), b.scope),
      nodeWithResult('cumsum', [x], f32(2), b.scope, { attrs: { axis: 0, bogus: true } }),
    ];
    const two = nodeWithResult('exp', [x], f32(2), b.scope);
    const extra = new Value(1_000_001, f32(2), b.scope);
    extra.def = { kind: 'node', node: two, index: 1 };
    nodes.push({ ...two, outputs: [...two.outputs, extra] });
    expect(problems({ ...graph, nodes })).toEqual([
      'graph g node 0 (mod): dtype f32 not supported; expected i32',
      'graph g node 1 (frobnicate): unknown primitive op "frobnicate"',
      'graph g node 2 (cumsum): unknown attribute "bogus"; expected "axis"',
      'graph g node 3 (exp): a primitive has exactly one result, found 2',
      `graph g node 3 (exp): result 0 (%${two.outputs[0]!.id}) does not point back to its node`,
      `graph g node 3 (exp): result 1 (%${extra.id}) does not point back to its node`,
      `graph g: output "y" (%${graph.outputs[0]!.value.id}) is not defined in this scope`,
    ]);
  });

  test('a value defined twice', () => {
    const { graph } = chain();
    expect(problems({ ...graph, nodes: [...graph.nodes, graph.nodes[1]!] })).toEqual([
      `graph g: %${graph.nodes[1]!.outputs[0]!.id} defined twice (graph g node 2 (neg))`,
    ]);
  });

  test('a value from another graph', () => {
    const { graph } = chain();
    const other = chain();
    const stray = nodeWithResult('exp', [other.x], f32(2), graph.inputs[0]!.scope);
    expect(problems({ ...graph, nodes: [...graph.nodes, stray] })).toEqual([
      `graph g node 2 (exp): operand 0 (%${other.x.id}) is not defined before use in this scope`,
    ]);
  });

  test('an output that is not defined in the graph', () => {
    const { graph } = chain();
    const other = chain();
    expect(problems({ ...graph, outputs: [{ name: 'z', value: other.n }] })).toEqual([`graph g: output "z" (%${other.n.id}) is not defined in this scope`]);
  });

  describe('composite bodies', () => {
    function withSilu() {
      const b = new GraphBuilder('g');
      const x = new Tensor(b, b.input('x', f32(2)));
      const y = silu(x);
      return { graph: b.build({ y: y.value }), node: y.value.node! };
    }
    const replaceNode = (g: Graph, node: Node) => ({ ...g, nodes: g.nodes.map((n) => (n.body ? node : n)) });

    test('body inputs or outputs that do not match the node', () => {
      const { graph, node } = withSilu();
      const body = new GraphBuilder('silu');
      const p = body.input('x', f32(3));
      const mismatched = { ...node, body: body.build([body.op('exp', [p])]) };
      mismatched.outputs.forEach((v) => (v.def = { kind: 'node', node: mismatched, index: 0 }));
      expect(problems(replaceNode(graph, mismatched))).toEqual([
        'graph g node 0 (silu): body inputs do not match the operands',
        "graph g node 0 (silu): body outputs do not match the node's results",
      ]);
    });

    test('a body that uses a value of the enclosing graph', () => {
      const { graph, node } = withSilu();
      const inner = node.body!;
      const outer = graph.inputs[0]!;
      const leaking = nodeWithResult('neg', [outer], f32(2), inner.inputs[0]!.scope);
      const body = { ...inner, nodes: [...inner.nodes, leaking] };
      const corrupted = { ...node, body };
      corrupted.outputs.forEach((v) => (v.def = { kind: 'node', node: corrupted, index: 0 }));
      expect(problems(replaceNode(graph, corrupted))).toEqual([
        `graph g node 0 (silu) body node ${inner.nodes.length} (neg): operand 0 (%${outer.id}) is not defined before use in this scope`,
      ]);
    });

    test('bad attributes of a registered composite', () => {
      const { graph, node } = withSilu();
      const corrupted = { ...node, attrs: { axis: 1 } };
      corrupted.outputs.forEach((v) => (v.def = { kind: 'node', node: corrupted, index: 0 }));
      expect(problems(replaceNode(graph, corrupted))).toEqual(['graph g node 0 (silu): unknown attribute "axis"; expected no attributes']);
    });
  });
});
