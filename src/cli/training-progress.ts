// The live line of `dsv3 train`: the step, each loss of the last step, the learning rate, tokens per second and the
// time left. On a terminal it is a task of the command's progress (src/cli/progress.ts), redrawn in place beside
// the backend's own work (compiling); without one, a plain line for the first and last step and then one every
// PLAIN_EVERY_MS; nothing with --quiet.

import type { Progress, ProgressTask } from '../backends/progress.js';
import type { StepMetrics } from '../training/run/metrics.js';
import type { RunMonitor } from '../training/run/training-run.js';
import { formatElapsed, PLAIN_EVERY_MS, type ProgressStream } from './progress.js';

const LOSSES = ['main', 'mtp', 'balance'] as const;

/** "loss 5.2103 (main 5.1012, mtp 5.3001, balance 0.00041)". */
function lossText(m: StepMetrics): string {
  const parts = LOSSES.flatMap((k) => (m.loss[k] === undefined ? [] : [`${k} ${m.loss[k]!.toPrecision(5)}`]));
  return `loss ${m.loss.total?.toPrecision(5)} (${parts.join(', ')})`;
}

/** The line after step `m.step` of `last`, with this process's throughput (`tokens` in `seconds`). */
export function trainingLine(m: StepMetrics, last: number, tokens: number, seconds: number, stepsDone: number): string {
  const rate = seconds > 0 ? Math.round(tokens / seconds).toLocaleString('en-US') : '-';
  const eta = m.step < last ? ` · ETA ${formatElapsed(((last - m.step) * seconds * 1000) / stepsDone)}` : '';
  return `step ${m.step}/${last} · ${lossText(m)} · lr ${m.lr.toExponential(2)} · ${rate} tok/s${eta}`;
}

export function trainingMonitor(progress: Progress, stream: ProgressStream, quiet: boolean, now: () => number = () => performance.now()): RunMonitor {
  let [tokens, seconds, steps] = [0, 0, 0];
  let latest = '';
  let task: ProgressTask | undefined;
  let lastPlain = -Infinity;
  return {
    stepStarted(step, last) {
      if (quiet || !stream.isTTY) return;
      task = progress.start(`step ${step}/${last}${latest ? ` · last: ${latest}` : ''}`);
    },
    stepDone(m, last) {
      task?.end();
      task = undefined;
      // Every step trains on the same number of tokens.
      [tokens, seconds, steps] = [tokens + m.tokens / m.step, seconds + m.seconds, steps + 1];
      latest = trainingLine(m, last, tokens, seconds, steps);
      if (quiet || stream.isTTY) return;
      const t = now();
      if (steps === 1 || m.step === last || t - lastPlain >= PLAIN_EVERY_MS) {
        lastPlain = t;
        stream.write(`${latest}\n`);
      }
    },
    checkpointWritten(step) {
      if (!quiet && !stream.isTTY) stream.write(`checkpoint after step ${step}\n`);
    },
  };
}
