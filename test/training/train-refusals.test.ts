// `dsv3 train` refusing what it cannot use, before any step (exit status 2), and stopping at a step that is not
// finite (exit status 1) with the step, the tensor and where the forward first went non-finite, keeping the last
// checkpoint.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetrics } from '../../src/training/run/metrics.js';
import { runCli } from '../support/cli.js';
import { editedCheckpoint } from '../support/edited-checkpoint.js';
import { tempDir } from '../io/temp-dir.js';

const CONFIG = 'data/tiny-byte-model.json';
const CORPUS = 'data/public-domain-corpus.txt';

const train = (...args: string[]) => runCli('train', '--steps', '3', '--batch', '2', '--seq', '8', '--quiet', ...args);

function configFile(changes: Record<string, unknown>): string {
  const file = path.join(tempDir(), 'config.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(CONFIG, 'utf8')), ...changes }));
  return file;
}

describe('dsv3 train refuses', () => {
  it('data too short for one row', async () => {
    const data = path.join(tempDir(), 'short.txt');
    fs.writeFileSync(data, 'seven b');
    const out = path.join(tempDir(), 'run');
    const r = await train('--config', CONFIG, '--data', data, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`dsv3 train: ${data}: 7 tokens, too few for one row of 8 (--seq); give more data or a shorter --seq`);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a config the model rejects, naming the key', async () => {
    const r = await train('--config', configFile({ num_experts_per_tok: 9 }), '--data', CORPUS, '--out', path.join(tempDir(), 'run'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/num_experts_per_tok/);
  });

  it('text for a vocabulary smaller than the bytes, without a tokenizer', async () => {
    const r = await train('--config', configFile({ vocab_size: 200 }), '--data', CORPUS, '--out', path.join(tempDir(), 'run'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('byte-level tokens (ids 0-255) need vocab_size >= 256, the model has 200');
  });

  it('an existing output folder without --force, and with --force one that is not a run', async () => {
    const out = tempDir();
    fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
    const r = await train('--config', CONFIG, '--data', CORPUS, '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`dsv3 train: ${out} already exists; pass --force to replace it`);
    const forced = await train('--config', CONFIG, '--data', CORPUS, '--out', out, '--force');
    expect(forced.code).toBe(2);
    expect(forced.err).toContain('is not the folder of a training run (no run.json)');
    expect(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('both or neither of --model and --config', async () => {
    const out = path.join(tempDir(), 'run');
    for (const start of [[], ['--config', CONFIG, '--model', 'spec/golden/v3-tiny-mtp']]) {
      const r = await train(...start, '--data', CORPUS, '--out', out);
      expect(r.code).toBe(2);
      expect(r.err).toContain('give one of --model DIR (a checkpoint) and --config FILE (random weights)');
    }
  });
});

describe('dsv3 train stops at a step that is not finite', () => {
  it('names the step and the tensor, and keeps the last checkpoint', async () => {
    const out = path.join(tempDir(), 'run');
    // A learning rate of 1e30 moves every weight by about 1e30 in the first step: the second overflows.
    const r = await train('--config', CONFIG, '--data', CORPUS, '--out', out, '--lr', '1e30', '--warmup', '0', '--checkpoint-every', '1');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^dsv3 train: step 2: the training step computed (loss|grad)\.\S+ that is not finite: .*; the parameters are unchanged\n/);
    expect(r.err).toMatch(new RegExp(`\\nthe run stopped; the checkpoint after step 1 is kept in ${path.join(out, 'checkpoint')}$`));
    expect(JSON.parse(fs.readFileSync(path.join(out, 'checkpoint', 'trainer-state.json'), 'utf8'))).toEqual({ step: 1 });
    expect(readMetrics(out).map((m) => m.step)).toEqual([1]);
  }, 300_000);

  it('replays a non-finite loss op by op to name the first value that went non-finite: here a NaN weight', async () => {
    const model = editedCheckpoint('spec/golden/v3-tiny-mtp', { tensors: (t) => void ((t['model.layers.1.self_attn.kv_a_proj_with_mqa.weight']!.data as Float32Array)[5] = NaN) });
    const r = await train('--model', model, '--data', CORPUS, '--out', path.join(tempDir(), 'run'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^dsv3 train: step 1: the training step computed loss\.\S+ that is not finite: /);
    expect(r.err).toMatch(/\nthe first non-finite value \(replayed op by op on cpu-reference\): .*model\.layers\.1\.self_attn\.kv_a_proj_with_mqa\.weight/);
    expect(r.err).toMatch(/\nthe run stopped; no checkpoint was due before it$/);
  }, 300_000);
});
