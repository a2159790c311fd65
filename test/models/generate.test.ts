// Sampling and generation: greedy is the argmax and matches the model's own logits step by step, seeded
// sampling repeats, top-k / top-p restrict the choice, and stop tokens end rows while others continue.

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { generate } from '../../src/models/deepseek/generate.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { GREEDY, Sampler } from '../../src/models/deepseek/sampling.js';
import { mulberry32 } from '../../src/numerics/index.js';
import { Session } from '../../src/models/deepseek/session.js';
import { directoryFiles } from '../../src/io/local-files.js';

const backend = cpuBackend({ mode: 'reference' });
afterAll(() => backend.dispose());
const model = loadModel(directoryFiles('spec/golden/v3-tiny-f32'));
const PROMPTS = [
  [4, 486, 292, 467],
  [328, 362, 388, 297],
];

describe('Sampler', () => {
  it('mulberry32 is deterministic and uniform-looking', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / 1000 - 0.5)).toBeLessThan(0.05);
  });

  it('greedy picks the largest logit, the lowest id on ties', () => {
    expect(new Sampler(GREEDY, 4).next([1, 3, 3, 2])).toBe(1);
  });

  it('top-k and top-p keep sampling among the most likely tokens', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 4, maxLength: 12 }), fc.integer(), (logits, seed) => {
        const order = logits.map((_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
        const topK = new Sampler({ temperature: 1, topK: 2, seed }, logits.length);
        for (let i = 0; i < 5; i++) expect(order.slice(0, 2)).toContain(topK.next(logits));
        const tiny = new Sampler({ temperature: 1, topP: 1e-9, seed }, logits.length);
        expect(tiny.next(logits)).toBe(order[0]);
      }),
    );
  });

  it('rejects bad settings', () => {
    expect(() => new Sampler({ temperature: -1, seed: 0 }, 8)).toThrow(/temperature must be a finite number >= 0/);
    expect(() => new Sampler({ temperature: 1, topK: 9, seed: 0 }, 8)).toThrow(/top-k must be an integer in \[1, 8\]/);
    expect(() => new Sampler({ temperature: 1, topP: 0, seed: 0 }, 8)).toThrow(/top-p must be in \(0, 1\]/);
    expect(() => new Sampler(GREEDY, 8).next([0, NaN])).toThrow(/logit 1 is NaN/);
  });
});

describe('generate', () => {
  it('greedy generation follows the argmax of each step', async () => {
    const s = new Session(model, backend, { batch: 2 });
    const out = await generate(s, PROMPTS, { maxNew: 4, sampling: GREEDY });
    expect(out.map((r) => r.length)).toEqual([4, 4]);
    expect(s.position).toBe(4 + 3);
    const check = new Session(model, backend, { batch: 2 });
    let logits = (await check.forward(PROMPTS)).logits;
    for (let step = 0; step < 4; step++) {
      const V = logits.shape[2]!;
      const S = logits.shape[1]!;
      const argmax = [0, 1].map((b) => new Sampler(GREEDY, V).next(logits.data.subarray((b * S + S - 1) * V, (b * S + S) * V)));
      expect(argmax).toEqual(out.map((r) => r[step]));
      logits = (await check.forward(argmax.map((id) => [id]))).logits;
    }
    s.dispose();
    check.dispose();
  });

  it('repeats with the same seed and stops rows at a stop token', async () => {
    const sampling = { temperature: 1.5, topK: 50, topP: 0.95, seed: 7 };
    const run = async (stop?: number[]) => {
      const s = new Session(model, backend, { batch: 2 });
      const out = await generate(s, PROMPTS, { maxNew: 5, sampling, ...(stop ? { stop } : {}) });
      s.dispose();
      return out;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const stopAt = first[0]![1]!;
    const stopped = await run([stopAt]);
    expect(stopped[0]).toEqual(first[0]!.slice(0, first[0]!.indexOf(stopAt) + 1));
    const row1 = first[1]!.indexOf(stopAt);
    expect(stopped[1]).toEqual(row1 < 0 ? first[1] : first[1]!.slice(0, row1 + 1));
  });

  it('checks the cache has room before starting', async () => {
    const s = new Session(model, backend, { batch: 2 });
    await expect(generate(s, PROMPTS, { maxNew: 62, sampling: GREEDY })).rejects.toThrow(/needs 65 cache positions; maxSeqLen is 64/);
    await expect(generate(s, PROMPTS, { maxNew: 2, sampling: GREEDY, stop: [512] })).rejects.toThrow(/stop token 512 is out of range/);
    s.dispose();
  });
});
