// Where a run first went non-finite. Checking a step's outputs is cheap, so every run does it (non-finite.ts); only
// when they are not finite is the run replayed here, on the reference interpreter, with every value checked as it is
// computed. The steps before the failing one replay unchecked (they rebuild its KV caches); in the failing one the
// first node whose result holds a NaN, or ±inf while none of its operands does, stops the replay and is named: a
// weight by its tensor name, an op by its layer (the layer whose weights its top-level node reads) and the
// composites it sits in. Constants (full, literal, iota) are never blamed: attention and routing masks are -inf on
// purpose; a constant a config makes infinite (routed_scaling_factor 1e308 overflows f32) is blamed on the composite
// that holds it, whose operands are finite. A replay that stays finite points at the backend that ran the step.

import { referenceBackend, toTensorData, type CpuTensor, type NodeObserver } from '../../backends/reference/index.js';
import type { Node } from '../../ir/index.js';
import type { LoadedModel } from './loaded-model.js';
import { nanElement, nonFiniteElement } from './non-finite.js';
import { Session } from './session.js';

/** Nodes that make constants, whose infinities are meant. */
const CONSTANTS = new Set(['full', 'literal', 'iota']);
/** A decoder layer's weights are named model.layers.<i>.* (layout.ts); the MTP module's continue the numbering. */
const LAYER_WEIGHT = /^model\.layers\.(\d+)\./;

/** The replay's verdict, thrown by the observer to stop the run at the first non-finite value. */
class FirstNonFinite extends Error {
  constructor(readonly verdict: string) {
    super(verdict);
  }
}

const finiteTensor = (t: CpuTensor): boolean => nonFiniteElement(toTensorData(t)) === undefined;

const weightName = (node: Node | undefined): string | undefined => (node?.op === 'weight' ? (node.attrs.name as string) : undefined);

/** "layer 2" from the weights a top-level node reads, or what it reads when that is no layer's. */
function place(top: Node): string {
  const weights = top.inputs.flatMap((v) => weightName(v.node) ?? []);
  const layer = weights.map((w) => LAYER_WEIGHT.exec(w)?.[1]).find((i) => i !== undefined);
  if (layer !== undefined) return `layer ${layer}`;
  return weights.length > 0 ? `outside the decoder layers (reading ${weights.join(', ')})` : 'outside the decoder layers';
}

function verdict(node: Node, bad: string, operands: readonly CpuTensor[], enclosing: readonly Node[], rotary: ReadonlySet<string>): string {
  const weight = weightName(node);
  if (weight !== undefined) return `weight "${weight}"${rotary.has(weight) ? ' (the rotary table, computed from rope_theta and rope_scaling)' : ''} holds ${bad}`;
  const within = enclosing.length > 0 ? ` in ${enclosing.map((n) => n.op).join(' > ')}` : '';
  return `${place(enclosing[0] ?? node)}: op ${node.op}${within} computed ${bad} from ${operands.every(finiteTensor) ? 'finite operands' : 'operands holding ±inf'}`;
}

const observeFirstNonFinite =
  (armed: () => boolean, rotary: ReadonlySet<string>): NodeObserver =>
  (node, results, operands, enclosing) => {
    if (!armed() || CONSTANTS.has(node.op)) return;
    for (const result of results.flatMap((t) => (t === undefined ? [] : [toTensorData(t)]))) {
      // A NaN is never meant; an infinity is new only when no operand holds one (masks carry -inf on purpose).
      const bad = nanElement(result) ?? (operands.every(finiteTensor) ? nonFiniteElement(result) : undefined);
      if (bad !== undefined) throw new FirstNonFinite(verdict(node, bad, operands, enclosing, rotary));
    }
  };

/**
 * Replays `steps` (token chunks: the prefill, then decode steps) of a session with `options` on the reference
 * interpreter and says where the last step first computed a value that is not finite.
 */
export async function firstNonFinite(model: LoadedModel, steps: readonly (readonly (readonly number[])[])[], options: { readonly mtp: boolean }): Promise<string> {
  let current = 0;
  const { ropeCos, ropeSin } = model.weights.layout;
  const backend = referenceBackend({ observe: observeFirstNonFinite(() => current === steps.length - 1, new Set([ropeCos.name, ropeSin.name])) });
  const session = new Session(model, backend, { batch: steps[0]!.length, mtp: options.mtp });
  try {
    for (; current < steps.length; current++) await session.forward(steps[current]!);
  } catch (e) {
    // The interpreter prefixes errors with the node it was running; the verdict is kept apart from the message.
    if (e instanceof FirstNonFinite) return `the first non-finite value (replayed op by op on cpu-reference): ${e.verdict}`;
    throw e;
  } finally {
    session.dispose();
    backend.dispose();
  }
  return 'replayed op by op on cpu-reference, every value stays finite: the backend that ran the step computed the non-finite values';
}
