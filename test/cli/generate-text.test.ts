// `dsv3 generate --prompt TEXT` in-process through main(): the tokenizer.json beside the checkpoint encodes the
// prompt, the new tokens are the ones --tokens gives for the same ids, and their text is streamed as it is made.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryFiles } from '../../src/io/file-set.js';
import { loadTokenizer } from '../../src/models/deepseek/tokenizer.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../io/temp-dir.js';
import { TINY_TOKENIZER, TINY_TOKENIZER_SIZE } from '../models/tiny-tokenizer.js';

const REF = ['--backend', 'cpu-reference'];
const tokenizer = loadTokenizer(memoryFiles('tiny', { 'tokenizer.json': JSON.stringify(TINY_TOKENIZER) }))!;

/** A random checkpoint whose vocabulary is the tiny tokenizer's, with `tokenizer.json` beside it unless told not to. */
async function checkpoint(withTokenizer = true): Promise<string> {
  const config = path.join(tempDir(), 'config.json');
  const base = JSON.parse(fs.readFileSync('spec/golden/v3-tiny-f32/config.json', 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(config, JSON.stringify({ ...base, vocab_size: TINY_TOKENIZER_SIZE }));
  const dir = path.join(tempDir(), 'model');
  // A larger spread than the default makes the greedy choices differ from step to step.
  expect((await runCli('init', '--config', config, '--out', dir, '--std', '0.5')).code).toBe(0);
  if (withTokenizer) fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(TINY_TOKENIZER));
  return dir;
}

/** What the command wrote to stdout with process.stdout.write, one string per call. */
function captureWrites(): string[] {
  const writes: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    writes.push(String(chunk));
    return true;
  });
  return writes;
}

afterEach(() => vi.restoreAllMocks());

describe('dsv3 generate --prompt', () => {
  it('streams the text of the tokens --tokens generates for the encoded prompt', async () => {
    const dir = await checkpoint();
    const ids = tokenizer.encode('hello world');
    const byIds = await runCli('generate', '--model', dir, '--tokens', ids.join(','), '--max-new', '6', ...REF);
    expect(byIds.code).toBe(0);
    const generated = /^row 0: ([\d ]+)$/.exec(byIds.out)![1]!.split(' ').map(Number);
    expect(new Set(generated).size).toBeGreaterThan(1);

    const writes = captureWrites();
    const byText = await runCli('generate', '--model', dir, '--prompt', 'hello world', '--max-new', '6', ...REF);
    expect(byText.code).toBe(0);
    expect(byText.err).not.toMatch(/note:/);
    expect(writes.join('')).toBe(`${tokenizer.decode(generated)}\n`);
    // One write per token as it is chosen, then the end of the line.
    expect(writes).toHaveLength(generated.length + 1);
  });

  it('says when the prompt does not read back as given', async () => {
    const dir = await checkpoint();
    const lossy = { ...TINY_TOKENIZER, normalizer: { type: 'Lowercase' } };
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(lossy));
    captureWrites();
    const r = await runCli('generate', '--model', dir, '--prompt', 'Hello', '--max-new', '1', ...REF);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/note: the prompt encodes to 1 tokens that read back as "hello"/);
  });

  it('needs tokenizer.json, and one prompt', async () => {
    const bare = await checkpoint(false);
    const r = await runCli('generate', '--model', bare, '--prompt', 'hello', '--max-new', '1', ...REF);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--prompt needs the checkpoint's tokenizer, and .*tokenizer\.json does not exist; give token ids with --tokens/);
    const both = await runCli('generate', '--model', bare, '--prompt', 'hello', '--tokens', '1,2', '--max-new', '1', ...REF);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/give the prompt as --tokens ROWS or as --prompt TEXT, not both/);
  });
});
