// The model's composites take many operands (every weight of a layer), so they are passed by name: these helpers
// put named tensors in the order a composite declares, and give a body its inputs by name.

import { fitsSchema, IRError, type Attrs, type AttrSchema, type AttrsOf, type CompositeDef } from '../ir/index.js';
import { compose, type Tensor } from '../ops/tensor.js';

export type Named = Readonly<Record<string, Tensor>>;

/** Adds composite `def` with operands given by name; every declared operand must be given, and nothing else. */
export function callComposite<S extends AttrSchema>(def: CompositeDef<S>, operands: Named, attrs: AttrsOf<S>): Tensor[] {
  const names = def.operands(attrs);
  const extra = Object.keys(operands).filter((k) => !names.includes(k));
  if (extra.length) throw new IRError(`${def.name}: unexpected operand(s) ${extra.join(', ')}; it takes ${names.join(', ')}`);
  const list = names.map((n) => {
    const t = operands[n];
    if (t === undefined) throw new IRError(`${def.name}: missing operand "${n}"`);
    return t;
  });
  return compose(list[0]!, def, list, attrs);
}

/** A composite body's inputs by operand name. */
export const namedInputs = (inputs: readonly Tensor[], names: readonly string[]): Record<string, Tensor> => Object.fromEntries(names.map((n, i) => [n, inputs[i]!]));

/** The entries of `named` whose names start with `prefix`, with the prefix removed. */
export function withoutPrefix(named: Named, prefix: string): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(named).flatMap(([k, v]) => (k.startsWith(prefix) ? [[k.slice(prefix.length), v]] : [])));
}

/** `named` with every name prefixed. */
export function withPrefix<T>(named: Readonly<Record<string, T>>, prefix: string): Record<string, T> {
  return Object.fromEntries(Object.entries(named).map(([k, v]) => [prefix + k, v]));
}

/** The attributes of `attrs` that `schema` declares and `attrs` sets (a composite made of others passes each its own). */
export function pickAttrs<S extends AttrSchema>(attrs: Attrs, schema: S): AttrsOf<S> {
  const picked: Attrs = Object.fromEntries(Object.keys(schema).flatMap((k) => (attrs[k] === undefined ? [] : [[k, attrs[k]]])));
  if (!fitsSchema(schema, picked)) throw new IRError(`pickAttrs: ${JSON.stringify(picked)} do not fit the schema ${Object.keys(schema).join(', ')}`);
  return picked;
}
