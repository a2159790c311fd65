// `dsv3 generate --prompt TEXT` in-process through main(): the tokenizer.json beside the checkpoint encodes the
// prompt, the new tokens are the ones --tokens gives for the same ids, and their text is streamed as it is made.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryFiles } from '../../src/io/file-set.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { loadTokenizer } from '../../src/models/deepseek/tokenizer.js';
import { runCli } from '../support/cli.js';
import { editedCheckpoint } from '../support/edited-checkpoint.js';
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

const DEEPSEEK_TOKENIZER = 'test/fixtures/deepseek-v3-tokenizer';

/**
 * A checkpoint whose greedy choice after token chain[j] is chain[j + 1], with DeepSeek-V3's tokenizer format beside
 * it. Every attention and MLP output projection is zero, so the residual stream is the embedding of the current
 * token: chain[j]'s embedding is the j-th unit vector, and the head's row for chain[j + 1] reads it.
 */
async function chainCheckpoint(chain: readonly number[]): Promise<string> {
  const tokenizer = JSON.parse(fs.readFileSync(path.join(DEEPSEEK_TOKENIZER, 'tokenizer.json'), 'utf8')) as { added_tokens: { id: number }[]; model: { vocab: object } };
  const vocabSize = Math.max(Object.keys(tokenizer.model.vocab).length, ...tokenizer.added_tokens.map((t) => t.id + 1));
  const config = path.join(tempDir(), 'config.json');
  const base = JSON.parse(fs.readFileSync('spec/golden/v3-tiny-f32/config.json', 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(config, JSON.stringify({ ...base, vocab_size: vocabSize }));
  const random = path.join(tempDir(), 'model');
  expect((await runCli('init', '--config', config, '--out', random, '--quiet')).code).toBe(0);
  const dir = editedCheckpoint(random, {
    tensors: (tensors) => {
      const weights = (name: string) => tensors[name]!.data as Float32Array;
      for (const name of Object.keys(tensors)) if (/(o_proj|down_proj)\.weight$/.test(name)) weights(name).fill(0);
      const [embed, head] = [weights('model.embed_tokens.weight').fill(0), weights('lm_head.weight').fill(0)];
      const D = tensors['model.embed_tokens.weight']!.shape[1]!;
      expect(chain.length).toBeLessThanOrEqual(D);
      chain.forEach((id, j) => {
        embed[id * D + j] = 1;
        if (j + 1 < chain.length) head[chain[j + 1]! * D + j] = 10;
      });
    },
  });
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(DEEPSEEK_TOKENIZER, file), path.join(dir, file));
  return dir;
}

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

describe('dsv3 generate --prompt with a tokenizer in DeepSeek-V3’s format', () => {
  const deepseek = loadTokenizer(directoryFiles(DEEPSEEK_TOKENIZER))!;
  // The ids of <｜begin▁of▁sentence｜> and <｜end▁of▁sentence｜>, as in DeepSeek-V3's vocabulary.
  const [BOS, EOS] = [0, 1];

  it('prepends the beginning-of-sequence token, and streams whole characters whose bytes span tokens', async () => {
    const prompt = deepseek.encode('Hi');
    expect(prompt[0]).toBe(BOS);
    // After the prompt's last token: 中 (two tokens), 文 (three), 😀 (four), then the end of the sequence.
    const text = deepseek.encode('中文😀').slice(1);
    const dir = await chainCheckpoint([prompt.at(-1)!, ...text, EOS]);

    const writes = captureWrites();
    const r = await runCli('generate', '--model', dir, '--prompt', 'Hi', '--max-new', '12', '--stop', String(EOS), ...REF);
    expect(r.code).toBe(0);
    // One write per token: nothing until a character is whole, nothing for the end-of-sequence token.
    expect(writes).toEqual(['', '中', '', '', '文', '', '', '', '😀', '', '\n']);

    const byIds = await runCli('generate', '--model', dir, '--tokens', prompt.join(','), '--max-new', '12', '--stop', String(EOS), ...REF);
    expect(byIds.out).toBe(`row 0: ${[...text, EOS].join(' ')}`);
  });
});
