// Layer streaming gives the bytes of a resident run: a prefill (with the MTP modules and every capture) and decode
// steps through a StreamedSession equal, bit for bit, the same steps through a Session, on the golden models, on
// cpu and cpu-reference. A streamed step reads each tensor it needs once: a one-step run reads the lazy minimum.

import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import type { Backend } from '../../src/backends/backend.js';
import type { TensorData } from '../../src/ir/index.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { Session, type ModelSession, type SessionOptions } from '../../src/models/deepseek/session.js';
import { StreamedSession } from '../../src/models/deepseek/streamed-session.js';

const backends: Record<string, Backend> = { cpu: cpuBackend(), 'cpu-reference': cpuBackend({ mode: 'reference' }) };
afterAll(() => Object.values(backends).forEach((b) => b.dispose()));

const PROMPT = [
  [4, 486, 292, 467, 359],
  [328, 362, 388, 297, 104],
];
const DECODE = [
  [[5], [6]],
  [[7], [8]],
];

/** Every step's logits and outputs, by step and name. */
async function steps(session: ModelSession): Promise<Record<string, TensorData>> {
  const out: Record<string, TensorData> = {};
  try {
    for (const [s, rows] of [PROMPT, ...DECODE].entries()) {
      const { logits, outputs } = await session.forward(rows);
      out[`${s}.logits`] = logits;
      for (const [name, t] of Object.entries(outputs)) out[`${s}.${name}`] = t;
    }
  } finally {
    session.dispose();
  }
  return out;
}

const options: SessionOptions = { batch: PROMPT.length, captures: true, mtp: true };

describe.each(Object.keys(backends))('StreamedSession on %s', (name) => {
  it.each(['v3-tiny-mtp', 'v2lite-tiny-f32'])('equals a resident Session bit for bit on %s', async (golden) => {
    const files = directoryFiles(`spec/golden/${golden}`);
    const resident = await steps(new Session(loadModel(files, { maxSeqLen: 8 }), backends[name]!, options));
    const streamed = await steps(new StreamedSession(loadModel(files, { maxSeqLen: 8 }), backends[name]!, options));
    expect(Object.keys(streamed).sort()).toEqual(Object.keys(resident).sort());
    for (const [key, t] of Object.entries(resident)) expect(streamed[key], key).toEqual(t);
    if (golden === 'v3-tiny-mtp') expect(Object.keys(streamed)).toContain('0.mtp.0.logits');
  });
});

describe('StreamedSession reading', () => {
  it('reads each tensor a one-step run needs once on cpu: the lazy minimum, only the chosen experts', async () => {
    const model = loadModel(directoryFiles('spec/golden/v3-tiny-f32'), { maxSeqLen: 5 });
    const session = new StreamedSession(model, backends.cpu!, { batch: 2 });
    await session.forward(PROMPT);
    const report = session.readReport();
    session.dispose();
    expect(report.tensorBytes).toBe(report.lazyMinimum);
    expect(report.lazyMinimum).toBeLessThan(model.weights.checkpoint.reads()[0]!.byteLength * 0.9);
  });
});
