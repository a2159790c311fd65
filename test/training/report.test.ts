// `dsv3 report` on a run's folder: one page with a chart per quantity and a heatmap per MoE layer, each with as
// many points as the run logged steps; refusals. (The page in Chromium: test/browser/training-report.test.ts.)

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../io/temp-dir.js';

describe('dsv3 report', () => {
  it('draws every loss, the learning rate, the gradient norm, MaxVio and the expert load of a run', async () => {
    const run = path.join(tempDir(), 'run');
    const trained = await runCli('train', '--config', 'data/tiny-byte-model.json', '--data', 'data/public-domain-corpus.txt', '--out', run, '--steps', '3', '--batch', '2', '--seq', '8', '--quiet');
    expect(trained.code).toBe(0);
    // A run still going: its last line is not finished yet.
    fs.appendFileSync(path.join(run, 'metrics.jsonl'), '{"step":4,"lo');

    const r = await runCli('report', run);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`wrote ${path.join(run, 'report.html')}: 3 steps`);
    const html = fs.readFileSync(path.join(run, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|src=|href=/);
    const series = [...html.matchAll(/<polyline data-series="([^"]+)" data-points="(\d+)"/g)].map((m) => [m[1], Number(m[2])]);
    expect(series.map(([n]) => n)).toEqual([
      ...['loss.total', 'loss.main', 'loss.mtp', 'loss.mtp.0'],
      ...['loss.balance', 'loss.balance.1', 'loss.balance.2', 'loss.balance.main', 'loss.balance.mtp'],
      ...['lr', 'grad_norm', 'layer 1', 'layer 2'],
    ]);
    expect(series.every(([, n]) => n === 3)).toBe(true);
    expect([...html.matchAll(/<figure class="heatmap" data-layer="(\d+)" data-experts="8" data-columns="3">/g)].map((m) => m[1])).toEqual(['1', '2']);

    expect((await runCli('report', run)).code).toBe(2);
    expect((await runCli('report', run, '--force')).code).toBe(0);
  }, 300_000);

  it('refuses a folder that is not a run', async () => {
    const dir = tempDir();
    const r = await runCli('report', dir);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`dsv3 report: ${dir} is not the folder of a training run (no run.json)`);
  });
});
