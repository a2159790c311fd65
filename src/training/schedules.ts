// Training schedules as pure functions of the step (0 for the first step) — the learning rate, and the MTP weight
// λ, the bias update speed γ and the balance factor α — with DeepSeek-V3's (report §4.2): the learning rate rises
// linearly from 0 to 2.2e-4 over the first 2K steps, holds until 10T tokens, decays along a cosine to 2.2e-5 over
// 4.3T tokens, then stays at 2.2e-5 for 333B tokens and 7.3e-6 for the last 167B; λ is 0.3 for the first 10T
// tokens and 0.1 after; γ is 0.001 for the first 14.3T tokens and 0 for the last 500B; α is 0.0001 throughout.
// Token counts become steps through the tokens each step trains on.

export type Schedule = (step: number) => number;

function checkStep(step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`a schedule's step must be an integer >= 0, got ${step}`);
}

/** `values[i]` from step `starts[i]` on (starts ascending, the first 0). */
export function piecewiseConstant(starts: readonly number[], values: readonly number[]): Schedule {
  if (starts.length !== values.length || starts[0] !== 0 || starts.some((s, i) => i > 0 && !(s > starts[i - 1]!)))
    throw new RangeError(`piecewiseConstant: starts [${starts.join(', ')}] must ascend from 0, one per value (${values.length})`);
  return (step) => {
    checkStep(step);
    let i = 0;
    while (i + 1 < starts.length && step >= starts[i + 1]!) i++;
    return values[i]!;
  };
}

export interface WarmupCosine {
  readonly peak: number;
  /** The value the cosine ends at, and keeps after. */
  readonly final: number;
  /** Steps of the linear rise from 0; step s < warmup gives peak · (s + 1) / warmup. */
  readonly warmup: number;
  /** Steps at peak after the warmup. */
  readonly hold: number;
  /** Steps of the cosine from peak to final. */
  readonly decay: number;
}

/** Linear warmup, a hold at the peak, then a cosine decay to `final`. */
export function warmupCosine(o: WarmupCosine): Schedule {
  for (const key of ['warmup', 'hold', 'decay'] as const)
    if (!Number.isSafeInteger(o[key]) || o[key] < 0) throw new RangeError(`warmupCosine: ${key} must be an integer >= 0, got ${o[key]}`);
  return (step) => {
    checkStep(step);
    if (step < o.warmup) return (o.peak * (step + 1)) / o.warmup;
    const s = step - o.warmup - o.hold;
    if (s < 0) return o.peak;
    if (s >= o.decay) return o.final;
    return o.final + ((o.peak - o.final) * (1 + Math.cos((Math.PI * s) / o.decay))) / 2;
  };
}

export interface TrainingSchedules {
  readonly lr: Schedule;
  readonly mtpLambda: Schedule;
  readonly biasGamma: Schedule;
  readonly balanceAlpha: Schedule;
}

/** DeepSeek-V3's schedules for a run of `tokensPerStep` tokens per step (its batch: up to 15,360 × 4K). */
export function deepseekV3Schedules(tokensPerStep: number): TrainingSchedules {
  if (!(tokensPerStep >= 1) || !Number.isSafeInteger(tokensPerStep)) throw new RangeError(`tokensPerStep must be a positive integer, got ${tokensPerStep}`);
  const steps = (tokens: number) => Math.ceil(tokens / tokensPerStep);
  const [T, B] = [1e12, 1e9];
  const warmup = 2000;
  const decayEnd = steps(14.3 * T);
  const hold = Math.max(0, steps(10 * T) - warmup);
  const cosine = warmupCosine({ peak: 2.2e-4, final: 2.2e-5, warmup, hold, decay: Math.max(0, decayEnd - warmup - hold) });
  const lastPhase = decayEnd + steps(333 * B);
  return {
    lr: (step) => {
      checkStep(step);
      return step < lastPhase ? cosine(step) : 7.3e-6;
    },
    mtpLambda: piecewiseConstant([0, steps(10 * T)], [0.3, 0.1]),
    biasGamma: piecewiseConstant([0, steps(14.3 * T)], [0.001, 0]),
    balanceAlpha: piecewiseConstant([0], [1e-4]),
  };
}
