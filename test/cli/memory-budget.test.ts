// `forward`, `generate` and `verify` with --memory-budget and --report-reads: a budget smaller than the checkpoint streams the
// layers (said on stderr) and writes the same bytes as the resident run; --report-reads prints the bytes read per
// shard against the lazy minimum; a malformed budget is a usage error naming the option.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../io/temp-dir.js';

const MODEL = 'spec/golden/v3-tiny-mtp';
const RUN = ['--model', MODEL, '--tokens', '4,486,292,467;328,362,388,297', '--decode', '5,7;6,8', '--capture'];

describe('--memory-budget and --report-reads', () => {
  it('forward streams under a tiny budget and writes the bytes of the resident run', async () => {
    const dir = tempDir();
    const [resident, streamed] = [path.join(dir, 'resident.safetensors'), path.join(dir, 'streamed.safetensors')];
    const r = await runCli('forward', ...RUN, '--out', resident, '--report-reads');
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(/streaming/);
    expect(r.err).toMatch(/reads: ([\d,]+) bytes of tensor data against a lazy minimum of \1 \(1\.00x\)/);
    const s = await runCli('forward', ...RUN, '--out', streamed, '--memory-budget', '1K', '--report-reads');
    expect(s.code).toBe(0);
    expect(s.err).toMatch(/streaming the layers: the checkpoint's [\d,]+ bytes exceed --memory-budget \(1,024 bytes\)/);
    expect(s.err).toMatch(/  model\.safetensors: [\d,]+ tensor bytes/);
    expect(fs.readFileSync(streamed)).toEqual(fs.readFileSync(resident));
  });

  it('generate streams to the same tokens', async () => {
    const args = ['generate', '--model', MODEL, '--tokens', '4,486,292', '--max-new', '3'];
    const resident = await runCli(...args);
    const streamed = await runCli(...args, '--memory-budget', '1', '--quiet');
    expect(streamed.code).toBe(0);
    expect(streamed.err).toBe('');
    expect(streamed.out).toBe(resident.out);
  });

  it('verify reports the reads of each run', async () => {
    const r = await runCli('verify', MODEL, '--backend', 'cpu', '--quiet', '--report-reads');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/cpu mtp\S* \(absorb\): reads: ([\d,]+) bytes of tensor data against a lazy minimum of \1 \(1\.00x\)/);
  });

  it('refuses a budget that is not a size', async () => {
    for (const bad of ['0', '8GB', '1.5G', '0x10']) {
      const r = await runCli('forward', ...RUN, '--memory-budget', bad);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--memory-budget must be a positive number of bytes/);
    }
  });
});
