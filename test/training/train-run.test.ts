// `dsv3 train` in-process through main() on the bundled corpus and tiny config (data/): a short run from random
// weights lowers the loss and leaves a checkpoint `dsv3 forward` loads; metrics lines carry every loss, the
// learning rate, the gradient norm and each MoE layer's MaxVio and expert counts; a run stopped and resumed
// gives the same bytes as one run; expert-load.json is an input of `dsv3 eplb`.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPERT_LOAD_FILE } from '../../src/training/run/expert-load.js';
import { readMetrics, type StepMetrics } from '../../src/training/run/metrics.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../io/temp-dir.js';

const CONFIG = 'data/tiny-byte-model.json';
const CORPUS = 'data/public-domain-corpus.txt';
const [BATCH, SEQ, TOP_K] = [4, 16, 2];

/** `dsv3 train --config` of the tiny model on the corpus into `out`, with `args` added. */
const train = (out: string, ...args: string[]) =>
  runCli('train', '--config', CONFIG, '--data', CORPUS, '--out', out, '--batch', String(BATCH), '--seq', String(SEQ), '--quiet', ...args);

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('dsv3 train', () => {
  it('lowers the loss of a tiny model from random weights, logging every step, and leaves a checkpoint forward loads', async () => {
    const out = path.join(tempDir(), 'run');
    const r = await train(out, '--steps', '24', '--lr', '3e-3', '--warmup', '2', '--checkpoint-every', '10');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^trained to step 24 of 24 \(loss [\d.]+\); checkpoint in /);

    const metrics = readMetrics(out);
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    const main = metrics.map((m) => m.loss.main!);
    // From about ln 256 = 5.5 (uniform over bytes) towards the corpus's byte statistics.
    expect(main[0]).toBeGreaterThan(5.3);
    expect(mean(main.slice(-4))).toBeLessThan(mean(main.slice(0, 4)) - 0.4);
    const first: StepMetrics = metrics[0]!;
    expect(Object.keys(first.loss).sort()).toEqual(['balance', 'balance.1', 'balance.2', 'balance.main', 'balance.mtp', 'main', 'mtp', 'mtp.0', 'total']);
    expect(first.loss.total).toBeCloseTo(first.loss.main! + 0.3 * first.loss.mtp! + first.loss.balance!, 5);
    // A linear warmup over 2 steps, then a cosine over the other 22 from 3e-3 to 3e-4 (--lr-final's default).
    expect(metrics.map((m) => m.lr).slice(0, 3)).toEqual([1.5e-3, 3e-3, 3e-3]);
    expect(metrics[3]!.lr).toBeCloseTo(3e-4 + (2.7e-3 * (1 + Math.cos(Math.PI / 22))) / 2, 12);
    expect(metrics[23]!.lr).toBeCloseTo(3e-4 + (2.7e-3 * (1 + Math.cos((Math.PI * 21) / 22))) / 2, 12);
    expect(first.grad_norm).toBeGreaterThan(0);
    // Layer 1 routes every position of every row; the MTP block (layer 2) the T - 1 positions module 0 sees.
    const routed = (layer: string) => first.expert_counts[layer]!.reduce((a, b) => a + b, 0);
    expect([routed('1'), routed('2')]).toEqual([BATCH * SEQ * TOP_K, BATCH * (SEQ - 1) * TOP_K]);
    expect(Object.keys(first.maxvio)).toEqual(['1', '2']);

    const checkpoint = path.join(out, 'checkpoint');
    expect(JSON.parse(fs.readFileSync(path.join(checkpoint, 'trainer-state.json'), 'utf8'))).toEqual({ step: 24 });
    const dump = path.join(tempDir(), 'forward.safetensors');
    const forward = await runCli('forward', '--model', checkpoint, '--tokens', '84,104,101', '--out', dump, '--quiet');
    expect(forward.err).toBe('');
    expect(forward.code).toBe(0);
  }, 600_000);

  it('writes the expert loads summed over the steps as an input dsv3 eplb balances for a deployment given as flags', async () => {
    const out = path.join(tempDir(), 'run');
    expect((await train(out, '--steps', '2')).code).toBe(0);
    const file = path.join(out, EXPERT_LOAD_FILE);
    const load = JSON.parse(fs.readFileSync(file, 'utf8'));
    const counts = readMetrics(out).map((m) => m.expert_counts);
    expect(load).toEqual({
      layers: [1, 2],
      steps: 2,
      weight: ['1', '2'].map((layer) => counts[0]![layer]!.map((c, e) => c + counts[1]![layer]![e]!)),
      num_replicas: 8,
      num_groups: 2,
      num_nodes: 1,
      num_gpus: 1,
    });

    const asWritten = await runCli('eplb', '--input', file);
    expect(asWritten.err).toBe('');
    expect(JSON.parse(asWritten.out).logcnt).toEqual([Array(8).fill(1), Array(8).fill(1)]);
    const deployed = await runCli('eplb', '--input', file, '--replicas', '12', '--nodes', '2', '--gpus', '4');
    expect(deployed.err).toBe('');
    const { phy2log, logcnt } = JSON.parse(deployed.out) as { phy2log: number[][]; logcnt: number[][] };
    expect(logcnt.map((row) => row.reduce((a, b) => a + b, 0))).toEqual([12, 12]);
    expect(phy2log.map((row) => row.length)).toEqual([12, 12]);
  }, 600_000);

  it('continues a stopped run bit for bit: 2 + 2 steps resumed give the bytes of 4 steps in one run', async () => {
    const [whole, parts] = [path.join(tempDir(), 'whole'), path.join(tempDir(), 'parts')];
    const run = ['--steps', '4', '--checkpoint-every', '3', '--seed', '7'];
    expect((await train(whole, ...run)).code).toBe(0);
    const stopped = await train(parts, ...run, '--stop-after', '2');
    expect(stopped.out).toMatch(/^trained to step 2 of 4/);
    // A run killed after logging step 3 but before its checkpoint: the resume drops that line.
    const logged = fs.readFileSync(path.join(parts, 'metrics.jsonl'), 'utf8');
    fs.appendFileSync(path.join(parts, 'metrics.jsonl'), logged.split('\n')[1]!.replace('"step":2', '"step":3') + '\n');
    const resumed = await train(parts, ...run, '--resume');
    expect(resumed.err).toBe('');
    expect(resumed.code).toBe(0);

    for (const file of ['model.safetensors', 'optimizer.safetensors', 'trainer-state.json', 'config.json'])
      expect(fs.readFileSync(path.join(parts, 'checkpoint', file)).equals(fs.readFileSync(path.join(whole, 'checkpoint', file))), file).toBe(true);
    expect(fs.readFileSync(path.join(parts, EXPERT_LOAD_FILE), 'utf8')).toBe(fs.readFileSync(path.join(whole, EXPERT_LOAD_FILE), 'utf8'));
    const withoutTime = (dir: string) => readMetrics(dir).map(({ seconds: _, ...m }) => m);
    expect(withoutTime(parts)).toEqual(withoutTime(whole));

    const other = await train(parts, ...run, '--resume', '--lr', '2e-3');
    expect(other.code).toBe(2);
    expect(other.err).toContain('lr.peak: the run has 0.001, asked 0.002');
    const done = await train(whole, ...run, '--resume');
    expect(done.code).toBe(2);
    expect(done.err).toContain('is at step 4 already');
  }, 600_000);
});
