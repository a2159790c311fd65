// Speculative decoding with the MTP modules (speculative.ts) on the CPU backends: greedy output equals plain greedy
// output token for token over random prompts, lengths, depths and models (the golden MTP model, a two-module copy of
// it, and tiny random models with one and two modules); after any mix of accepted and rejected drafts the main KV
// caches equal a plain run's at the same position bit for bit, and so do the MTP modules' caches where they rest on
// accepted tokens; sampled output repeats under a seed and follows the main model's distribution (chi-square).

import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backends/backend.js';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import type { TensorData } from '../../src/ir/index.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { generate } from '../../src/models/deepseek/generate.js';
import { loadModel, type LoadedModel } from '../../src/models/deepseek/loaded-model.js';
import { MtpDrafter } from '../../src/models/deepseek/mtp-drafter.js';
import { GREEDY, tokenProbabilities, type SamplingOptions } from '../../src/models/deepseek/sampling.js';
import { Session } from '../../src/models/deepseek/session.js';
import { generateSpeculative, type SpeculativeResult } from '../../src/models/deepseek/speculative.js';
import { chiSquareTest } from '../support/chi-square.js';
import { tinyMtpCheckpoint, type TinyMtpOptions } from '../support/speculative-models.js';
import { twoModuleCheckpoint } from '../support/two-module-checkpoint.js';

