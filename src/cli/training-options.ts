// The options of the DeepSeek-V3 training hyperparameters, the same in every command that trains (train,
// train-step): the weights of the losses, the bias update speed, AdamW's settings and the clipping bound.

import type { TrainingHyperparameters } from '../training/hyperparameters.js';
import { numberOption, UsageError, type Options } from './command.js';

type Values = Readonly<Record<string, unknown>>;

export const TRAINING_OPTIONS: Options = {
  'mtp-lambda': { type: 'string', default: '0.3' },
  'balance-alpha': { type: 'string', default: '1e-4' },
  'bias-gamma': { type: 'string', default: '1e-3' },
  lr: { type: 'string', default: '1e-3' },
  betas: { type: 'string', default: '0.9,0.95' },
  eps: { type: 'string', default: '1e-8' },
  'weight-decay': { type: 'string', default: '0.1' },
  clip: { type: 'string', default: '1.0' },
};

/** The help of TRAINING_OPTIONS; `lr` describes --lr. */
export const trainingHelp = (lr: string): string => `  --mtp-lambda X      λ, the weight of the MTP loss (default 0.3)
  --balance-alpha X   α of the balance loss (default 1e-4)
  --bias-gamma X      γ, the bias update speed (default 1e-3)
  --lr X              ${lr}
  --betas B1,B2       AdamW's betas (default 0.9,0.95)
  --eps X             AdamW's eps (default 1e-8)
  --weight-decay X    AdamW's decoupled weight decay (default 0.1)
  --clip X            the global gradient norm clipping bound, > 0 (default 1.0)`;

/** A decimal option >= 0 (> 0 with `positive`). */
export function amountOption(command: string, values: Values, option: string, positive = false): number {
  const x = numberOption(command, option, values[option] as string);
  if (positive ? !(x > 0) : !(x >= 0)) throw new UsageError(`dsv3 ${command}: --${option} must be ${positive ? '> 0' : '>= 0'}, got ${values[option]}`);
  return x;
}

/** --betas B1,B2, each in [0, 1). */
function betasOption(command: string, values: Values): [number, number] {
  const parts = (values.betas as string).split(',');
  if (parts.length !== 2) throw new UsageError(`dsv3 ${command}: --betas takes two numbers, B1,B2 (e.g. 0.9,0.95), got "${values.betas}"`);
  const [b1, b2] = parts.map((p) => numberOption(command, 'betas', p.trim())) as [number, number];
  if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw new UsageError(`dsv3 ${command}: --betas must both lie in [0, 1), got ${b1}, ${b2}`);
  return [b1, b2];
}

/** The values of TRAINING_OPTIONS, checked. */
export function trainingHyperparameters(command: string, values: Values): TrainingHyperparameters {
  const amount = (option: string, positive = false) => amountOption(command, values, option, positive);
  return {
    lr: amount('lr'),
    mtpLambda: amount('mtp-lambda'),
    balanceAlpha: amount('balance-alpha'),
    biasGamma: amount('bias-gamma'),
    betas: betasOption(command, values),
    eps: amount('eps'),
    weightDecay: amount('weight-decay'),
    clip: amount('clip', true),
  };
}
