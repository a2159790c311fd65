// `dsv3 generate --speculative mtp[:D]` and `--json` in-process through main(), on checkpoints `dsv3 init` makes
// with one and two MTP modules: the speculative tokens are the plain run's (greedy), the JSON carries one acceptance
// rate per draft depth and tokens/s, the text run reports them on stderr, and bad requests are usage errors.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../io/temp-dir.js';

const REF = ['--backend', 'cpu-reference'];

/** A `dsv3 init` checkpoint of the golden MTP config with `modules` MTP modules. */
async function checkpoint(modules: number): Promise<string> {
  const config = path.join(tempDir(), 'config.json');
  const base = JSON.parse(fs.readFileSync('spec/golden/v3-tiny-mtp/config.json', 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(config, JSON.stringify({ ...base, num_nextn_predict_layers: modules, max_position_embeddings: 32 }));
  const dir = path.join(tempDir(), 'model');
  expect((await runCli('init', '--config', config, '--out', dir, '--std', '0.1')).code).toBe(0);
  return dir;
}

interface Report {
  tokens: number[][];
  acceptance: (number | null)[];
  tokens_per_second: number;
}

async function json(...args: string[]): Promise<Report> {
  const r = await runCli('generate', ...args, '--json', '--quiet', ...REF);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Report;
}

describe('dsv3 generate --speculative', () => {
  it('gives the plain greedy tokens, with one acceptance rate per depth (1 and 2 modules)', async () => {
    for (const modules of [1, 2]) {
      const model = ['--model', await checkpoint(modules), '--tokens', '5,9,2;7,1,3', '--max-new', '6'];
      const plain = await json(...model);
      expect(plain.tokens.map((r) => r.length)).toEqual([6, 6]);
      expect(plain.acceptance).toEqual([]);
      for (const flag of ['mtp', 'mtp:1']) {
        const spec = await json(...model, '--speculative', flag);
        expect(spec.tokens).toEqual(plain.tokens);
        expect(spec.acceptance).toHaveLength(flag === 'mtp' ? modules : 1);
        for (const rate of spec.acceptance) expect(rate === null || (rate >= 0 && rate <= 1)).toBe(true);
        expect(spec.tokens_per_second).toBeGreaterThan(0);
      }
    }
  });

  it('prints the acceptance per depth and tokens/s on stderr', async () => {
    const r = await runCli('generate', '--model', await checkpoint(2), '--tokens', '5,9,2', '--max-new', '5', '--temperature', '1', '--seed', '3', '--speculative', 'mtp', '--quiet', ...REF);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^row 0: \d+ \d+ \d+ \d+ \d+$/);
    expect(r.err).toMatch(/speculative mtp:2: accepted depth 1 (-|[\d.]+ %) \(\d+\/\d+\), depth 2 (-|[\d.]+ %) \(\d+\/\d+\); [\d.]+ tokens\/s \(compiling excluded\)/);
  });

  it('refuses bad requests', async () => {
    const model = await checkpoint(1);
    const cases: [string[], RegExp][] = [
      [['--model', model, '--speculative', 'mtp:2'], /--speculative mtp:D needs D in \[1, 1\] \(the checkpoint's MTP modules\), got 2/],
      [['--model', model, '--speculative', 'mtp:0'], /needs D in \[1, 1\]/],
      [['--model', model, '--speculative', 'eagle'], /--speculative must be mtp or mtp:D/],
      [['--model', model, '--speculative', 'mtp', '--report-reads'], /--report-reads does not count what --speculative reads/],
      [['--model', 'spec/golden/v3-tiny-f32', '--speculative', 'mtp'], /needs MTP modules, and the checkpoint has none/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli('generate', ...args, '--tokens', '1,2', '--max-new', '3', '--quiet', ...REF);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
  });
});
