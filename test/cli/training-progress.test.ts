// The live line of `dsv3 train` (src/cli/training-progress.ts): on a terminal a progress task per step naming the
// last step's losses; without one, plain lines for the first and last step and then every 10 s; nothing quiet.

import { describe, expect, it } from 'vitest';
import type { Progress } from '../../src/backends/progress.js';
import { trainingLine, trainingMonitor } from '../../src/cli/training-progress.js';
import type { StepMetrics } from '../../src/training/run/metrics.js';

const step = (n: number): StepMetrics => ({
  step: n,
  tokens: n * 128,
  lr: 1e-3,
  mtp_lambda: 0.3,
  balance_alpha: 1e-4,
  bias_gamma: 1e-3,
  loss: { total: 5.123456, main: 4.5, mtp: 5, balance: 0.000123 },
  grad_norm: 1,
  clip_coef: 1,
  maxvio: {},
  expert_counts: {},
  seconds: 4,
});

function stream(isTTY: boolean) {
  const lines: string[] = [];
  return { lines, stream: { isTTY, write: (t: string) => void lines.push(t) } };
}

const noProgress: Progress = { start: () => ({ advance() {}, end() {} }) };

describe('the training line', () => {
  it('gives the step, each loss, the learning rate, tokens per second and the time left', () => {
    expect(trainingLine(step(3), 10, 384, 12, 3)).toBe('step 3/10 · loss 5.1235 (main 4.5000, mtp 5.0000, balance 0.00012300) · lr 1.00e-3 · 32 tok/s · ETA 28 s');
    expect(trainingLine(step(10), 10, 1280, 40, 10)).toBe('step 10/10 · loss 5.1235 (main 4.5000, mtp 5.0000, balance 0.00012300) · lr 1.00e-3 · 32 tok/s');
  });

  it('without a terminal: the first and last step, and a line every 10 s between', () => {
    let now = 0;
    const s = stream(false);
    const monitor = trainingMonitor(noProgress, s.stream, false, () => now);
    for (let n = 1; n <= 6; n++) {
      monitor.stepStarted(n, 6);
      now += 4000;
      monitor.stepDone(step(n), 6);
    }
    expect(s.lines.map((l) => l.split(' · ')[0])).toEqual(['step 1/6', 'step 4/6', 'step 6/6']);
  });

  it('on a terminal: a progress task per step naming the last step', () => {
    const labels: string[] = [];
    const progress: Progress = { start: (label) => (labels.push(label), { advance() {}, end() {} }) };
    const s = stream(true);
    const monitor = trainingMonitor(progress, s.stream, false);
    monitor.stepStarted(1, 2);
    monitor.stepDone(step(1), 2);
    monitor.stepStarted(2, 2);
    expect(labels[0]).toBe('step 1/2');
    expect(labels[1]).toMatch(/^step 2\/2 · last: step 1\/2 · loss 5\.1235 /);
    expect(s.lines).toEqual([]);
  });

  it('prints nothing with --quiet', () => {
    const s = stream(false);
    const monitor = trainingMonitor(noProgress, s.stream, true);
    monitor.stepStarted(1, 1);
    monitor.stepDone(step(1), 1);
    monitor.checkpointWritten(1);
    expect(s.lines).toEqual([]);
  });
});
