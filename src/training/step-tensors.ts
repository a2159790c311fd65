// A training step's results under the names of the golden step (spec/golden/v3-tiny-train, the table of spec/golden/README.md §The training case), as
// `dsv3 train-step` writes them and `dsv3 verify` compares them. Scalars have shape [1], as the golden stores them.

import { tensorData, type TensorData } from '../ir/index.js';
import type { TrainingParameters } from './parameters.js';
import type { StepResult } from './step.js';

const f32 = (shape: readonly number[], data: Float32Array): TensorData => tensorData('f32', shape, data);
const scalar = (x: number): TensorData => f32([1], Float32Array.of(x));

/**
 * The step's tensors: the loss graph's outputs (loss.*, balance.<l>.*, route.<l>.indices, fwd.*); grad.<name> of
 * every parameter (tied pairs summed) and grad_untied.<copy>; grad_balance.<gate> when computed; clip.grad_norm and
 * clip.coef; adamw.param.<name>, each parameter after the step (`parameters`: the trainer's, copied); and per
 * MoE layer bias.counts.<l> (i32), bias.old.<l>, bias.updated.<l> and maxvio.<l>.
 */
export function trainingStepTensors(step: StepResult, parameters: TrainingParameters): Record<string, TensorData> {
  const shapes = (name: string) => parameters.shape(name);
  const out: Record<string, TensorData> = { ...step.forward };
  for (const [name, g] of step.gradients) out[`grad.${name}`] = f32(shapes(name), g);
  for (const [name, g] of step.untied) out[`grad_untied.${name}`] = f32(shapes(name), g);
  for (const [name, g] of step.balanceGradients ?? []) out[`grad_balance.${name}`] = f32(shapes(name), g);
  out['clip.grad_norm'] = scalar(step.clip.total);
  out['clip.coef'] = scalar(step.clip.coef);
  for (const name of step.gradients.keys()) out[`adamw.param.${name}`] = f32(shapes(name), Float32Array.from(parameters.values.get(name)!));
  for (const r of step.routers) {
    out[`bias.counts.${r.layer}`] = tensorData('i32', [r.counts.length], Int32Array.from(r.counts));
    out[`bias.old.${r.layer}`] = f32([r.oldBias.length], r.oldBias);
    out[`bias.updated.${r.layer}`] = f32([r.newBias.length], r.newBias);
    out[`maxvio.${r.layer}`] = scalar(r.maxViolation);
  }
  return out;
}

/** The loss graph's outputs after the step (the next forward) as step2.loss.* and step2.route.<l>.indices. */
export const afterStepTensors = (outputs: Readonly<Record<string, TensorData>>): Record<string, TensorData> =>
  Object.fromEntries(Object.entries(outputs).flatMap(([name, t]) => (/^(loss|route)\./.test(name) ? [[`step2.${name}`, t]] : [])));
