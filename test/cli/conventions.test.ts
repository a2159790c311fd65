// What every command shares (src/cli/command.ts): --version, the exit codes, options given at most once unless
// repeatable, numbers in plain decimal, and --force meaning the same in every command that writes.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTokenRows } from '../../src/cli/commands/forward.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../io/temp-dir.js';

const V3 = 'spec/golden/v3-tiny-f32';
const REF = ['--backend', 'cpu-reference'];
const BLOCK = 'spec/examples/block.graph';

describe('dsv3 --version', () => {
  it("prints the package's version, and takes no arguments", async () => {
    const { version } = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    const r = await runCli('--version');
    expect(r).toMatchObject({ code: 0, out: `dsv3 ${version}` });
    const extra = await runCli('--version', 'verify');
    expect(extra.code).toBe(2);
    expect(extra.err).toMatch(/--version takes no arguments, got verify/);
  });
});

describe('exit codes', () => {
  it('are listed by dsv3 --help', async () => {
    expect((await runCli('--help')).out.replace(/\s+/g, ' ')).toMatch(/Exit status: 0 done, every check passed; 1 a check of the results failed .*; 2 the work could not be done/);
  });

  it('are 2 for bad usage and for input that cannot be used, whatever the command', async () => {
    expect((await runCli('forward', '--tokenz', '1')).code).toBe(2);
    expect((await runCli('inspect', '--model', tempDir())).code).toBe(2);
    expect((await runCli('compile', 'no/such.graph')).code).toBe(2);
  });
});

describe('repeated options', () => {
  it('are refused unless the option is documented as repeatable', async () => {
    const decode = await runCli('forward', '--model', V3, '--tokens', '1', '--decode', '7', '--decode', '9', ...REF);
    expect(decode.code).toBe(2);
    expect(decode.err).toMatch(/dsv3 forward: --decode is given more than once; it takes one value/);
    const flag = await runCli('compile', BLOCK, '--stats', '--stats');
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/--stats is given more than once/);
    // verify's --backend repeats: both names are read, and the first unknown one is named.
    const backends = await runCli('verify', V3, '--backend', 'cpu-reference', '--backend', 'tpu');
    expect(backends.code).toBe(2);
    expect(backends.err).toMatch(/unknown backend "tpu"/);
  });
});

describe('numbers', () => {
  it('token lists take decimal digits only, with spaces around them', async () => {
    expect(parseTokenRows(' 4, 486 ;7,0', 'tokens', 'forward')).toEqual([[4, 486], [7, 0]]);
    for (const id of ['0x10', '1e2', '0b11', '+5', '-1', '1.0', '', 'Infinity']) {
      const r = await runCli('forward', '--model', V3, '--tokens', `1,${id}`, ...REF);
      expect(r.code, id).toBe(2);
      expect(r.err, id).toMatch(/--tokens: ".*" is not a token id \(a non-negative integer in decimal digits\)/);
    }
    const stop = await runCli('generate', '--model', V3, '--tokens', '1', '--max-new', '2', '--stop', '0x10', ...REF);
    expect(stop.code).toBe(2);
    expect(stop.err).toMatch(/--stop: "0x10" is not a token id/);
  });

  it('integer and decimal options take plain decimal', async () => {
    const generate = (...extra: string[]) => runCli('generate', '--model', V3, '--tokens', '1', '--max-new', '2', ...extra, ...REF);
    expect((await generate('--seed', '0x10')).err).toMatch(/--seed must be an integer, got "0x10"/);
    expect((await generate('--temperature', '0x1')).err).toMatch(/--temperature must be a decimal number, got "0x1"/);
    expect((await generate('--temperature', 'Infinity')).err).toMatch(/--temperature must be a decimal number/);
    expect((await runCli('generate', '--model', V3, '--tokens', '1', '--max-new', '0')).err).toMatch(/--max-new must be an integer >= 1, got "0"/);
    expect((await runCli('compile', BLOCK, '--max-buffers', '1e1')).err).toMatch(/--max-buffers must be an integer >= 1, got "1e1"/);
  });
});

describe('generate --top-k / --top-p', () => {
  it('need a temperature: greedy decoding would ignore them', async () => {
    for (const extra of [['--top-k', '5'], ['--top-p', '0.5'], ['--top-k', '5', '--temperature', '0']]) {
      const r = await runCli('generate', '--model', V3, '--tokens', '1', '--max-new', '2', ...extra, ...REF);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.err).toMatch(new RegExp(`${extra[0]} restricts sampling, which needs --temperature T > 0`));
    }
  });
});

describe('--force', () => {
  it('is the same in every command that writes: without it an existing output stops the command first', async () => {
    const dir = tempDir();
    const existing = path.join(dir, 'existing');
    fs.writeFileSync(existing, 'mine');
    const folder = path.join(dir, 'ckpt');
    fs.mkdirSync(folder);
    const input = path.join(dir, 'in.f32');
    fs.writeFileSync(input, new Uint8Array(Float32Array.of(1, 2).buffer));
    const writers = [
      ['cast', '--from', 'f32', '--to', 'bf16', input, existing],
      ['compile', BLOCK, '--dot', existing],
      ['forward', '--model', V3, '--tokens', '1', ...REF, '--out', existing],
      ['quantize', '--model', V3, '--out', folder],
      ['init', '--config', path.join(V3, 'config.json'), '--out', folder],
    ];
    for (const argv of writers) {
      const r = await runCli(...argv);
      expect(r.code, argv[0]).toBe(2);
      expect(r.err).toBe(`dsv3 ${argv[0]}: ${argv.at(-1)} already exists; pass --force to replace it`);
      expect(fs.readFileSync(existing, 'utf8')).toBe('mine');
      expect(fs.readdirSync(folder)).toEqual([]);
    }
    expect((await runCli('cast', '--from', 'f32', '--to', 'bf16', '--force', input, existing)).code).toBe(0);
    expect(fs.statSync(existing).size).toBe(4);
    expect((await runCli('compile', BLOCK, '--dot', existing, '--force')).code).toBe(0);
    expect(fs.readFileSync(existing, 'utf8')).toMatch(/^digraph/);
    const help = await Promise.all(['cast', 'compile', 'forward', 'quantize'].map((c) => runCli(c, '--help')));
    for (const h of help) expect(h.out.replace(/\s+/g, ' ')).toMatch(/--force replace [^()]* if [^()]*exists?[^()]*\(without --force, an existing [^()]* stops the command before any work\)/);
  });

  it('needs an output to replace', async () => {
    const r = await runCli('forward', '--model', V3, '--tokens', '1', '--force');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--force replaces the --out file, and no --out is given/);
  });
});
