// A training run (spec/techniques.md §Training runs): the steps of src/training/step.ts one after another on the
// batches of batches.ts, the learning rate of the recipe's schedule, a metrics line per step (metrics.ts) and a
// checkpoint every K steps and after the last (run-checkpoint.ts), and at the end the expert loads for `dsv3 eplb`
// (expert-load.ts). On the CPU backends a run is a pure function of its recipe, so one resumed from its checkpoint
// continues bit for bit. A step whose losses or gradients are not finite stops the run, naming the step and the
// first value that went non-finite; the last checkpoint stays.

import type { Backend } from '../../backends/backend.js';
import { firstNonFinite } from '../../models/deepseek/first-non-finite.js';
import type { LoadedModel } from '../../models/deepseek/loaded-model.js';
import { AdamW } from '../adamw.js';
import { NonFiniteStep, Trainer, type StepSettings } from '../step.js';
import { batchAt, checkBatchable } from './batches.js';
import { parametersModel } from './memory-model.js';
import { writeExpertLoad } from './expert-load.js';
import { MetricsLog, stepMetrics, type StepMetrics } from './metrics.js';
import { checkpointFolder, writeRunCheckpoint, type SavedRun } from './run-checkpoint.js';
import { recipeSchedules, type RunRecipe } from './run-recipe.js';

/** Told of the run's progress (the command line's live line). */
export interface RunMonitor {
  /** Step `step` (counting from 1) of `last` begins. */
  stepStarted(step: number, last: number): void;
  stepDone(m: StepMetrics, last: number): void;
  checkpointWritten(step: number): void;
}

export interface TrainingRunOptions {
  readonly runDir: string;
  readonly recipe: RunRecipe;
  /** The config.json the checkpoints carry. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The model to train: the start, or a resumed run's checkpoint. */
  readonly model: LoadedModel;
  readonly backend: Backend;
  readonly tokens: Int32Array;
  /** The checkpoint a resumed run continues from (its model is `model`). */
  readonly resume?: SavedRun;
  /** A checkpoint after every this many steps (and after the last). */
  readonly checkpointEvery: number;
  /** Stops after this step, with a checkpoint, rather than at the recipe's last; a resume continues the run. */
  readonly stopAfter?: number;
  readonly monitor?: RunMonitor;
}

/** A step that was not finite: the run stopped before it, its last checkpoint kept. */
export class TrainingStopped extends Error {
  override name = 'TrainingStopped';
}

/** Runs the steps from the checkpoint (or the start) to the end (or `stopAfter`); returns the last step's metrics. */
export async function runTraining(o: TrainingRunOptions): Promise<StepMetrics | undefined> {
  const { recipe } = o;
  const shape = { batch: recipe.batch, seqLen: recipe.seqLen };
  checkBatchable(recipe.data.file, o.tokens, shape);
  const last = Math.min(recipe.steps, o.stopAfter ?? recipe.steps);
  const first = o.resume?.state.step ?? 0;
  const optimizer = new AdamW({ lr: recipe.lr.peak, betas: recipe.betas, eps: recipe.eps, weightDecay: recipe.weightDecay });
  if (o.resume) optimizer.restore(o.resume.state.step, o.resume.moments);
  const trainer = new Trainer(o.model, o.backend, { ...shape, maxNorm: recipe.clip, optimizer });
  const log = o.resume ? MetricsLog.resume(o.runDir, first) : MetricsLog.create(o.runDir);
  const schedules = recipeSchedules(recipe);
  let checkpointed = o.resume ? first : undefined;
  let metrics: StepMetrics | undefined;
  for (let index = first; index < last; index++) {
    const step = index + 1;
    o.monitor?.stepStarted(step, last);
    const rows = batchAt(o.tokens, recipe.seed, index, shape);
    const settings: StepSettings = { lr: schedules.lr(index), mtpLambda: schedules.mtpLambda(index), balanceAlpha: schedules.balanceAlpha(index), biasGamma: schedules.biasGamma(index) };
    const began = performance.now();
    let result;
    try {
      result = await trainer.step(rows, settings);
    } catch (e) {
      if (!(e instanceof NonFiniteStep)) throw e;
      throw new TrainingStopped(await stoppedMessage(o, trainer, rows, step, e, checkpointed), { cause: e });
    }
    metrics = stepMetrics(step, step * recipe.batch * recipe.seqLen, settings, result, (performance.now() - began) / 1000);
    log.append(metrics);
    o.monitor?.stepDone(metrics, last);
    if (step % o.checkpointEvery === 0 || step === last) {
      await writeRunCheckpoint(o.runDir, o.config, trainer.parameters, optimizer, { step });
      checkpointed = step;
      o.monitor?.checkpointWritten(step);
    }
  }
  writeExpertLoad(o.runDir, o.model.config);
  return metrics;
}

/** The step, the tensor the trainer found non-finite, where the forward first went non-finite, and what is kept. */
async function stoppedMessage(o: TrainingRunOptions, trainer: Trainer, rows: number[][], step: number, e: NonFiniteStep, checkpointed: number | undefined): Promise<string> {
  const lossFailed = / loss\.\S+ that is not finite/.test(e.message);
  const where = lossFailed ? `\n${await firstNonFinite(parametersModel(o.config, trainer.parameters, o.recipe.seqLen), [rows], { mtp: true })}` : '';
  const kept = checkpointed === undefined ? 'no checkpoint was due before it' : `the checkpoint after step ${checkpointed} is kept in ${checkpointFolder(o.runDir)}`;
  return `step ${step}: ${e.message}${where}\nthe run stopped; ${kept}`;
}
