// Composites take their operands positionally; the model's composites have many (every weight of a layer), so
// model code passes them by name and these helpers put them in the order the composite declares.

import { compositeDef, IRError, type Attrs, type AttrSchema, type GraphBuilder, type Value } from '../../ir/index.js';
import { operandNames } from '../../ir/composite.js';
import type { Trace } from '../../ops/index.js';
import { compose, wrap, type Tensor } from '../../ops/tensor.js';
import { fp8Slots, type TensorSlot } from './layout.js';
import { scaleOperand } from './projection.js';
import type { GemmMode } from './settings.js';

export type Named = Readonly<Record<string, Tensor>>;

/** Adds composite `op` with operands given by name; every declared operand must be given, and nothing else. */
export function callComposite(op: string, operands: Named, attrs: Attrs): Tensor[] {
  const def = compositeDef(op);
  if (!def) throw new IRError(`unknown composite "${op}"`);
  const names = operandNames(def, attrs);
  const extra = Object.keys(operands).filter((k) => !names.includes(k));
  if (extra.length) throw new IRError(`${op}: unexpected operand(s) ${extra.join(', ')}; it takes ${names.join(', ')}`);
  const list = names.map((n) => {
    const t = operands[n];
    if (t === undefined) throw new IRError(`${op}: missing operand "${n}"`);
    return t;
  });
  return compose(list[0]!, op, list, attrs);
}

/** A composite body's inputs by operand name. */
export function namedInputs(b: GraphBuilder, inputs: readonly Value[], names: readonly string[]): Record<string, Tensor> {
  const tensors = wrap(b, inputs);
  return Object.fromEntries(names.map((n, i) => [n, tensors[i]!]));
}

/** The entries of `named` whose names start with `prefix`, with the prefix removed. */
export function withoutPrefix(named: Named, prefix: string): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(named).flatMap(([k, v]) => (k.startsWith(prefix) ? [[k.slice(prefix.length), v]] : [])));
}

/** `named` with every name prefixed. */
export function withPrefix<T>(named: Readonly<Record<string, T>>, prefix: string): Record<string, T> {
  return Object.fromEntries(Object.entries(named).map(([k, v]) => [prefix + k, v]));
}

/** The attributes of `attrs` that `schema` declares and `attrs` sets (a composite made of others passes each its own). */
export function pickAttrs<T>(attrs: Attrs, schema: AttrSchema): T {
  return Object.fromEntries(Object.keys(schema).flatMap((k) => (attrs[k] === undefined ? [] : [[k, attrs[k]]]))) as T;
}

/**
 * Declares the weights of `slots` in the trace's graph, under the same keys: f32, except Linear weights under FP8
 * GEMMs, which become their e4m3fn bytes under the key and their block scales under `<key>.scale_inv`.
 */
export function bindWeights(t: Trace, slots: Readonly<Record<string, TensorSlot>>, gemm: GemmMode): Record<string, Tensor> {
  return Object.fromEntries(
    Object.entries(slots).flatMap(([k, s]) => {
      if (gemm === 'dequant' || s.linear !== true) return [[k, t.weight(s.name, 'f32', s.shape)]];
      const { weight, scale } = fp8Slots(s);
      return [
        [k, t.weight(weight.name, 'f8e4m3fn', weight.shape)],
        [scaleOperand(k), t.weight(scale.name, 'f32', scale.shape)],
      ];
    }),
  );
}
