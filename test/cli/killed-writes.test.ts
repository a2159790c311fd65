// A command killed at any moment (SIGKILL after random delays: spread over a whole run, and spread over the time it
// is writing) leaves at its output path nothing, the complete previous folder, or the complete new one, never a
// partial or zero-filled file nor a mix of old and new files; and the temporary files a killed run leaves are
// removed by the next run into the folder, which does not trip on them. It runs the built command (bin/dsv3.js, run
// from dist: `npm test` builds it first), as a user would.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../io/temp-dir.js';

const BIN = 'bin/dsv3.js';
const SOURCE = 'spec/golden/v3-tiny-f32';

type Snapshot = Record<string, Buffer | undefined>;

/** The files of a checkpoint folder that quantize writes, as bytes, or undefined for those that are absent. */
function snapshot(dir: string): Snapshot {
  const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f)) : undefined);
  return { 'model.safetensors': read('model.safetensors'), 'config.json': read('config.json') };
}

/** Whether two snapshots hold the same files with the same bytes (compared without a diff of megabytes on failure). */
const same = (a: Snapshot, b: Snapshot): boolean => Object.keys(a).every((f) => a[f] !== undefined && b[f] !== undefined && a[f].equals(b[f]));

const partials = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.includes('.dsv3-partial-')) : []);
/** Whether `dir` holds a temporary file that is not in `before`. */
const newPartial = (dir: string, before: ReadonlySet<string>): boolean => partials(dir).some((f) => !before.has(f));

/** When to kill: `at` ms after the start, or `writingFor` ms after a new temporary file appears in folder `watch`. */
type Kill = { readonly at: number } | { readonly writingFor: number; readonly watch: string };

/**
 * Runs `dsv3 quantize` into `out`, killed as `kill` says (never, when undefined); resolves with how it ended. The
 * command runs its work in a child process (src/cli/native-stderr.ts): the kill goes to its process group, both
 * processes at once, as a terminal's or a machine's would.
 */
function quantize(out: string, extra: readonly string[], kill?: Kill): Promise<{ killed: boolean; code: number | null; ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'quantize', '--model', SOURCE, '--out', out, ...extra], { stdio: 'ignore', detached: true });
  const killGroup = () => process.kill(-child.pid!, 'SIGKILL');
  let timer: ReturnType<typeof setTimeout> | undefined;
  let poll: ReturnType<typeof setInterval> | undefined;
  if (kill !== undefined && 'at' in kill) timer = setTimeout(killGroup, kill.at);
  if (kill !== undefined && 'watch' in kill) {
    const before = new Set(partials(kill.watch));
    poll = setInterval(() => {
      if (!newPartial(kill.watch, before)) return;
      clearInterval(poll);
      timer = setTimeout(killGroup, kill.writingFor);
    }, 2);
  }
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ killed: signal === 'SIGKILL', code, ms: performance.now() - started });
    });
  });
}

/** `count` delays in [0, span), one drawn uniformly from each of `count` equal strata (mulberry32, seeded). */
function spreadDelays(count: number, span: number, seed: number): number[] {
  let a = seed;
  const random = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return Array.from({ length: count }, (_, k) => ((k + random()) / count) * span);
}

/** Kills spread over a run of `ms`, then over the writing (which takes a fraction of the run). */
const kills = (ms: number, watch: string, seed: number): Kill[] => [
  ...spreadDelays(5, 1.1 * ms, seed).map((at) => ({ at })),
  ...spreadDelays(4, 0.3 * ms, seed + 1).map((writingFor) => ({ writingFor, watch })),
];

const describeKill = (k: Kill): string => ('at' in k ? `at ${k.at.toFixed(0)} ms` : `${k.writingFor.toFixed(0)} ms into the writing`);

describe('a killed dsv3 quantize', () => {
  it('leaves the previous checkpoint folder or the new one, whole, never a mix, and the next run cleans up after it', { timeout: 300_000 }, async () => {
    expect(fs.existsSync('dist/src/cli/main.js'), 'dist is not built: npm run build').toBe(true);
    const parent = tempDir();
    const out = path.join(parent, 'fp8');
    expect((await quantize(out, [])).code).toBe(0);
    const previous = snapshot(out);
    const full = await quantize(out, ['--force', '--scale-fmt', 'ue8m0']);
    expect(full.code).toBe(0);
    const next = snapshot(out);
    expect(next['config.json']!.equals(previous['config.json']!)).toBe(false);

    let caughtWriting = 0;
    for (const kill of kills(full.ms, parent, 16)) {
      fs.rmSync(out, { recursive: true, force: true });
      fs.mkdirSync(out);
      for (const [f, bytes] of Object.entries(previous)) fs.writeFileSync(path.join(out, f), bytes!);
      const before = new Set(partials(parent));
      const run = await quantize(out, ['--force', '--scale-fmt', 'ue8m0'], kill);
      // Killed between the two renames of the swap, the old folder is still whole beside its name (and put back by
      // the next run into the folder: test/io/atomic-file.test.ts).
      const movedAside = fs.readdirSync(parent).filter((f) => f.includes('.dsv3-previous-'));
      const found = fs.existsSync(out) ? snapshot(out) : movedAside.length === 1 ? snapshot(path.join(parent, movedAside[0]!)) : undefined;
      const whole = found !== undefined && (same(found, previous) || same(found, next));
      expect(whole, `the folder after a kill ${describeKill(kill)} of a ${full.ms.toFixed(0)} ms run`).toBe(true);
      if (run.killed && newPartial(parent, before)) caughtWriting++;
    }
    expect(caughtWriting, 'kills that landed while the new folder was being written').toBeGreaterThan(0);

    expect((await quantize(out, ['--force', '--scale-fmt', 'ue8m0'])).code).toBe(0);
    expect(fs.readdirSync(parent)).toEqual(['fp8']);
    expect(same(snapshot(out), next)).toBe(true);
  });

  it('into a new folder leaves no folder or the whole one, and the next run without --force does not trip', { timeout: 300_000 }, async () => {
    const parent = tempDir();
    const out = path.join(parent, 'fp8');
    const full = await quantize(out, []);
    expect(full.code).toBe(0);
    const whole = snapshot(out);
    let caughtWriting = 0;
    for (const kill of kills(full.ms, parent, 18)) {
      fs.rmSync(out, { recursive: true, force: true });
      const before = new Set(partials(parent));
      const run = await quantize(out, [], kill);
      if (fs.existsSync(out)) expect(same(snapshot(out), whole), `the folder after a kill ${describeKill(kill)} of a ${full.ms.toFixed(0)} ms run`).toBe(true);
      if (run.killed && newPartial(parent, before)) caughtWriting++;
    }
    expect(caughtWriting, 'kills that landed while the new folder was being written').toBeGreaterThan(0);
    fs.rmSync(out, { recursive: true, force: true });
    expect((await quantize(out, [])).code).toBe(0);
    expect(fs.readdirSync(parent)).toEqual(['fp8']);
    expect(same(snapshot(out), whole)).toBe(true);
  });
});
