// The training golden case (spec/golden/v3-tiny-train): one training step through the Trainer (src/training) on a
// backend from the case's checkpoint and hyperparameters, then the loss after it, compared with the stored step
// within the recommended tolerances (spec/golden/README.md §The training case):
//   losses abs 1e-5 (loss.balance.* rel 1e-5, step 2 the same); routing as exact expert sets;
//   grad.* per tensor max|Δ| <= 3e-5 · max|ref|, and the global rms of Δ over all of them <= 1e-5 of the rms of ref;
//   grad_balance.* per gate <= 1e-5 · max|ref| (the balance term is too small to see in grad.*);
//   clip.grad_norm and clip.coef rel 1e-5;
//   adamw.param.* end to end: every element within 5e-4, and at least 99.9% of all elements within 1e-6;
//   bias.counts, bias.updated and maxvio exact.
// The logits and the balance loss's f and P are compared as the inference goldens' tensors (F32_TOLERANCE).

import type { Backend } from '../../../backends/backend.js';
import type { TensorData } from '../../../ir/index.js';
import { AdamW, afterStepTensors, Trainer, trainingStepTensors, type StepSettings } from '../../../training/index.js';
import { loadModel } from '../loaded-model.js';
import { compareBits, compareF32, compareIndices, type Comparison, type Values } from './compare.js';
import type { GoldenCase, GoldenRun } from './golden-case.js';

const LOSS = { abs: 1e-5, rel: 0 };
const BALANCE_LOSS = { abs: 0, rel: 1e-5 };
const GRAD_REL_TO_MAX = 3e-5;
const GRAD_GLOBAL_RMS = 1e-5;
const GRAD_BALANCE_REL_TO_MAX = 1e-5;
const CLIP = { abs: 0, rel: 1e-5 };
const ADAMW_ALL = 5e-4;
const ADAMW_MOST = 1e-6;
const ADAMW_MOST_SHARE = 0.999;

/** The expected tensors: a golden case, or any reader of the same names. */
export interface ExpectedTensors {
  names(): readonly string[];
  has(name: string): boolean;
  tensor(name: string): TensorData;
}

const maxAbs = (v: Values): number => {
  let m = 0;
  for (let i = 0; i < v.data.length; i++) if (Number.isFinite(v.data[i]!)) m = Math.max(m, Math.abs(v.data[i]!));
  return m;
};

/** Within `rel` of the reference tensor's largest magnitude, every element. */
const relativeToMax = (name: string, got: Values, want: Values, rel: number): Comparison => {
  const c = compareF32(name, got, want, { abs: rel * maxAbs(want), rel: 0 });
  return { ...c, tolerance: `${rel}·max|b|` };
};

/** A check of one number over many tensors (a share, an rms): passes when `value` <= `limit`. */
const aggregate = (name: string, value: number, limit: number, count: number, tolerance: string): Comparison => ({
  name,
  maxError: value,
  failing: value <= limit ? 0 : 1,
  count,
  tolerance,
  pass: value <= limit,
});

/** The global rms of grad.* − ref over every element of every tensor, relative to the rms of ref. */
function globalRms(pairs: readonly (readonly [Values, Values])[]): Comparison {
  let diff = 0;
  let ref = 0;
  let count = 0;
  for (const [got, want] of pairs)
    for (let i = 0; i < want.data.length; i++) {
      diff += (got.data[i]! - want.data[i]!) ** 2;
      ref += want.data[i]! ** 2;
      count++;
    }
  const rel = Math.sqrt(diff / ref);
  return aggregate('grad.* (global rms)', Number.isNaN(rel) ? Infinity : rel, GRAD_GLOBAL_RMS, count, `rms rel ${GRAD_GLOBAL_RMS}`);
}

/** Every element within ADAMW_ALL (per tensor), and ADAMW_MOST_SHARE of all elements within ADAMW_MOST. */
function adamwChecks(pairs: readonly (readonly [string, Values, Values])[]): Comparison[] {
  let outside = 0;
  let count = 0;
  for (const [, got, want] of pairs)
    for (let i = 0; i < want.data.length; i++) {
      if (!(Math.abs(got.data[i]! - want.data[i]!) <= ADAMW_MOST)) outside++;
      count++;
    }
  const share = outside / count;
  return [
    ...pairs.map(([name, got, want]) => compareF32(name, got, want, { abs: ADAMW_ALL, rel: 0 })),
    aggregate(`adamw.param.* (share beyond ${ADAMW_MOST})`, share, 1 - ADAMW_MOST_SHARE, count, `<= ${((1 - ADAMW_MOST_SHARE) * 100).toFixed(1)}% of elements`),
  ];
}

/** A reader of `got` that names a missing tensor. */
const ourTensor =
  (got: Readonly<Record<string, TensorData>>) =>
  (name: string): TensorData => {
    const t = got[name];
    if (t === undefined) throw new Error(`the training step gave no tensor ${name}`);
    return t;
  };

