// `dsv3 report`'s page: one self-contained HTML file (inline style and SVG, no script, no request) drawing a
// training run from its metrics.jsonl: every loss, the learning rate, the gradient norm, MaxVio_batch per MoE layer
// over the steps, and an expert-load heatmap per MoE layer.

import type { StepMetrics } from '../metrics.js';
import type { RunRecipe } from '../run-recipe.js';
import { loadHeatmap } from './load-heatmap.js';
import { escapeHtml, lineChart, type Series } from './svg-chart.js';

const STYLE = `body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px}
figure{margin:0;border:1px solid #ddd;border-radius:6px;padding:8px 12px}h2{font-size:15px;margin:4px 0 8px}
svg{width:100%;height:auto;font-size:11px}polyline{fill:none;stroke-width:1.5}.grid{stroke:#eee}.frame{fill:none;stroke:#999}
.legend span{margin-right:12px;white-space:nowrap}.legend i{display:inline-block;width:12px;height:3px;margin-right:4px;vertical-align:middle}
table{border-collapse:collapse;margin-bottom:16px}td{padding:1px 12px 1px 0}.empty{color:#999}`;

const byStep = (metrics: readonly StepMetrics[], value: (m: StepMetrics) => number | undefined): [number, number][] =>
  metrics.flatMap((m) => {
    const v = value(m);
    return v === undefined ? [] : [[m.step, v] as [number, number]];
  });

/** The keys of `pick(m)` over every step, in first-seen order. */
const keysOf = (metrics: readonly StepMetrics[], pick: (m: StepMetrics) => Readonly<Record<string, unknown>>): string[] => [...new Set(metrics.flatMap((m) => Object.keys(pick(m))))];

/** The sums first (total, main, mtp, balance), then their terms in name order. */
const LEADING = ['total', 'main', 'mtp', 'balance'];
const ordered = (names: readonly string[]): string[] => [...LEADING.filter((n) => names.includes(n)), ...names.filter((n) => !LEADING.includes(n)).sort()];

const series = (metrics: readonly StepMetrics[], names: readonly string[], pick: (m: StepMetrics) => Readonly<Record<string, number>>, label: (name: string) => string): Series[] =>
  names.map((n) => ({ name: label(n), points: byStep(metrics, (m) => pick(m)[n]) }));

function summary(recipe: RunRecipe | undefined, metrics: readonly StepMetrics[]): string {
  const last = metrics[metrics.length - 1];
  const rows: [string, string][] = [
    ['steps logged', last ? `${metrics.length} (to step ${last.step}${recipe ? ` of ${recipe.steps}` : ''})` : '0'],
    ...(last ? ([['tokens', last.tokens.toLocaleString('en-US')], ['last loss', `${last.loss.total?.toPrecision(6)} (main ${last.loss.main?.toPrecision(6)})`]] as [string, string][]) : []),
  ];
  if (recipe) {
    const start = 'model' in recipe.start ? `checkpoint ${recipe.start.model}` : `random weights for ${recipe.start.config} (std ${recipe.start.std})`;
    rows.push(
      ['start', start],
      ['data', `${recipe.data.file} (${recipe.data.tokens.toLocaleString('en-US')} tokens, ${recipe.data.encoding})`],
      ['batch', `${recipe.batch} × ${recipe.seqLen} tokens, seed ${recipe.seed}`],
      ['learning rate', `warmup ${recipe.lr.warmup} steps to ${recipe.lr.peak}, cosine to ${recipe.lr.final}`],
      ['λ, α, γ', `${recipe.mtpLambda}, ${recipe.balanceAlpha}, ${recipe.biasGamma}`],
      ['AdamW', `betas ${recipe.betas.join(', ')}, eps ${recipe.eps}, weight decay ${recipe.weightDecay}; clip ${recipe.clip}`],
    );
  }
  return `<table>${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

export function reportPage(title: string, recipe: RunRecipe | undefined, metrics: readonly StepMetrics[]): string {
  const losses = keysOf(metrics, (m) => m.loss);
  const balance = losses.filter((k) => k.startsWith('balance'));
  const layers = keysOf(metrics, (m) => m.maxvio);
  const figures = [
    lineChart({ id: 'loss', title: 'Losses', xLabel: 'step', series: series(metrics, ordered(losses.filter((k) => !k.startsWith('balance'))), (m) => m.loss, (k) => `loss.${k}`) }),
    lineChart({ id: 'balance-loss', title: 'Sequence-wise balance loss', xLabel: 'step', series: series(metrics, ordered(balance), (m) => m.loss, (k) => `loss.${k}`) }),
    lineChart({ id: 'lr', title: 'Learning rate', xLabel: 'step', logY: true, series: [{ name: 'lr', points: byStep(metrics, (m) => m.lr) }] }),
    lineChart({ id: 'grad-norm', title: 'Gradient norm (before clipping)', xLabel: 'step', logY: true, series: [{ name: 'grad_norm', points: byStep(metrics, (m) => m.grad_norm) }] }),
    lineChart({ id: 'maxvio', title: 'MaxVio_batch per MoE layer', xLabel: 'step', series: series(metrics, layers, (m) => m.maxvio, (l) => `layer ${l}`) }),
    ...layers.map((l) => {
      const logged = metrics.filter((m) => m.expert_counts[l] !== undefined);
      return loadHeatmap(l, logged.map((m) => m.step), logged.map((m) => m.expert_counts[l]!));
    }),
  ];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>${summary(recipe, metrics)}<main>${figures.join('\n')}</main></body></html>
`;
}
