// The page `dsv3 report` writes, in Chromium: it renders without a script error or a request beyond the page, every
// chart is laid out with a line per series drawn across its plot, and every MoE layer's heatmap has a cell per
// expert and step. The metrics are a made-up run of 40 steps with two MoE layers. Skipped loudly without Chromium,
// unless DSV3_REQUIRE_BROWSER=1.

import type { Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StepMetrics } from '../../src/training/run/metrics.js';
import { reportPage } from '../../src/training/run/report/report-page.js';
import { useHeadlessChromium } from './headless-chromium.js';

const browser = useHeadlessChromium();

const [STEPS, EXPERTS] = [40, 8];

const metrics: StepMetrics[] = Array.from({ length: STEPS }, (_, i) => {
  const step = i + 1;
  const counts = (layer: number) => Array.from({ length: EXPERTS }, (_, e) => 8 + ((e * 5 + step * layer) % 7));
  return {
    step,
    tokens: step * 64,
    lr: 1e-3 * Math.min(1, step / 4),
    mtp_lambda: 0.3,
    balance_alpha: 1e-4,
    bias_gamma: 1e-3,
    loss: { total: 7 - step / 10, main: 5.5 - step / 12, mtp: 5.6 - step / 13, 'mtp.0': 5.6 - step / 13, balance: 2e-4, 'balance.1': 1e-4 + step * 1e-7, 'balance.2': 1e-4 },
    grad_norm: 2 / Math.sqrt(step),
    clip_coef: 1,
    maxvio: { 1: 0.5 + (step % 5) / 10, 2: 0.3 },
    expert_counts: { 1: counts(1), 2: counts(2) },
    seconds: 0.5,
  };
});

let page: Page;
let requests: string[];
let errors: string[];

beforeEach(async () => {
  page = await browser().newPage({ viewport: { width: 1300, height: 900 } });
  requests = [];
  errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setContent(reportPage('Training run test', undefined, metrics));
});

// Every test: no script error, no request beyond the page.
afterEach(async () => {
  expect(errors).toEqual([]);
  expect(requests.filter((url) => !url.startsWith('about:') && !url.startsWith('data:'))).toEqual([]);
  await page.close();
});

describe('dsv3 report page in Chromium', () => {
  it('renders the run\'s title and summary', async () => {
    expect(await page.textContent('h1')).toBe('Training run test');
    expect(await page.textContent('table')).toContain('to step 40');
  });

  it('lays out every chart with a line per series drawn across its plot', async () => {
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((f) => {
        const svg = f.querySelector('svg')!.getBoundingClientRect();
        const frame = f.querySelector('rect.frame')!.getBoundingClientRect();
        const lines = Array.from(f.querySelectorAll('polyline')).map((p) => {
          const box = p.getBoundingClientRect();
          return { series: p.dataset.series!, points: p.points.length, inside: box.left >= frame.left - 1 && box.right <= frame.right + 1 && box.top >= frame.top - 1 && box.bottom <= frame.bottom + 1, width: box.width / frame.width };
        });
        return { id: f.dataset.chart!, width: svg.width, height: svg.height, legend: f.querySelectorAll('.legend span').length, lines };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual(['loss', 'balance-loss', 'lr', 'grad-norm', 'maxvio']);
    expect(charts.map((c) => c.lines.map((l) => l.series))).toEqual([
      ['loss.total', 'loss.main', 'loss.mtp', 'loss.mtp.0'],
      ['loss.balance', 'loss.balance.1', 'loss.balance.2'],
      ['lr'],
      ['grad_norm'],
      ['layer 1', 'layer 2'],
    ]);
    for (const c of charts) {
      expect(c.width).toBeGreaterThan(400);
      expect(c.height).toBeGreaterThan(100);
      expect(c.legend).toBe(c.lines.length);
      for (const l of c.lines) {
        expect(l.points).toBe(STEPS);
        expect(l.inside).toBe(true);
        // From the first step to the last: across the whole plot.
        expect(l.width).toBeGreaterThan(0.99);
      }
    }
  });

  it('draws a heatmap per MoE layer with a coloured cell per expert and step', async () => {
    const maps = await page.$$eval('figure.heatmap', (figures) =>
      figures.map((f) => {
        const cells = Array.from(f.querySelectorAll('rect'));
        return { layer: f.dataset.layer, cells: cells.length, colours: new Set(cells.map((r) => getComputedStyle(r).fill)).size, height: f.querySelector('svg')!.getBoundingClientRect().height };
      }),
    );
    expect(maps.map((m) => [m.layer, m.cells])).toEqual([
      ['1', STEPS * EXPERTS],
      ['2', STEPS * EXPERTS],
    ]);
    for (const m of maps) {
      expect(m.colours).toBeGreaterThan(3);
      expect(m.height).toBeGreaterThan(50);
    }
  });
});
