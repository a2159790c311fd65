// A command killed at any moment (SIGKILL, after random delays spread over a whole run) leaves at its output path
// nothing, the complete previous file, or the complete new one, never a partial or zero-filled file; and the
// temporary files a killed run leaves are removed by the next run into the folder, which does not trip on them.
// It runs the built command (bin/dsv3.js, run from dist: `npm test` builds it first), as a user would.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../io/temp-dir.js';

const BIN = 'bin/dsv3.js';
const SOURCE = 'spec/golden/v3-tiny-f32';

/** The files of a checkpoint folder that quantize writes, as bytes, or undefined for those that are absent. */
function snapshot(dir: string): Record<string, Buffer | undefined> {
  const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f)) : undefined);
  return { 'model.safetensors': read('model.safetensors'), 'config.json': read('config.json') };
}

const partials = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.includes('.dsv3-partial-')) : []);

/** Runs `dsv3 quantize` into `out`, killed after `killAfterMs` (never, when undefined); resolves with how it ended. */
function quantize(out: string, extra: readonly string[], killAfterMs?: number): Promise<{ killed: boolean; code: number | null; ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'quantize', '--model', SOURCE, '--out', out, ...extra], { stdio: 'ignore' });
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
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

describe('a killed dsv3 quantize', () => {
  it('leaves the previous checkpoint files or the new ones, whole, and the next run cleans up after it', { timeout: 300_000 }, async () => {
    expect(fs.existsSync('dist/src/cli/main.js'), 'dist is not built: npm run build').toBe(true);
    const out = path.join(tempDir(), 'fp8');
    expect((await quantize(out, [])).code).toBe(0);
    const previous = snapshot(out);
    const full = await quantize(out, ['--force', '--scale-fmt', 'ue8m0']);
    expect(full.code).toBe(0);
    const next = snapshot(out);
    expect(next['config.json']!.equals(previous['config.json']!)).toBe(false);

    let caughtWriting = 0;
    const delays = spreadDelays(8, 1.1 * full.ms, 16);
    for (const delay of delays) {
      for (const [f, bytes] of Object.entries(previous)) fs.writeFileSync(path.join(out, f), bytes!);
      const run = await quantize(out, ['--force', '--scale-fmt', 'ue8m0'], delay);
      const after = snapshot(out);
      for (const [f, bytes] of Object.entries(after)) {
        const whole = bytes !== undefined && (bytes.equals(previous[f]!) || bytes.equals(next[f]!));
        expect(whole, `${f} after a kill at ${delay.toFixed(0)} ms (delays ${delays.map((d) => d.toFixed(0)).join(', ')})`).toBe(true);
      }
      if (run.killed && partials(out).length > 0) caughtWriting++;
    }
    // At least one kill landed while the new files were being written (the window the test is about).
    expect(caughtWriting, `kills at ${delays.map((d) => d.toFixed(0)).join(', ')} ms of a ${full.ms.toFixed(0)} ms run`).toBeGreaterThan(0);

    expect((await quantize(out, ['--force', '--scale-fmt', 'ue8m0'])).code).toBe(0);
    expect(partials(out)).toEqual([]);
    expect(snapshot(out)['model.safetensors']!.equals(next['model.safetensors']!)).toBe(true);
  });

  it('into a new folder leaves no folder or the whole one, and the next run without --force does not trip', { timeout: 300_000 }, async () => {
    const parent = tempDir();
    const out = path.join(parent, 'fp8');
    const full = await quantize(out, []);
    expect(full.code).toBe(0);
    const whole = snapshot(out);
    let caughtWriting = 0;
    const delays = spreadDelays(6, 1.1 * full.ms, 18);
    for (const delay of delays) {
      fs.rmSync(out, { recursive: true, force: true });
      const left = partials(parent).length;
      const run = await quantize(out, [], delay);
      if (fs.existsSync(out)) expect(snapshot(out), `after a kill at ${delay.toFixed(0)} ms`).toEqual(whole);
      if (run.killed && partials(parent).length > left) caughtWriting++;
    }
    expect(caughtWriting, `kills at ${delays.map((d) => d.toFixed(0)).join(', ')} ms of a ${full.ms.toFixed(0)} ms run`).toBeGreaterThan(0);
    fs.rmSync(out, { recursive: true, force: true });
    expect((await quantize(out, [])).code).toBe(0);
    expect(fs.readdirSync(parent)).toEqual(['fp8']);
    expect(snapshot(out)).toEqual(whole);
  });
});
