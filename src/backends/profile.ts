// Where a run's time went: the per-kernel wall times of a profiled run (RunOptions.profile) summed by region — the
// outermost composite a kernel's ops came from, a claimed composite's own name for its library kernel — and the
// slowest kernels. `dsv3 forward --profile` prints it for every step. Compiling is never in these times (a backend
// compiles, WebGPU's pipelines included, before the first run); a step that compiled its graph reports that apart.

import type { CompileTime, KernelTime } from './backend.js';

/** A kernel's region: its outermost composite, or the composite or primitive its library kernel runs. */
export function kernelRegion(t: KernelTime): string {
  return t.origin[0] ?? (t.kind.startsWith('library:') ? t.kind.slice('library:'.length) : '(outside composites)');
}

export interface RegionTime {
  readonly region: string;
  readonly kernels: number;
  readonly seconds: number;
}

/** Time per region, slowest first (ties by name). */
export function timeByRegion(times: readonly KernelTime[]): RegionTime[] {
  const regions = new Map<string, { kernels: number; seconds: number }>();
  for (const t of times) {
    const region = kernelRegion(t);
    const r = regions.get(region) ?? { kernels: 0, seconds: 0 };
    r.kernels++;
    r.seconds += t.seconds;
    regions.set(region, r);
  }
  return [...regions].map(([region, r]) => ({ region, ...r })).sort((a, b) => b.seconds - a.seconds || a.region.localeCompare(b.region));
}

const ms = (seconds: number) => `${(seconds * 1000).toFixed(3)} ms`;
const share = (seconds: number, total: number) => `${total > 0 ? ((100 * seconds) / total).toFixed(1) : '0.0'}%`;

function table(header: readonly string[], rows: readonly (readonly string[])[], numeric: ReadonlySet<number>): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]) => cells.map((x, c) => (numeric.has(c) ? x.padStart(widths[c]!) : x.padEnd(widths[c]!))).join('  ').trimEnd();
  return [header, ...rows].map(line);
}

export interface ProfileFormat {
  /** How many of the slowest kernels to list (default 8). */
  readonly top?: number;
  /** The compile this run waited for first, when it did (Session's `compiled`): reported apart from the kernels. */
  readonly compiled?: CompileTime;
}

const seconds = (s: number) => `${s.toFixed(3)} s`;

/** The profile of one run as text: the total, what compiling took apart, the time per region and the slowest kernels. */
export function formatProfile(times: readonly KernelTime[], { top = 8, compiled }: ProfileFormat = {}): string {
  const total = times.reduce((s, t) => s + t.seconds, 0);
  const regions = timeByRegion(times).map((r) => [r.region, String(r.kernels), ms(r.seconds), share(r.seconds, total)]);
  const slowest = [...times]
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, top)
    .map((t) => [t.kernel, t.kind, kernelRegion(t), ms(t.seconds), share(t.seconds, total)]);
  return [
    `${times.length} kernels, ${ms(total)}`,
    ...(compiled ? [`compiled first, not counted above: the compiler ${seconds(compiled.compiler)}, on the device (weights, kernels) ${seconds(compiled.device)}`] : []),
    ...table(['region', 'kernels', 'time', 'share'], regions, new Set([1, 2, 3])),
    `slowest ${slowest.length}:`,
    ...table(['kernel', 'kind', 'region', 'time', 'share'], slowest, new Set([3, 4])),
  ].join('\n');
}
