// Line charts as inline SVG for the training report: axes with round ticks, one polyline per series, a legend.
// Drawn when the page is written, so the page needs no script and no request to show them.

export interface Series {
  readonly name: string;
  /** [x, y] pairs, x ascending; non-finite y are left out. */
  readonly points: readonly (readonly [number, number])[];
}

export interface LineChart {
  /** Names the chart in the page (data-chart) and in its heading. */
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly series: readonly Series[];
  /** A logarithmic y axis (for the learning rate and the gradient norm); y <= 0 is then left out. */
  readonly logY?: boolean;
}

const [WIDTH, HEIGHT] = [640, 260];
const MARGIN = { left: 64, right: 12, top: 12, bottom: 36 };
/** At most this many points per polyline: long runs are thinned evenly. */
const MAX_POINTS = 1000;
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** About `count` round values (1, 2 or 5 times a power of ten apart) spanning [lo, hi]. */
function ticks(lo: number, hi: number, count = 5): number[] {
  if (lo === hi) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

const label = (v: number): string => (v !== 0 && (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2) ? v.toExponential(1) : String(Number(v.toPrecision(4))));

function thinned(points: readonly (readonly [number, number])[]): (readonly [number, number])[] {
  const stride = Math.ceil(points.length / MAX_POINTS);
  return points.filter((_, i) => i % stride === 0 || i === points.length - 1);
}

export function lineChart(c: LineChart): string {
  const usable = c.series.map((s) => ({ name: s.name, points: thinned(s.points.filter(([, y]) => Number.isFinite(y) && (!c.logY || y > 0))) }));
  const all = usable.flatMap((s) => s.points);
  if (all.length === 0) return `<figure class="chart" data-chart="${c.id}"><h2>${escapeHtml(c.title)}</h2><p class="empty">no data</p></figure>`;
  const f = (y: number) => (c.logY ? Math.log10(y) : y);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => f(y));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => MARGIN.left + (x1 === x0 ? plotW / 2 : ((x - x0) / (x1 - x0)) * plotW);
  const py = (v: number) => MARGIN.top + plotH - ((v - y0) / (y1 - y0)) * plotH;
  const yTicks = c.logY ? ticks(Math.floor(y0), Math.ceil(y1), Math.ceil(y1) - Math.floor(y0)).filter((v) => v >= y0 && v <= y1) : ticks(y0, y1);
  const grid = [
    ...yTicks.map((v) => `<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}"/><text x="${MARGIN.left - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end">${label(c.logY ? 10 ** v : v)}</text>`),
    ...ticks(x0, x1).map((v) => `<text x="${px(v).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${label(v)}</text>`),
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 4}" text-anchor="middle">${escapeHtml(c.xLabel)}</text>`,
    `<rect class="frame" x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}"/>`,
  ];
  const lines = usable.map(
    (s, i) =>
      `<polyline data-series="${escapeHtml(s.name)}" data-points="${s.points.length}" stroke="${PALETTE[i % PALETTE.length]}" points="${s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(f(y)).toFixed(1)}`).join(' ')}"/>`,
  );
  const legend = usable.map((s, i) => `<span><i style="background:${PALETTE[i % PALETTE.length]}"></i>${escapeHtml(s.name)}</span>`).join('');
  return `<figure class="chart" data-chart="${c.id}"><h2>${escapeHtml(c.title)}</h2><svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(c.title)}">${grid.join('')}${lines.join('')}</svg><figcaption class="legend">${legend}</figcaption></figure>`;
}
