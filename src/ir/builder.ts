// GraphBuilder: the one way graphs are made. Every op added is checked (operand count, scope, attributes,
// shape and dtype rule) and errors name the op, its operands and what was expected.

import { checkAttrs, formatAttrValue, type AttrSchema, type AttrsOf } from './attrs.js';
import { knownComposite, type CompositeDef } from './composite.js';
import { isDType } from './dtype.js';
import { IRError, TypeRuleError } from './errors.js';
import { formatType, sameType, Value, type Attrs, type Graph, type GraphOutput, type Node, type TensorType } from './graph.js';
import { PRIMITIVES } from './primitives.js';
import { isValidShape } from './shape.js';

let nextScope = 0;
let nextValueId = 0;

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function describeCall(op: string, inputs: readonly Value[], attrs: Attrs): string {
  const operands = inputs.map((v) => `%${v.id}: ${formatType(v.type)}`).join(', ');
  const keys = Object.keys(attrs).sort();
  const attrText = keys.length ? ` {${keys.map((k) => `${k}=${formatAttrValue(attrs[k]!)}`).join(', ')}}` : '';
  return `${op}(${operands})${attrText}`;
}

export class GraphBuilder {
  readonly scope = nextScope++;
  private readonly inputs: Value[] = [];
  private readonly nodes: Node[] = [];
  /** Recorded as the `origin` of nodes added from now on (passes set it while inlining composite bodies). */
  origin: string | undefined;

  constructor(readonly name: string) {
    if (!NAME.test(name)) throw new IRError(`graph name ${JSON.stringify(name)} must match ${NAME}`);
  }

  /** Declares a graph input (a tensor supplied at run time; rank-0 i32 inputs are runtime scalars). */
  input(name: string, type: TensorType): Value {
    if (!NAME.test(name)) throw new IRError(`graph ${this.name}: input name ${JSON.stringify(name)} must match ${NAME}`);
    if (this.inputs.some((v) => v.def.kind === 'input' && v.def.name === name)) throw new IRError(`graph ${this.name}: duplicate input "${name}"`);
    if (!isDType(type.dtype)) throw new IRError(`graph ${this.name}: input "${name}" has unknown dtype ${JSON.stringify(type.dtype)}`);
    if (!isValidShape(type.shape)) throw new IRError(`graph ${this.name}: input "${name}" has invalid shape ${JSON.stringify(type.shape)}`);
    const v = this.newValue({ dtype: type.dtype, shape: [...type.shape] });
    v.def = { kind: 'input', name };
    this.inputs.push(v);
    return v;
  }

  /** Adds a primitive op and returns its result. */
  op(op: string, inputs: readonly Value[], attrs: Attrs = {}): Value {
    const def = PRIMITIVES.get(op);
    if (!def) {
      const hint = knownComposite(op) ? `; "${op}" is a composite, add it with composite()` : '';
      throw new IRError(`unknown primitive op "${op}"${hint}`);
    }
    const call = () => describeCall(op, inputs, attrs);
    this.checkOperands(op, inputs);
    if (def.operands === 'variadic' ? inputs.length === 0 : inputs.length !== def.operands)
      throw new IRError(`${call()}: expected ${def.operands === 'variadic' ? 'at least one operand' : `${def.operands} operand(s)`}, got ${inputs.length}`);
    const attrError = checkAttrs(def.attrs, attrs);
    if (attrError) throw new IRError(`${call()}: ${attrError}`);
    let type: TensorType;
    try {
      type = def.infer(inputs.map((v) => v.type), attrs);
    } catch (e) {
      if (e instanceof TypeRuleError) throw new IRError(`${call()}: ${e.message}`);
      throw e;
    }
    return this.addNode(op, inputs, attrs, [type])[0]!;
  }

