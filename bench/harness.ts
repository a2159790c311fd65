// Timing and reporting for `npm run bench`. The machines are shared and noisy, so a figure is the best
// (and median) of several timed runs after warm-up, each starting from a collected heap, and every kernel is
// reported next to a baseline measured in the same run.

export interface Timing {
  /** Fastest single call, in seconds. */
  best: number;
  median: number;
  /** Least CPU time of a call, in seconds: what `best` would be if no other process shared the core. */
  bestCpu: number;
  /** Timed calls (after warm-up). */
  runs: number;
  /**
   * CPU time this process got over wall-clock time while timing: near 1 on an idle core. Well below 1
   * means other processes took the core, and the figures understate the code.
   */
  cpuShare: number;
}

export interface TimingOptions {
  /** Keep timing until this much time has been spent (default 0.3 s)... */
  targetSeconds?: number;
  /** ...and at least this many runs (default 5), but never more than maxRuns (default 10000). */
  minRuns?: number;
  maxRuns?: number;
  /** Untimed calls first, so the JIT has compiled the hot loops (default 1). */
  warmupRuns?: number;
}

/** A full garbage collection where the process allows one (`npm run bench` runs node with --expose-gc). */
const collectGarbage: () => void = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Timed calls, collected until the options are met. */
class Samples {
  private readonly seconds: number[] = [];
  private spent = 0;
  private cpuSpent = 0;
  private bestCpu = Infinity;
  private readonly target: number;
  private readonly minRuns: number;
  private readonly maxRuns: number;

  constructor(options: TimingOptions) {
    this.target = options.targetSeconds ?? 0.3;
    this.minRuns = options.minRuns ?? 5;
    this.maxRuns = options.maxRuns ?? 10_000;
  }

  wanted(): boolean {
    return this.seconds.length < this.maxRuns && (this.seconds.length < this.minRuns || this.spent < this.target);
  }

  /** Starts a timed call from a collected heap, so that garbage another function left is not collected on its time. */
  start(): { wall: number; cpu: NodeJS.CpuUsage } {
    collectGarbage();
    return { cpu: process.cpuUsage(), wall: performance.now() };
  }

  stop(start: { wall: number; cpu: NodeJS.CpuUsage }): void {
    const seconds = (performance.now() - start.wall) / 1000;
    const cpu = process.cpuUsage(start.cpu);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    this.seconds.push(seconds);
    this.spent += seconds;
    this.cpuSpent += cpuSeconds;
    this.bestCpu = Math.min(this.bestCpu, cpuSeconds);
  }

  timing(): Timing {
    const sorted = [...this.seconds].sort((x, y) => x - y);
    return { best: sorted[0]!, median: sorted[sorted.length >> 1]!, bestCpu: this.bestCpu, runs: sorted.length, cpuShare: this.cpuSpent / this.spent };
  }
}

export function measure(fn: () => void, options: TimingOptions = {}): Timing {
  for (let i = 0; i < (options.warmupRuns ?? 1); i++) fn();
  const samples = new Samples(options);
  while (samples.wanted()) {
    const start = samples.start();
    fn();
    samples.stop(start);
  }
  return samples.timing();
}

/** `measure` for a function that returns a promise: each call is timed until it settles. */
export async function measureAsync(fn: () => Promise<void>, options: TimingOptions = {}): Promise<Timing> {
  for (let i = 0; i < (options.warmupRuns ?? 1); i++) await fn();
  const samples = new Samples(options);
  while (samples.wanted()) {
    const start = samples.start();
    await fn();
    samples.stop(start);
  }
  return samples.timing();
}

/**
 * Which time to report for a set of timings: the wall-clock best when every timing had (nearly) a core
 * to itself, else the CPU-time best, which other processes sharing the core do not inflate. `note`
 * says which was chosen and why.
 */
export function chooseClock(timings: readonly Timing[]): { seconds: (t: Timing) => number; note: string } {
  const least = Math.min(...timings.map((t) => t.cpuShare));
  const share = `${Math.round(least * 100)}% of a core`;
  if (least >= 0.9) return { seconds: (t) => t.best, note: `clock: wall (least CPU share while timing: ${share})` };
  return {
    seconds: (t) => t.bestCpu,
    note: `clock: CPU time, because the machine was busy (least CPU share while timing: ${share}); wall-clock figures would understate the code`,
  };
}

/** Prints rows under a header, numbers right-aligned and text left-aligned, columns padded to fit. */
export function printTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const cells = [header, ...rows].map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)));
  const widths = header.map((_, c) => Math.max(...cells.map((row) => row[c]?.length ?? 0)));
  const line = (row: readonly string[], raw: readonly (string | number)[]) =>
    row.map((cell, c) => (typeof raw[c] === 'number' ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  console.log(line(cells[0]!, header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((raw, r) => console.log(line(cells[r + 1]!, raw)));
}

/** Three significant digits, without exponent notation for the magnitudes benchmarks print. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const magnitude = Math.abs(x);
  return x.toFixed(magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3);
}
