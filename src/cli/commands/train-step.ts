// `dsv3 train-step`: one DeepSeek-V3 training step on a checkpoint and a batch (src/training/step.ts, in the order
// of spec/golden/v3-tiny-train), then the forward after it, writing every tensor under the golden step's names.

import type { Progress } from '../../backends/progress.js';
import { inTask } from '../../backends/progress.js';
import type { TensorData } from '../../ir/index.js';
import { directoryFiles } from '../../io/local-files.js';
import { checkOutputFile } from '../../io/output-path.js';
import type { FileArray, FileDType } from '../../io/safetensors.js';
import { writeSafetensors } from '../../io/safetensors-writer.js';
import { loadModel } from '../../models/deepseek/loaded-model.js';
import { AdamW, afterStepTensors, NonFiniteStep, Trainer, trainingStepTensors, type StepResult, type StepSettings } from '../../training/index.js';
import { backendList, DEFAULT_BACKEND, openBackend } from '../backends.js';
import { CheckFailure, EXIT, refuseExisting, UsageError, type Command } from '../command.js';
import { commandProgress, QUIET_HELP, QUIET_OPTION } from '../progress.js';
import { TRAINING_OPTIONS, trainingHelp, trainingHyperparameters } from '../training-options.js';
import { modelDir, parseTokenRows } from './forward.js';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

const COMMAND = 'train-step';
const FILE_DTYPE: Partial<Record<TensorData['dtype'], FileDType>> = { f32: 'F32', i32: 'I32' };

/** The step's losses, gradient norm and routing balance, for the terminal. */
function summary(step: StepResult, after: Readonly<Record<string, TensorData>>): string[] {
  const loss = (outputs: Readonly<Record<string, TensorData>>) =>
    ['total', 'main', 'mtp', 'balance'].flatMap((k) => (outputs[`loss.${k}`] ? [`${k} ${outputs[`loss.${k}`]!.data[0]!.toPrecision(8)}`] : [])).join(', ');
  return [
    `loss: ${loss(step.forward)}`,
    `gradient norm ${step.clip.total.toPrecision(6)} (clipped by ${step.clip.coef.toPrecision(6)})`,
    ...step.routers.map((r) => `layer ${r.layer}: MaxVio ${r.maxViolation.toPrecision(4)}, expert counts ${r.counts.join(' ')}`),
    `loss after the step: ${loss(after)}`,
  ];
}

async function trainStep(values: Values, progress: Progress): Promise<Record<string, TensorData>> {
  const dir = modelDir(values, COMMAND);
  if (values.tokens === undefined) throw new UsageError(`dsv3 ${COMMAND}: --tokens is required`);
  const tokens = parseTokenRows(values.tokens as string, 'tokens', COMMAND);
  const attention = values.attn as string;
  if (attention !== 'absorb' && attention !== 'naive') throw new UsageError(`dsv3 ${COMMAND}: --attn must be absorb or naive, got "${attention}"`);
  const h = trainingHyperparameters(COMMAND, values);
  const settings: StepSettings = { lr: h.lr, mtpLambda: h.mtpLambda, balanceAlpha: h.balanceAlpha, biasGamma: h.biasGamma };
  const optimizer = new AdamW({ lr: h.lr, betas: h.betas, eps: h.eps, weightDecay: h.weightDecay });
  const maxNorm = h.clip;

  const model = loadModel(directoryFiles(dir), { attention, maxSeqLen: tokens[0]!.length });
  try {
    const backend = await openBackend(values.backend as string, COMMAND, progress);
    try {
      const trainer = new Trainer(model, backend, { batch: tokens.length, seqLen: tokens[0]!.length, maxNorm, optimizer, balanceGradients: true });
      const step = await inTask(progress, 'training step', undefined, () => trainer.step(tokens, settings));
      const after = await inTask(progress, 'forward after the step', undefined, () => trainer.losses(tokens, settings));
      for (const line of summary(step, after)) console.log(line);
      return { ...trainingStepTensors(step, trainer.parameters), ...afterStepTensors(after) };
    } finally {
      backend.dispose();
    }
  } catch (e) {
    if (e instanceof NonFiniteStep) throw new CheckFailure(e.message);
    throw e;
  } finally {
    model.weights.close();
  }
}