/**
 * The loss graph's tensors (loss-graph.ts) against the golden forward `step` ('' before the step, 'step2.' after
 * it): the logits, the balance loss's f and P per MoE layer, every loss and the routing, where the golden has them.
 * The golden's MTP module is ours number 0 (its D is 1).
 */
export function forwardComparisons(got: Readonly<Record<string, TensorData>>, expected: ExpectedTensors, step = ''): Comparison[] {
  const ours = ourTensor(got);
  const at = (n: string) => `${step}${n}`;
  const layers = expected.names().flatMap((n) => (n.startsWith(step) ? (/^route\.(\d+)\.indices$/.exec(n.slice(step.length))?.[1] ?? []) : []));
  const pairs = (names: readonly string[]) => names.filter((n) => expected.has(at(n))).map((n) => [at(n), ours(n), expected.tensor(at(n))] as const);
  return [
    ...pairs(['fwd.main.logits']).map(([n, g, w]) => compareF32(n, g, w)),
    ...(expected.has(at('fwd.mtp.logits')) ? [compareF32(at('fwd.mtp.logits'), ours('fwd.mtp.0.logits'), expected.tensor(at('fwd.mtp.logits')))] : []),
    ...pairs(layers.flatMap((l) => [`balance.${l}.f`, `balance.${l}.P`])).map(([n, g, w]) => compareF32(n, g, w)),
    ...pairs(['loss.main', 'loss.mtp', 'loss.total']).map(([n, g, w]) => compareF32(n, g, w, LOSS)),
    ...pairs(['loss.balance', 'loss.balance.main', 'loss.balance.mtp', ...layers.map((l) => `loss.balance.${l}`)]).map(([n, g, w]) => compareF32(n, g, w, BALANCE_LOSS)),
    ...pairs(layers.map((l) => `route.${l}.indices`)).map(([n, g, w]) => compareIndices(n, g, w)),
  ];
}

/**
 * Every comparison of a training step's tensors (`got`: trainingStepTensors, and afterStepTensors of the forward
 * after it) with the golden step, in the order the step computes them: every expected tensor of those kinds, so that
 * one the step did not give is an error, not a comparison left out.
 */
export function trainingComparisons(got: Readonly<Record<string, TensorData>>, expected: ExpectedTensors): Comparison[] {
  const want = (name: string) => expected.tensor(name);
  const ours = ourTensor(got);
  const names = (prefix: string) => expected.names().filter((n) => n.startsWith(prefix));
  const after = Object.fromEntries(Object.entries(got).flatMap(([n, t]) => (n.startsWith('step2.') ? [[n.slice('step2.'.length), t]] : [])));
  const layers = names('bias.counts.').map((n) => n.slice('bias.counts.'.length));
  const grads = names('grad.');
  return [
    ...forwardComparisons(got, expected),
    ...grads.map((n) => relativeToMax(n, ours(n), want(n), GRAD_REL_TO_MAX)),
    globalRms(grads.map((n) => [ours(n), want(n)] as const)),
    ...names('grad_untied.').map((n) => relativeToMax(n, ours(n), want(n), GRAD_REL_TO_MAX)),
    ...names('grad_balance.').map((n) => relativeToMax(n, ours(n), want(n), GRAD_BALANCE_REL_TO_MAX)),
    ...['clip.grad_norm', 'clip.coef'].map((n) => compareF32(n, ours(n), want(n), CLIP)),
    ...adamwChecks(names('adamw.param.').map((n) => [n, ours(n), want(n)] as const)),
    ...layers.flatMap((l) => [`bias.counts.${l}`, `bias.updated.${l}`, `maxvio.${l}`].map((n) => compareBits(n, ours(n), want(n)))),
    ...forwardComparisons(after, expected, 'step2.'),
  ];
}

/** The case's step on `backend`, then the forward after it: every comparison. */
export async function verifyTrainingRun(golden: GoldenCase, run: GoldenRun & { kind: 'training' }, backend: Backend): Promise<Comparison[]> {
  const tokens = golden.tokens('training');
  const h = run.hyperparameters;
  const model = loadModel(golden.files, { attention: run.attention, maxSeqLen: tokens[0]!.length });
  try {
    const optimizer = new AdamW({ lr: h.lr, betas: h.betas, eps: h.eps, weightDecay: h.weightDecay });
    const trainer = new Trainer(model, backend, { batch: tokens.length, seqLen: tokens[0]!.length, maxNorm: h.clip, optimizer, balanceGradients: true });
    const settings: StepSettings = { lr: h.lr, mtpLambda: h.mtpLambda, balanceAlpha: h.balanceAlpha, biasGamma: h.biasGamma };
    const step = trainingStepTensors(await trainer.step(tokens, settings), trainer.parameters);
    return trainingComparisons({ ...step, ...afterStepTensors(await trainer.losses(tokens, settings)) }, golden);
  } finally {
    model.weights.close();
  }
}