const MAX_SEQ = 16;
const BACKENDS: [string, Backend][] = [['cpu', cpuBackend()], ['cpu-reference', cpuBackend({ mode: 'reference' })]];
const made: string[] = [];
afterAll(() => {
  for (const [, b] of BACKENDS) b.dispose();
  for (const dir of made) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

async function tiny(o: TinyMtpOptions): Promise<LoadedModel> {
  const dir = await tinyMtpCheckpoint(BACKENDS[0]![1], o);
  made.push(dir);
  return loadModel(directoryFiles(dir));
}

/** The first `n` positions of every row of a cache [B, maxSeqLen, ...], as bytes. */
function firstPositions(t: TensorData, n: number): Buffer[] {
  const [B, T] = t.shape as [number, number];
  const inner = t.data.length / (B * T);
  return Array.from({ length: B }, (_, b) => Buffer.from((t.data as Float32Array).slice(b * T * inner, (b * T + n) * inner).buffer));
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

describe('speculative decoding', () => {
  const models: { name: string; model: LoadedModel }[] = [];
  let peaked: LoadedModel;
  beforeAll(async () => {
    models.push(
      { name: 'golden v3-tiny-mtp (1 module)', model: loadModel(directoryFiles('spec/golden/v3-tiny-mtp')) },
      { name: 'golden with a second module', model: loadModel(directoryFiles(twoModuleCheckpoint())) },
      // Random models of a 3-token vocabulary and drafters that always propose token 0: with flat weights (std 0.02)
      // the main model always says 0 and every draft is accepted; with peaked ones some are and some are not.
      { name: 'tiny random, flat, 2 modules', model: await tiny({ vocab: 3, modules: 2, seed: 2, std: 0.02, zeroDrafts: true }) },
      { name: 'tiny random, peaked, 2 modules', model: await tiny({ vocab: 3, modules: 2, seed: 2, std: 0.3, zeroDrafts: true }) },
      { name: 'tiny random, peaked, 1 module', model: await tiny({ vocab: 3, modules: 1, seed: 2, std: 0.3, zeroDrafts: true }) },
    );
    // Peaked distributions, far from the drafter's, for the sampling checks.
    peaked = await tiny({ vocab: 3, modules: 2, seed: 3, std: 0.3 });
  });

  for (const [label, backend] of BACKENDS) {
    it(`greedy output equals plain greedy output (${label})`, async () => {
      // Sessions and drafters are kept per model and batch, so graphs compile once per chunk length.
      const kept = new Map<string, { plain: Session; spec: Session; drafter: MtpDrafter }>();
      const judged: number[] = [];
      const accepted: number[] = [];
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 1, max: 2 }),
            fc.integer({ min: 1, max: 3 }),
            fc.integer({ min: 1, max: 10 }),
            fc.infiniteStream(fc.nat()),
            async (batch, promptLength, maxNew, ids) => {
              for (const [m, { name, model }] of models.entries()) {
                // Every module drafts; fewer drafts are checked too, near the end of a run, when the rows need fewer tokens.
                const depth = model.weights.layout.mtp.length;
                const V = model.config.vocabSize;
                const prompts = Array.from({ length: batch }, () => Array.from({ length: promptLength }, () => ids.next().value % V));
                const key = `${m}/${batch}`;
                if (!kept.has(key)) {
                  const options = { batch, maxSeqLen: MAX_SEQ };
                  const drafter = new MtpDrafter({ ...model, settings: { ...model.settings, maxSeqLen: MAX_SEQ } }, backend, batch, model.weights.layout.mtp.length);
                  kept.set(key, { plain: new Session(model, backend, options), spec: new Session(model, backend, options), drafter });
                }
                const s = kept.get(key)!;
                s.plain.reset();
                s.spec.reset();
                const want = await generate(s.plain, prompts, { maxNew, sampling: GREEDY });
                const got = await generateSpeculative(s.spec, prompts, { maxNew, sampling: GREEDY, depth, drafter: s.drafter });
                expect(got.tokens, name).toEqual(want);
                got.judged.forEach((n, k) => {
                  judged[k] = (judged[k] ?? 0) + n;
                  accepted[k] = (accepted[k] ?? 0) + got.accepted[k]!;
                });
              }
            },
          ),
          { numRuns: 6 },
        );
      } finally {
        for (const s of kept.values()) [s.plain, s.spec, s.drafter].forEach((x) => x.dispose());
      }
      // Not vacuous: first drafts were both accepted and rejected, and second drafts were judged.
      expect(accepted[0]).toBeGreaterThan(0);
      expect(judged[0]).toBeGreaterThan(accepted[0]!);
      expect(judged[1]).toBeGreaterThan(0);
    }, 600_000);

    it(`rolls the caches back: they equal a plain run's at the same position (${label})`, async () => {
      const model = peaked;
      const prompts = [[1, 2, 0], [2, 0, 2]];
      const depth = 2;
      const spec = new Session(model, backend, { batch: 2, maxSeqLen: MAX_SEQ });
      const drafter = new MtpDrafter({ ...model, settings: { ...model.settings, maxSeqLen: MAX_SEQ } }, backend, 2, depth);
      const plain = new Session(model, backend, { batch: 2, maxSeqLen: MAX_SEQ });
      const fresh = new MtpDrafter({ ...model, settings: { ...model.settings, maxSeqLen: MAX_SEQ } }, backend, 2, depth);
      try {
        // Sampling at temperature 1 on a 3-token vocabulary accepts some drafts and rejects others.
        const r = await generateSpeculative(spec, prompts, { maxNew: 12, sampling: { temperature: 1, seed: 4 }, depth, drafter });
        expect(sum(r.accepted)).toBeGreaterThan(0);
        expect(sum(r.judged)).toBeGreaterThan(sum(r.accepted));
        const tokens = prompts.map((p, b) => [...p, ...r.tokens[b]!]);
        // The plain run: the prompt, then one token per step.
        await plain.forward(prompts);
        for (let pos = prompts[0]!.length; pos < spec.position; pos++) await plain.forward(tokens.map((row) => [row[pos]!]));
        const [want, got] = [await plain.readCaches(), await spec.readCaches()];
        for (const name of Object.keys(want)) expect(firstPositions(got[name]!, spec.position), name).toEqual(firstPositions(want[name]!, spec.position));

        // The modules' caches against a drafter run once over the same accepted tokens.
        const N = drafter.acceptedPositions[0]!;
        plain.reset();
        const main = await plain.forward(tokens.map((row) => row.slice(0, N)));
        await fresh.draft(tokens.map((row) => row.slice(0, N + 1)), { start: 0, data: main.outputs.final_norm! }, depth, () => 0);
        for (let k = 0; k < depth; k++) {
          // Module 1 sits out the last step when one draft is all the rows still need, so it may hold fewer.
          const n = drafter.acceptedPositions[k]!;
          expect(fresh.acceptedPositions[k]).toBeGreaterThanOrEqual(n);
          expect(n).toBeGreaterThan(prompts[0]!.length);
          const [a, b] = [await fresh.readCaches(k), await drafter.readCaches(k)];
          for (const name of Object.keys(a)) expect(firstPositions(b[name]!, n), name).toEqual(firstPositions(a[name]!, n));
        }
      } finally {
        [spec, drafter, plain, fresh].forEach((x) => x.dispose());
      }
    }, 300_000);
  }

  it('repeats under a seed, and sampled tokens follow the main model (chi-square at 0.001)', async () => {
    const backend = BACKENDS[0]![1];
    const model = peaked;
    const V = model.config.vocabSize;
    const sampling: SamplingOptions = { temperature: 1, seed: 0 };
    const ROWS = 400;
    const RUNS = 4;
    const prompt = [1, 2];
    const session = new Session(model, backend, { batch: ROWS, maxSeqLen: 8 });
    const drafter = new MtpDrafter({ ...model, settings: { ...model.settings, maxSeqLen: 8 } }, backend, ROWS, 2);
    const exact = new Session(model, backend, { batch: V * V, maxSeqLen: 8 });
    try {
      const run = async (seed: number): Promise<SpeculativeResult> => {
        session.reset();
        return generateSpeculative(session, new Array(ROWS).fill(prompt), { maxNew: 3, sampling: { ...sampling, seed }, depth: 2, drafter });
      };
      const first = await run(0);
      expect((await run(0)).tokens).toEqual(first.tokens);
      // Every row seeds its own stream (seed + row), so runs seeded ROWS apart draw independent samples.
      const samples = [first];
      for (let i = 1; i < RUNS; i++) samples.push(await run(i * ROWS));
      const counts = new Array<number>(V ** 3).fill(0);
      for (const s of samples) for (const [a, b, c] of s.tokens) counts[(a! * V + b!) * V + c!]!++;
      // The main model's probability of each (t1, t2, t3): the prompt's logits, then those after every (t1, t2).
      const pairs = Array.from({ length: V * V }, (_, i) => [...prompt, Math.floor(i / V), i % V]);
      const { logits } = await exact.forward(pairs);
      const p = (row: number, pos: number) => tokenProbabilities(logits.data.subarray((row * 4 + pos) * V, (row * 4 + pos + 1) * V), sampling);
      const expected = counts.map((_, i) => {
        const [a, b, c] = [Math.floor(i / (V * V)), Math.floor(i / V) % V, i % V];
        return p(0, 1)[a]! * p(a * V + b, 2)[b]! * p(a * V + b, 3)[c]!;
      });
      const r = chiSquareTest(counts, expected, 0.001);
      expect(r.pass, `chi-square ${r.statistic.toFixed(1)} > ${r.critical.toFixed(1)} (df ${r.df})`).toBe(true);
      expect(sum(first.accepted)).toBeGreaterThan(0);
    } finally {
      [session, drafter, exact].forEach((x) => x.dispose());
    }
  }, 300_000);
});
