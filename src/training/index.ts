// The DeepSeek-V3 training step (spec/techniques.md §Training): the losses as a graph, global-norm clipping, AdamW,
// the auxiliary-loss-free bias update and the schedules, and the Trainer that runs a whole step on a backend.

export { buildLossGraph, type LossGraphOptions } from './loss-graph.js';
export { shiftedCrossEntropy } from './cross-entropy.js';
export { sequenceBalance, type BalanceTerms } from './balance-loss.js';
export { gradientNorm, scaleGradient, type GradientNorm } from './grad-clip.js';
export { AdamW, type AdamWOptions, type Moments } from './adamw.js';
export { tiedParameters, tieGradients, copyTiedParameters, type TiedParameter } from './tied-parameters.js';
export { expertCounts, updateRouterBias, maxViolation } from './router-bias.js';
export { piecewiseConstant, warmupCosine, deepseekV3Schedules, type Schedule, type WarmupCosine, type TrainingSchedules } from './schedules.js';
export { TrainingParameters } from './parameters.js';
export { NonFiniteStep, Trainer, type RouterUpdate, type StepResult, type StepSettings, type TrainerOptions } from './step.js';
export { afterStepTensors, trainingStepTensors } from './step-tensors.js';
export type { TrainingHyperparameters } from './hyperparameters.js';
