// The settings of one DeepSeek-V3 training step (spec/techniques.md §Training), however they are given: options of
// `dsv3 train-step`, a run's recipe, or the training golden case's manifest.

export interface TrainingHyperparameters {
  readonly lr: number;
  readonly mtpLambda: number;
  readonly balanceAlpha: number;
  readonly biasGamma: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  /** The global gradient norm bound. */
  readonly clip: number;
}
