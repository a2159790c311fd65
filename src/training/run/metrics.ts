// A training run's metrics: one JSON object per step, a line each, in OUT/metrics.jsonl (Node only). The log is
// appended to as the run goes (a line per write, so a reader sees whole steps); a run resumed from its checkpoint
// first drops the lines of steps after it, which a killed run may have logged, so the log always follows the
// checkpointed trajectory.

import fs from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-file.js';
import { fileError } from '../../io/file-error.js';
import type { StepResult, StepSettings } from '../step.js';

export const METRICS_FILE = 'metrics.jsonl';

/** One step's line. Layers are named by their Hugging Face index (an MTP module's block: num_hidden_layers + k). */
export interface StepMetrics {
  /** Steps taken, this one included (1 for the first). */
  readonly step: number;
  /** Tokens trained on so far. */
  readonly tokens: number;
  readonly lr: number;
  readonly mtp_lambda: number;
  readonly balance_alpha: number;
  readonly bias_gamma: number;
  /** Every loss of the step's forward, before the update: total, main, mtp, mtp.<k>, balance, balance.<layer>, ... */
  readonly loss: Readonly<Record<string, number>>;
  /** The global gradient norm before clipping, and the factor clipping scaled the gradients by. */
  readonly grad_norm: number;
  readonly clip_coef: number;
  /** MaxVio_batch of each MoE layer: (max load − mean load) / mean load. */
  readonly maxvio: Readonly<Record<string, number>>;
  /** Tokens routed to each expert, per MoE layer (K choices per token). */
  readonly expert_counts: Readonly<Record<string, readonly number[]>>;
  /** Wall time of the step. */
  readonly seconds: number;
}

/** The line of a step that took `seconds`, after `step` steps and `tokens` tokens. */
export function stepMetrics(step: number, tokens: number, s: StepSettings, r: StepResult, seconds: number): StepMetrics {
  const loss = Object.fromEntries(Object.entries(r.forward).flatMap(([name, t]) => (name.startsWith('loss.') ? [[name.slice('loss.'.length), Number(t.data[0])]] : [])));
  return {
    step,
    tokens,
    lr: s.lr,
    mtp_lambda: s.mtpLambda,
    balance_alpha: s.balanceAlpha,
    bias_gamma: s.biasGamma,
    loss,
    grad_norm: r.clip.total,
    clip_coef: r.clip.coef,
    maxvio: Object.fromEntries(r.routers.map((u) => [String(u.layer), u.maxViolation])),
    expert_counts: Object.fromEntries(r.routers.map((u) => [String(u.layer), u.counts])),
    seconds,
  };
}

const metricsPath = (runDir: string): string => join(runDir, METRICS_FILE);

/**
 * The lines of `runDir`'s log, in order. A last line without its newline (a run killed while writing it) is left
 * out; any other line that is not a step's JSON is an error naming it.
 */
export function readMetrics(runDir: string): StepMetrics[] {
  const path = metricsPath(runDir);
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw fileError(path, 'read the metrics', e);
  }
  const lines = text.split('\n').slice(0, -1);
  return lines.map((line, i) => {
    let m: unknown;
    try {
      m = JSON.parse(line);
    } catch (e) {
      throw new Error(`${path}: line ${i + 1} is not JSON (${(e as Error).message})`);
    }
    if (typeof m !== 'object' || m === null || !Number.isSafeInteger((m as StepMetrics).step) || typeof (m as StepMetrics).loss !== 'object')
      throw new Error(`${path}: line ${i + 1} is not a step's metrics (an object with "step" and "loss")`);
    return m as StepMetrics;
  });
}

/** The log of the run in `runDir`, appended to step by step. */
export class MetricsLog {
  private constructor(readonly path: string) {}

  /** A new log, replacing any there. */
  static create(runDir: string): MetricsLog {
    const log = new MetricsLog(metricsPath(runDir));
    writeFileAtomic(log.path, '', { overwrite: true });
    return log;
  }

  /** The log of a run resumed after step `step`: the lines of later steps are dropped. */
  static resume(runDir: string, step: number): MetricsLog {
    const log = new MetricsLog(metricsPath(runDir));
    const kept = fs.existsSync(log.path) ? readMetrics(runDir).filter((m) => m.step <= step) : [];
    writeFileAtomic(log.path, kept.map((m) => `${JSON.stringify(m)}\n`).join(''), { overwrite: true });
    return log;
  }

  append(m: StepMetrics): void {
    try {
      fs.appendFileSync(this.path, `${JSON.stringify(m)}\n`);
    } catch (e) {
      throw fileError(this.path, 'append a line', e);
    }
  }
}
