// How `dsv3 verify` and `dsv3 diff` print comparisons: a table in the order the model computes the tensors (each
// with its largest and relative difference, the elements out of tolerance and the worst element with both values),
// and a summary line that names the first tensor to diverge, since everything after it inherits its error.

import type { Comparison } from './compare.js';
import { inLayerOrder } from './layer-order.js';

const number = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(8))) : String(x));
const exponent = (x: number | undefined): string => (x === undefined ? '-' : Number.isFinite(x) ? x.toExponential(2) : String(x));

/** "[0,3,17]: 1.234 vs 1.201", or what went wrong when no element says it. */
export function describeWorst(c: Comparison): string {
  if (c.detail !== undefined) return c.detail;
  return c.worst ? `[${c.worst.index.join(',')}]: ${number(c.worst.got)} vs ${number(c.worst.expected)}` : '';
}

/** The first failing comparison in the order the model computes the tensors. */
export const firstDivergence = (results: readonly Comparison[]): Comparison | undefined => inLayerOrder(results, (c) => c.name).find((c) => !c.pass);

/** "152/152 pass", or "3 of 152 fail; first divergence: NAME: 24/24 out of tolerance, max |Δ| 3.2e-2, worst [0,5]: 1.2 vs 1.1". */
export function summarize(results: readonly Comparison[]): string {
  const first = firstDivergence(results);
  if (first === undefined) return `${results.length}/${results.length} pass`;
  const failed = results.filter((c) => !c.pass).length;
  return `${failed} of ${results.length} fail; first divergence: ${first.name}: ${first.failing}/${first.count} out of tolerance, max |Δ| ${exponent(first.maxError)}, worst ${describeWorst(first)}`;
}

/** The table of `results` in layer order, one line per comparison under a header; `values` names the worst element's two values. */
export function comparisonTable(results: readonly Comparison[], values: string, indent = ''): string[] {
  const rows = inLayerOrder(results, (c) => c.name).map((c) => [
    c.pass ? 'pass' : 'FAIL',
    c.name,
    exponent(c.maxError),
    exponent(c.relError),
    `${c.failing}/${c.count}`,
    c.tolerance,
    describeWorst(c),
  ]);
  const header = ['', 'tensor', 'max |Δ|', 'rel', 'out of tol', 'tolerance', `worst element (${values})`];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => indent + r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}