  /** Adds composite `def`: builds its decomposition as the node's body and returns its results. */
  composite<S extends AttrSchema>(def: CompositeDef<S>, inputs: readonly Value[], attrs: AttrsOf<S>): Value[] {
    const op = def.name;
    this.checkOperands(op, inputs);
    const attrError = checkAttrs(def.attrs, attrs);
    if (attrError) throw new IRError(`${describeCall(op, inputs, attrs)}: ${attrError}`);
    const names = def.operands(attrs);
    if (inputs.length !== names.length)
      throw new IRError(`${describeCall(op, inputs, attrs)}: expected ${names.length} operand(s) (${names.join(', ')}), got ${inputs.length}`);
    const body = new GraphBuilder(op);
    const params = inputs.map((v, i) => body.input(names[i]!, v.type));
    const values = def.decompose(body, params, attrs);
    const results = def.results(attrs);
    if (values.length !== results.length)
      throw new IRError(`composite ${op}: its decomposition gives ${values.length} value(s) for its ${results.length} result(s) (${results.join(', ')})`);
    return this.region(op, inputs, attrs, body.build(values.map((value, i) => ({ name: results[i]!, value }))));
  }

  /** Adds a composite node with a given body (used by the parser and by passes that rewrite bodies). */
  region(op: string, inputs: readonly Value[], attrs: Attrs, body: Graph): Value[] {
    if (PRIMITIVES.has(op)) throw new IRError(`"${op}" is a primitive op, not a composite region`);
    if (!NAME.test(op)) throw new IRError(`composite name ${JSON.stringify(op)} must match ${NAME}`);
    const badKey = Object.keys(attrs).find((k) => !NAME.test(k));
    if (badKey !== undefined) throw new IRError(`composite ${op}: attribute name ${JSON.stringify(badKey)} must match ${NAME}`);
    const def = knownComposite(op);
    const attrError = def && checkAttrs(def.attrs, attrs);
    if (attrError) throw new IRError(`${describeCall(op, inputs, attrs)}: ${attrError}`);
    this.checkOperands(op, inputs);
    if (body.inputs.length !== inputs.length || body.inputs.some((p, i) => !sameType(p.type, inputs[i]!.type)))
      throw new IRError(`${describeCall(op, inputs, attrs)}: body inputs (${body.inputs.map((p) => formatType(p.type)).join(', ')}) do not match the operands`);
    if (body.outputs.length === 0) throw new IRError(`composite ${op}: body has no outputs`);
    return this.addNode(op, inputs, attrs, body.outputs.map((o) => o.value.type), body);
  }

  /** Finishes the graph. Outputs are named; an array gets the names out0, out1, ... */
  build(outputs: readonly Value[] | Readonly<Record<string, Value>> | readonly GraphOutput[]): Graph {
    const list: GraphOutput[] = Array.isArray(outputs)
      ? outputs.map((o: Value | GraphOutput, i) => (o instanceof Value ? { name: `out${i}`, value: o } : o))
      : Object.entries(outputs as Record<string, Value>).map(([name, value]) => ({ name, value }));
    for (const { name, value } of list) {
      if (!NAME.test(name)) throw new IRError(`graph ${this.name}: output name ${JSON.stringify(name)} must match ${NAME}`);
      this.checkOperands(`output ${name}`, [value]);
    }
    const names = new Set(list.map((o) => o.name));
    if (names.size !== list.length) throw new IRError(`graph ${this.name}: duplicate output names`);
    return { name: this.name, inputs: [...this.inputs], nodes: [...this.nodes], outputs: list };
  }

  private checkOperands(op: string, inputs: readonly Value[]): void {
    inputs.forEach((v, i) => {
      if (!(v instanceof Value)) throw new IRError(`${op}: operand ${i} is not a graph value`);
      if (v.scope !== this.scope)
        throw new IRError(`${op}: operand ${i} (%${v.id}: ${formatType(v.type)}) belongs to another graph; composite bodies are closed, pass values in as operands`);
    });
  }

  private newValue(type: TensorType): Value {
    return new Value(nextValueId++, type, this.scope);
  }

  private addNode(op: string, inputs: readonly Value[], attrs: Attrs, types: readonly TensorType[], body?: Graph): Value[] {
    const outputs = types.map((t) => this.newValue({ dtype: t.dtype, shape: [...t.shape] }));
    const node: Node = {
      op,
      inputs: [...inputs],
      attrs: Object.freeze({ ...attrs }),
      outputs,
      ...(body ? { body } : {}),
      ...(this.origin ? { origin: this.origin } : {}),
    };
    outputs.forEach((v, index) => (v.def = { kind: 'node', node, index }));
    this.nodes.push(node);
    return outputs;
  }
}

