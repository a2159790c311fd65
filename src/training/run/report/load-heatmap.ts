// The expert-load heatmap of one MoE layer for the training report: a row per routed expert, a column per step (or
// per group of consecutive steps in a long run), each cell coloured by the expert's load relative to the layer's
// mean load in those steps: white at the mean (perfect balance), blue below it, red above it up to 3× the mean.

import { escapeHtml } from './svg-chart.js';

/** At most this many columns: a longer run's steps are grouped evenly. */
const MAX_COLUMNS = 200;
const CELL_H = 10;
const WIDTH = 640;
const LEFT = 40;
/** Loads at or above this multiple of the mean get the darkest red. */
const TOP = 3;

/** The colour of a load `ratio` times the mean. */
function colour(ratio: number): string {
  const t = Math.min(1, ratio < 1 ? 1 - ratio : (ratio - 1) / (TOP - 1));
  const fade = Math.round(255 * (1 - t));
  return ratio < 1 ? `rgb(${fade},${fade},255)` : `rgb(255,${fade},${fade})`;
}

/** `counts[i]` the layer's expert counts at `steps[i]`. */
export function loadHeatmap(layer: string, steps: readonly number[], counts: readonly (readonly number[])[]): string {
  const experts = counts[0]?.length ?? 0;
  const columns = Math.min(MAX_COLUMNS, counts.length);
  const title = `Expert load, layer ${layer}`;
  if (columns === 0 || experts === 0) return `<figure class="heatmap" data-layer="${escapeHtml(layer)}"><h2>${escapeHtml(title)}</h2><p class="empty">no data</p></figure>`;
  const cellW = (WIDTH - LEFT) / columns;
  const cells: string[] = [];
  for (let c = 0; c < columns; c++) {
    const [from, to] = [Math.floor((c * counts.length) / columns), Math.floor(((c + 1) * counts.length) / columns)];
    const sums = new Array<number>(experts).fill(0);
    for (let s = from; s < to; s++) counts[s]!.forEach((n, e) => (sums[e]! += n));
    const mean = sums.reduce((a, b) => a + b, 0) / experts;
    const span = to - from > 1 ? `steps ${steps[from]}-${steps[to - 1]}` : `step ${steps[from]}`;
    sums.forEach((n, e) => {
      const ratio = mean > 0 ? n / mean : 1;
      cells.push(`<rect x="${(LEFT + c * cellW).toFixed(2)}" y="${e * CELL_H}" width="${cellW.toFixed(2)}" height="${CELL_H}" fill="${colour(ratio)}"><title>expert ${e}, ${span}: ${ratio.toFixed(2)}× the mean load</title></rect>`);
    });
  }
  const rows = Array.from({ length: experts }, (_, e) => (experts <= 16 || e % Math.ceil(experts / 16) === 0 ? `<text x="${LEFT - 4}" y="${e * CELL_H + CELL_H - 1}" text-anchor="end">${e}</text>` : '')).join('');
  const height = experts * CELL_H + 16;
  const axis = `<text x="${LEFT}" y="${height - 2}">step ${steps[0]}</text><text x="${WIDTH}" y="${height - 2}" text-anchor="end">step ${steps[steps.length - 1]}</text>`;
  return `<figure class="heatmap" data-layer="${escapeHtml(layer)}" data-experts="${experts}" data-columns="${columns}"><h2>${escapeHtml(title)}</h2><svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeHtml(title)}">${cells.join('')}${rows}${axis}</svg><figcaption>rows: experts; colour: load over the layer's mean (blue below, white at, red above, darkest at ${TOP}×)</figcaption></figure>`;
}