export const trainStepCommand: Command = {
  name: COMMAND,
  summary: 'one training step (losses, gradients, clipping, AdamW, bias update); write every tensor',
  help: `Usage: dsv3 train-step --model DIR --tokens ROWS --out FILE [--force] [--backend NAME] [--attn MODE]
         [--mtp-lambda 0.3] [--balance-alpha 1e-4] [--bias-gamma 1e-3] [--lr 1e-3] [--betas 0.9,0.95]
         [--eps 1e-8] [--weight-decay 0.1] [--clip 1.0] [--quiet]

One DeepSeek-V3 training step on the batch, as spec/golden/v3-tiny-train states it: the main model over every
position (next-token cross-entropy over the T-1 positions with a target), each MTP module (cross-entropy
k + 2 tokens ahead), the sequence-wise balance loss over every MoE layer (MTP blocks included), loss.total =
loss.main + λ·loss.mtp + loss.balance; its gradient with respect to every parameter but the routers' biases
(tied embedding and head summed over the main model and the MTP modules); global-norm clipping; one AdamW step
from zero moments (decay on every parameter); then each MoE layer's bias moved by γ against its own expert
counts. A forward with the updated model gives the loss after the step. Losses or gradients that are not
finite fail the step (exit status 1), naming the first such tensor. Prints the losses, the gradient norm and
each MoE layer's MaxVio and expert counts.

  --model DIR         checkpoint folder: config.json and model.safetensors (f32, bf16, f16 or FP8 weights;
                      training keeps f32 copies)
  --tokens ROWS       the batch: rows separated by ';', ids by ','; every row of the same length T
                      (at least num_nextn_predict_layers + 2)
  --out FILE          a safetensors file with, under the golden step's names: loss.{total,main,mtp,balance},
                      loss.mtp.<k>, loss.balance.{main,mtp,<l>}; balance.<l>.{f,P} and route.<l>.indices
                      (I32) per MoE layer l; fwd.main.logits, fwd.mtp.<k>.logits; grad.<name> for every
                      parameter (before clipping, tied pairs summed), grad_untied.<name> of each MTP copy,
                      grad_balance.<gate> (d loss.balance / d gate alone); clip.grad_norm (before clipping),
                      clip.coef; adamw.param.<name> (every parameter after the step); bias.counts.<l> (I32),
                      bias.old.<l>, bias.updated.<l>, maxvio.<l>; step2.loss.* and step2.route.<l>.indices
                      (the forward after the step). Scalars have shape [1]. Its folder is checked before the
                      work; it is written under a temporary name and renamed when complete
  --force             replace FILE if it exists
  --backend NAME      the backend to run on (default ${DEFAULT_BACKEND}):
${backendList('                        ')}
  --attn MODE         absorb (the default) or naive attention
${trainingHelp('learning rate (default 1e-3)')}
${QUIET_HELP}

Exit status: 0 done; 1 losses or gradients not finite; 2 bad usage or input, an existing FILE without --force,
or another error.`,
  options: {
    model: { type: 'string' },
    tokens: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean', default: false },
    backend: { type: 'string', default: DEFAULT_BACKEND },
    attn: { type: 'string', default: 'absorb' },
    ...TRAINING_OPTIONS,
    ...QUIET_OPTION,
  },
  async run(values) {
    const out = values.out as string | undefined;
    if (out === undefined) throw new UsageError(`dsv3 ${COMMAND}: --out FILE is required`);
    const force = values.force === true;
    refuseExisting(COMMAND, out, force, 'file');
    checkOutputFile(out, { overwrite: force });
    const tensors = await trainStep(values, commandProgress(values));
    writeSafetensors(out, Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, { dtype: FILE_DTYPE[t.dtype]!, shape: t.shape, data: t.data as FileArray }])), { overwrite: force });
    console.log(`wrote ${Object.keys(tensors).length} tensors to ${out}`);
    return EXIT.ok;
  },
};
