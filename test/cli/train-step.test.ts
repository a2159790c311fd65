// `dsv3 train-step` in-process: on the training golden case (spec/golden/v3-tiny-train) its file meets every
// tolerance of the golden step (the comparisons `dsv3 verify` makes), and `dsv3 verify` runs the case as a
// training case; bad options and an existing output stop it before any work (exit 2), and a step whose loss is not
// finite fails it (exit 1), naming the tensor.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileBytes, directoryFiles } from '../../src/io/local-files.js';
import { SafetensorsFile, type FileArray, type TensorSpec } from '../../src/io/safetensors.js';
import { writeSafetensors } from '../../src/io/safetensors-writer.js';
import { GoldenCase } from '../../src/models/deepseek/verify/golden-case.js';
import { trainingComparisons } from '../../src/models/deepseek/verify/training-run.js';
import { tempDir } from '../io/temp-dir.js';
import { runCli } from '../support/cli.js';

const CASE = 'spec/golden/v3-tiny-train';
const CPU = ['--backend', 'cpu', '--quiet'];

/** The golden batch as --tokens rows. */
function goldenTokens(): string {
  const golden = GoldenCase.open(directoryFiles(CASE));
  try {
    return golden.tokens('training').map((row) => row.join(',')).join(';');
  } finally {
    golden.close();
  }
}

describe('dsv3 train-step', () => {
  it('writes a step that meets every tolerance of the golden step', async () => {
    const out = path.join(tempDir(), 'step.safetensors');
    const r = await runCli('train-step', '--model', CASE, '--tokens', goldenTokens(), '--out', out, ...CPU);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^loss: total 8\.92238\d*, main 6\.91250\d*, mtp 6\.69851\d*, balance 0\.000324\d*$/m);
    expect(r.out).toMatch(/^layer 1: MaxVio 1\.500, expert counts /m);
    expect(r.out).toMatch(/^loss after the step: total 7\.49586\d*/m);

    using file = SafetensorsFile.open(fileBytes(out));
    const got = Object.fromEntries(file.names().map((n) => [n, file.readIR(n)]));
    const golden = GoldenCase.open(directoryFiles(CASE));
    try {
      const results = trainingComparisons(got, golden);
      expect(results.filter((c) => !c.pass)).toEqual([]);
      const count = (prefix: string) => results.filter((c) => c.name.startsWith(prefix)).length;
      // Every parameter's gradient and update (202 tensors), the three gates' balance gradients, the three routers.
      expect([count('grad.'), count('grad_balance.'), count('adamw.param.'), count('bias.updated.'), count('step2.loss.total')]).toEqual([203, 3, 203, 3, 1]);
    } finally {
      golden.close();
    }
  }, 600_000);

  it('runs as the training case of dsv3 verify', async () => {
    const r = await runCli('verify', CASE, ...CPU);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}cpu train \(absorb\): (\d+)\/\1 pass$/m);
  }, 600_000);

  it('refuses bad options and an existing output before any work', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'step.safetensors');
    const args = ['--model', CASE, '--tokens', '1,2,3;4,5,6', '--out', out, ...CPU];
    const refused = async (extra: string[], message: RegExp) => {
      const r = await runCli('train-step', ...args, ...extra);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    };
    await refused(['--betas', '0.9'], /--betas takes two numbers/);
    await refused(['--betas', '0.9,1'], /--betas must both lie in \[0, 1\)/);
    await refused(['--clip', '0'], /--clip must be > 0/);
    await refused(['--lr=-1'], /--lr must be >= 0/);
    await refused(['--eps', 'Infinity'], /--eps must be a decimal number/);
    await refused(['--attn', 'flash'], /--attn must be absorb or naive/);
    fs.writeFileSync(out, 'keep');
    await refused([], /step\.safetensors already exists; pass --force/);
    expect(fs.readFileSync(out, 'utf8')).toBe('keep');
  });

  it('fails a step whose loss is not finite, naming it, and writes nothing', async () => {
    const dir = tempDir();
    using source = SafetensorsFile.open(fileBytes(path.join(CASE, 'model.safetensors')));
    const tensors: Record<string, TensorSpec & { data: FileArray }> = {};
    for (const name of source.names()) tensors[name] = { ...source.info(name), data: Float32Array.from(source.read(name) as Float32Array) };
    (tensors['model.norm.weight']!.data as Float32Array)[5] = NaN;
    writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
    fs.copyFileSync(path.join(CASE, 'config.json'), path.join(dir, 'config.json'));
    const out = path.join(dir, 'step.safetensors');
    const r = await runCli('train-step', '--model', dir, '--tokens', '4,486,292,467', '--out', out, ...CPU);
    expect(r.err).toMatch(/computed loss\.\S+ that is not finite: NaN at \[\]; the parameters are unchanged/);
    expect(r.code).toBe(1);
    expect(fs.existsSync(out)).toBe(false);
  }, 600_000);
});
