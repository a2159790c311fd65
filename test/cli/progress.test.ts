// Progress on stderr: a live line on a terminal, plain lines for long work otherwise, nothing with --quiet; what the
// model commands report through it (compiling, loading weights), and compiling kept apart from --profile's times.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SILENT_PROGRESS } from '../../src/backends/progress.js';
import { commandProgress, formatElapsed, PLAIN_AFTER_MS, PLAIN_EVERY_MS, TerminalProgress } from '../../src/cli/progress.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../io/temp-dir.js';

const V3 = 'spec/golden/v3-tiny-f32';
const CLEAR = '\r\x1b[2K';

/** A stand-in for stderr and a clock the test moves. */
function terminal(isTTY: boolean, columns = 200) {
  const writes: string[] = [];
  let ms = 0;
  const progress = new TerminalProgress({ isTTY, columns, write: (text: string) => writes.push(text) }, () => ms);
  return {
    progress,
    writes,
    /** Moves the clock on in steps of 100 ms, firing the timer as it passes. */
    wait(by: number) {
      for (let waited = 0; waited < by; waited += 100) {
        ms += 100;
        vi.advanceTimersByTime(100);
      }
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('on a terminal', () => {
  it('draws every running task with its steps and the time so far on one line, and clears it at the end', () => {
    const t = terminal(true);
    const outer = t.progress.start('v3-tiny-f32: webgpu prefill');
    const inner = t.progress.start('compiling pipelines', 40);
    expect(t.writes.at(-1)).toBe(`${CLEAR}v3-tiny-f32: webgpu prefill · compiling pipelines 0/40 · 0.0 s`);
    t.wait(1500);
    inner.advance(12);
    expect(t.writes.at(-1)).toBe(`${CLEAR}v3-tiny-f32: webgpu prefill · compiling pipelines 12/40 · 1.5 s`);
    inner.end();
    expect(t.writes.at(-1)).toBe(`${CLEAR}v3-tiny-f32: webgpu prefill · 1.5 s`);
    outer.end();
    expect(t.writes.at(-1)).toBe(CLEAR);
  });

  it('redraws at most every 100 ms as steps advance, and every second for the clock', () => {
    const t = terminal(true);
    const task = t.progress.start('loading weights', 100);
    const drawn = t.writes.length;
    for (let i = 0; i < 50; i++) task.advance();
    expect(t.writes.length).toBe(drawn);
    t.wait(1000);
    expect(t.writes.at(-1)).toBe(`${CLEAR}loading weights 50/100 · 1.0 s`);
    task.end();
  });

  it('keeps the end of a line wider than the terminal', () => {
    const t = terminal(true, 30);
    t.progress.start('a task with a long name that goes on', 9).end();
    const line = t.writes[0]!.slice(CLEAR.length);
    expect(line).toBe('…ame that goes on 0/9 · 0.0 s');
    expect(line).toHaveLength(29);
  });

  it('shows nothing of a task of no steps (the weights of a graph that has none)', () => {
    const t = terminal(true);
    const outer = t.progress.start('writing model.safetensors', 9);
    const drawn = t.writes.length;
    t.progress.start('loading weights', 0).end();
    expect(t.writes).toHaveLength(drawn);
    outer.end();
  });

  it('takes a terminal that reports no width as 80 columns wide', () => {
    const t = terminal(true, 0);
    t.progress.start('compiling deepseek_prefill').end();
    expect(t.writes[0]).toBe(`${CLEAR}compiling deepseek_prefill · 0.0 s`);
  });
});

describe('without a terminal', () => {
  it('prints nothing for work that ends quickly', () => {
    const t = terminal(false);
    const task = t.progress.start('compiling pipelines', 3);
    task.advance(3);
    t.wait(PLAIN_AFTER_MS - 100);
    task.end();
    expect(t.writes).toEqual([]);
  });

  it('prints a line once work has gone on for a while, then one every 10 s, and one when it ends', () => {
    const t = terminal(false);
    const task = t.progress.start('compiling pipelines', 40);
    task.advance(5);
    t.wait(PLAIN_AFTER_MS - 100);
    expect(t.writes).toEqual([]);
    t.wait(100);
    expect(t.writes).toEqual(['compiling pipelines 5/40 · 2.0 s\n']);
    t.wait(PLAIN_EVERY_MS - 100);
    expect(t.writes).toHaveLength(1);
    task.advance(30);
    t.wait(100);
    expect(t.writes.at(-1)).toBe('compiling pipelines 35/40 · 12 s\n');
    task.advance(5);
    t.wait(500);
    task.end();
    expect(t.writes.at(-1)).toBe('compiling pipelines 40/40, done in 13 s\n');
    expect(t.writes).toHaveLength(3);
    expect(t.writes.every((w) => !w.includes('\r'))).toBe(true);
  });

  it('prints the end of work that blocked the thread for a while (a compile), which had no line while it ran', () => {
    let ms = 0;
    const writes: string[] = [];
    const progress = new TerminalProgress({ isTTY: false, write: (text: string) => writes.push(text) }, () => ms);
    const compiling = progress.start('compiling deepseek_prefill');
    ms += PLAIN_AFTER_MS + 500;
    compiling.end();
    expect(writes).toEqual(['compiling deepseek_prefill, done in 2.5 s\n']);
  });
});

describe('formatElapsed', () => {
  it('gives tenths under 10 s, seconds under a minute, then minutes and seconds', () => {
    expect([400, 12_400, 192_000].map(formatElapsed)).toEqual(['0.4 s', '12 s', '3 min 12 s']);
  });
});

describe('the commands', () => {
  let isTTY: PropertyDescriptor | undefined;
  let stderr: string[];
  beforeEach(() => {
    vi.useRealTimers();
    isTTY = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    stderr = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((text: string | Uint8Array) => stderr.push(String(text)) > 0);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    if (isTTY) Object.defineProperty(process.stderr, 'isTTY', isTTY);
    else delete (process.stderr as { isTTY?: boolean }).isTTY;
  });

  it('show compiling and loading weights on stderr, and nothing with --quiet', async () => {
    const r = await runCli('forward', '--model', V3, '--tokens', '4,486,292');
    expect(r.code).toBe(0);
    const shown = stderr.join('');
    expect(shown).toContain(`${CLEAR}compiling deepseek_prefill`);
    expect(shown).toMatch(/loading weights \d+\/\d+/);
    expect(stderr.at(-1)).toBe(CLEAR);
    stderr.length = 0;
    const quiet = await runCli('forward', '--model', V3, '--tokens', '4,486,292', '--quiet');
    expect(quiet.code).toBe(0);
    expect(quiet.out).toBe(r.out);
    expect(stderr.join('')).toBe('');
  });

  /** Each command that loads, compiles or writes for a while, with the task its line shows first. */
  const commands: [string, () => string[], RegExp][] = [
    ['quantize', () => ['quantize', '--model', V3, '--out', path.join(tempDir(), 'fp8')], /writing model\.safetensors \d+\/\d+/],
    ['init', () => ['init', '--config', `${V3}/config.json`, '--out', path.join(tempDir(), 'random')], /writing model\.safetensors \d+\/\d+/],
    ['cast', () => {
      const input = path.join(tempDir(), 'x.f32');
      fs.writeFileSync(input, new Uint8Array(new Float32Array([1.5, -3, 1e-9]).buffer));
      return ['cast', '--from', 'f32', '--to', 'e4m3fn', input, `${input}.e4m3`];
    }, /casting .*x\.f32 0\/1/],
    ['inspect', () => ['inspect', '--model', V3], /compiling a decode step/],
    ['compile --model', () => ['compile', '--model', V3, '--phase', 'prefill'], /compiling deepseek_prefill/],
  ];

  it.each(commands)('%s shows its work on stderr, and nothing with --quiet', async (_, args, task) => {
    const r = await runCli(...args());
    expect(r.code).toBe(0);
    const lines = stderr.filter((w) => w.startsWith(CLEAR)).map((w) => w.slice(CLEAR.length));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${task.source}`)));
    expect(stderr.at(-1)).toBe(CLEAR);
    stderr.length = 0;
    const quiet = await runCli(...args(), '--quiet');
    expect(quiet.code).toBe(0);
    expect(stderr.join('')).toBe('');
  });

  it('give --quiet a silent progress', () => {
    expect(commandProgress({ quiet: true })).toBe(SILENT_PROGRESS);
    expect(commandProgress({ quiet: false })).toBeInstanceOf(TerminalProgress);
  });

  it('report compiling apart from the kernel times of --profile, for the steps that compiled', async () => {
    const r = await runCli('forward', '--model', V3, '--tokens', '4,486,292', '--decode', '505,7', '--profile', '--quiet');
    expect(r.code).toBe(0);
    const steps = r.out.split(/^profile of /m).slice(1);
    expect(steps.map((s) => s.split(':')[0])).toEqual(['the prefill (3 tokens per row) on cpu', 'decode step 0 on cpu', 'decode step 1 on cpu']);
    const compiled = /^compiled first, not counted above: the compiler [\d.]+ s, on the device \(weights, kernels\) [\d.]+ s$/m;
    expect(steps.map((s) => compiled.test(s))).toEqual([true, true, false]);
  });
});
