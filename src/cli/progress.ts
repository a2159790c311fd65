// Long work shown on stderr while it runs. On a terminal, one live line rewritten in place: every running task,
// outermost first, with its steps (compiling pipelines 12/40) and the time so far. Without a terminal (a log, a
// pipe), plain lines, only for work that goes on for a while. Nothing with --quiet. Commands hand it to the backends
// they open (DriverOptions.progress) and start tasks of their own (verify: each run of a golden case).

import { SILENT_PROGRESS, type Progress, type ProgressTask } from '../backends/progress.js';
import type { Options } from './command.js';

/** Where the lines go: process.stderr, or a test's stand-in. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** On a terminal: redraw at most this often as steps advance, and every TICK_MS for the clock. */
const REDRAW_MS = 100;
const TICK_MS = 1000;
/** Without a terminal: no line for work shorter than PLAIN_AFTER_MS, then a line every PLAIN_EVERY_MS. */
export const PLAIN_AFTER_MS = 2000;
export const PLAIN_EVERY_MS = 10000;
/** Erases the terminal's current line and returns to its start. */
const CLEAR_LINE = '\r\x1b[2K';

interface Running {
  readonly label: string;
  readonly total: number | undefined;
  done: number;
  readonly started: number;
  /** A plain line has shown it, so its end gets one too. */
  shown: boolean;
}

/** "0.4 s", "45 s", "3 min 12 s". */
export function formatElapsed(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

const taskText = (t: Running): string => (t.total === undefined ? t.label : `${t.label} ${t.done}/${t.total}`);

export class TerminalProgress implements Progress {
  private readonly running: Running[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastDraw = -Infinity;
  private lastPlain = -Infinity;

  /** `now`: milliseconds on a monotonic clock. */
  constructor(
    private readonly stream: ProgressStream,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private get live(): boolean {
    return this.stream.isTTY === true;
  }

  start(label: string, total?: number): ProgressTask {
    // A task of no steps (loading the weights of a graph that has none) is over before it could be seen.
    if (total === 0) return SILENT_PROGRESS.start(label);
    const task: Running = { label, total, done: 0, started: this.now(), shown: false };
    this.running.push(task);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.update(false), TICK_MS);
      this.timer.unref?.();
    }
    this.update(true);
    let ended = false;
    return {
      advance: (steps = 1) => {
        task.done += steps;
        this.update(false);
      },
      end: () => {
        if (ended) return;
        ended = true;
        this.finish(task);
      },
    };
  }

  /** Every running task and the time since the first began. */
  private line(): string {
    return [...this.running.map(taskText), formatElapsed(this.now() - this.running[0]!.started)].join(' · ');
  }

  /** On a terminal, redraws (at most every REDRAW_MS unless `force`); without one, prints a line when it is due. */
  private update(force: boolean): void {
    const now = this.now();
    if (this.live) {
      if (!force && now - this.lastDraw < REDRAW_MS) return;
      this.lastDraw = now;
      // A terminal that reports no width (0, as a pty nobody sized does) gets the usual 80 columns.
      const columns = this.stream.columns || 80;
      const line = this.running.length ? this.line() : '';
      this.stream.write(CLEAR_LINE + (line.length < columns ? line : `…${line.slice(line.length - columns + 2)}`));
      return;
    }
    if (!this.running.length || now - this.running[0]!.started < PLAIN_AFTER_MS || now - this.lastPlain < PLAIN_EVERY_MS) return;
    this.lastPlain = now;
    for (const t of this.running) t.shown = true;
    this.stream.write(`${this.line()}\n`);
  }

  private finish(task: Running): void {
    const elapsed = this.now() - task.started;
    this.running.splice(this.running.indexOf(task), 1);
    if (!this.running.length) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.lastPlain = -Infinity;
    }
    if (this.live) this.update(true);
    // Work that blocked the thread (a compile) had no chance to print while it ran: its end still says it took long.
    else if (task.shown || elapsed >= PLAIN_AFTER_MS) this.stream.write(`${taskText(task)}, done in ${formatElapsed(elapsed)}\n`);
  }
}

/** --quiet, for every command that shows progress. */
export const QUIET_OPTION: Options = { quiet: { type: 'boolean', default: false } };

/** The help of --quiet, its description starting at `column` as in the help around it. */
export const quietHelp = (column: number): string =>
  `${'  --quiet'.padEnd(column)}no progress on stderr (the work under way, such as compiling or loading weights: a live
${' '.repeat(column)}line on a terminal, a line every ${PLAIN_EVERY_MS / 1000} s otherwise for work taking over ${PLAIN_AFTER_MS / 1000} s)`;

export const QUIET_HELP = quietHelp(22);

/** The progress a command shows: on stderr, or none with --quiet. */
export const commandProgress = (values: Readonly<Record<string, unknown>>): Progress => (values.quiet === true ? SILENT_PROGRESS : new TerminalProgress(process.stderr));
