// What a training run is (OUT/run.json): where its model and data come from and every setting that decides its
// trajectory. A resumed run must be the same run: `differences` names each setting a resume asks for differently.

import fs from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-file.js';
import type { TrainingHyperparameters } from '../hyperparameters.js';
import { warmupCosine, type TrainingSchedules } from '../schedules.js';
import type { TokenEncoding } from './token-data.js';

export interface RunRecipe extends Omit<TrainingHyperparameters, 'lr'> {
  /** The starting point: a checkpoint folder (`model`) or a config.json drawn at random (`config`, with `std`). */
  readonly start: { readonly model: string } | { readonly config: string; readonly std: number };
  readonly data: { readonly file: string; readonly tokens: number; readonly encoding: TokenEncoding };
  /** Steps of the whole run: the learning-rate schedule spans them. */
  readonly steps: number;
  readonly batch: number;
  readonly seqLen: number;
  /** Seeds the random start (with --config) and the batches. */
  readonly seed: number;
  /** The learning rate: a linear rise over `warmup` steps to `peak`, then a cosine down to `final` at the last step. */
  readonly lr: { readonly peak: number; readonly final: number; readonly warmup: number };
}

export const RECIPE_FILE = 'run.json';

export const writeRecipe = (runDir: string, r: RunRecipe): void => writeFileAtomic(join(runDir, RECIPE_FILE), `${JSON.stringify(r, null, 2)}\n`, { overwrite: true });

/** The recipe of the run in `runDir`; throws naming the file when there is none. */
export function readRecipe(runDir: string): RunRecipe {
  const path = join(runDir, RECIPE_FILE);
  if (!fs.existsSync(path)) throw new Error(`${path}: missing; ${runDir} is not the folder of a training run`);
  return JSON.parse(fs.readFileSync(path, 'utf8')) as RunRecipe;
}

/** The recipe's schedules: its learning rate over `steps`, and λ, α, γ held constant. */
export function recipeSchedules(r: RunRecipe): TrainingSchedules {
  if (r.lr.warmup > r.steps) throw new RangeError(`the warmup (${r.lr.warmup} steps) is longer than the run (${r.steps} steps)`);
  const lr = warmupCosine({ peak: r.lr.peak, final: r.lr.final, warmup: r.lr.warmup, hold: 0, decay: r.steps - r.lr.warmup });
  return { lr, mtpLambda: () => r.mtpLambda, balanceAlpha: () => r.balanceAlpha, biasGamma: () => r.biasGamma };
}

/** The settings (as dotted paths: `lr.peak`) whose values differ between two recipes. */
export function differences(saved: RunRecipe, asked: RunRecipe): string[] {
  const flat = (value: unknown, path: string, out: Map<string, string>): Map<string, string> => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) flat(v, path ? `${path}.${k}` : k, out);
    else out.set(path, JSON.stringify(value));
    return out;
  };
  const [a, b] = [flat(saved, '', new Map()), flat(asked, '', new Map())];
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).map((k) => `${k}: the run has ${a.get(k) ?? 'none'}, asked ${b.get(k) ?? 'none'}`);
}
