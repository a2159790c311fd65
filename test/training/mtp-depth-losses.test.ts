// The loss graph with D = 2 MTP modules (the golden MTP model with a copy of its module as layer 4): module k's loss
// is the cross-entropy of its logits against the tokens k + 2 ahead (recomputed here in float64 from the graph's
// logits), loss.mtp their mean, loss.total = main + λ·mtp + balance; module 1's layer (4) is routed over T - 2
// positions and in the balance loss; every sequence's f sums to E. Too short a row for module 1's target is refused.

import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import type { TensorData } from '../../src/ir/index.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { buildLossGraph } from '../../src/training/index.js';
import { twoModuleCheckpoint } from '../support/two-module-checkpoint.js';
import { HYPER, openTrainCase, runLosses } from './train-golden.js';

/** The mean over rows b and positions i < T - ahead of -log softmax(logits[b, i])[tokens[b, i + ahead]], in float64. */
function crossEntropy(logits: TensorData, tokens: TensorData, ahead: number): number {
  const [B, S, V] = logits.shape as [number, number, number];
  const T = tokens.shape[1]!;
  let total = 0;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < T - ahead; i++) {
      const row = (logits.data as Float32Array).subarray((b * S + i) * V, (b * S + i + 1) * V);
      const top = Math.max(...row);
      const logSum = Math.log(row.reduce((s, x) => s + Math.exp(x - top), 0)) + top;
      total += logSum - row[tokens.data[b * T + i + ahead]!]!;
    }
  return total / (B * (T - ahead));
}

const scalar = (t: TensorData | undefined): number => t!.data[0]!;

describe('training losses with MTP depth 2', () => {
  const golden = openTrainCase();
  const model = loadModel(directoryFiles(twoModuleCheckpoint()), { maxSeqLen: 12 });
  const backend = cpuBackend();
  afterAll(() => {
    backend.dispose();
    model.weights.close();
    golden.close();
  });

  it('averages the modules’ losses, each against the tokens k + 2 ahead, and balances layer 4 too', async () => {
    const tokens = golden.readIR('inputs.tokens');
    const got = await runLosses(backend, model, golden);
    for (const k of [0, 1]) expect(scalar(got[`loss.mtp.${k}`])).toBeCloseTo(crossEntropy(got[`fwd.mtp.${k}.logits`]!, tokens, k + 2), 5);
    expect(got['fwd.mtp.1.logits']!.shape).toEqual([2, 10, 512]);
    expect(scalar(got['loss.mtp'])).toBeCloseTo((scalar(got['loss.mtp.0']) + scalar(got['loss.mtp.1'])) / 2, 6);
    const total = scalar(got['loss.main']) + HYPER.lambda * scalar(got['loss.mtp']) + scalar(got['loss.balance']);
    expect(scalar(got['loss.total'])).toBeCloseTo(total, 5);

    expect(got['route.4.indices']!.shape).toEqual([2 * 10, 4]);
    expect(scalar(got['loss.balance.mtp'])).toBeCloseTo(scalar(got['loss.balance.3']) + scalar(got['loss.balance.4']), 10);
    const f = got['balance.4.f']!.data as Float32Array;
    for (const b of [0, 1]) expect(f.subarray(b * 16, (b + 1) * 16).reduce((s, x) => s + x, 0)).toBeCloseTo(16, 5);
  });

  it('refuses rows too short for the last module to have a target', () => {
    expect(() => buildLossGraph(model.config, model.settings, model.weights.layout, { batch: 1, seqLen: 3 })).toThrow(
      /seqLen must be an integer in \[4, 12\] \(every one of the 2 MTP modules needs a target/,
    );
  });
});
