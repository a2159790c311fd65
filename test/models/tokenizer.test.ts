// The checkpoint's tokenizer.json, read with Hugging Face's JavaScript tokenizers, and decoding token by token: a
// character split across byte-level tokens is held back until it is whole.

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryFiles } from '../../src/io/file-set.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { DecodeStream, loadTokenizer } from '../../src/models/deepseek/tokenizer.js';
import { TINY_TOKENIZER } from './tiny-tokenizer.js';

const tokenizer = loadTokenizer(memoryFiles('tiny', { 'tokenizer.json': JSON.stringify(TINY_TOKENIZER) }))!;

describe('loadTokenizer', () => {
  it('encodes with the merges and decodes back', () => {
    const ids = tokenizer.encode('hello hello');
    const [hello, space] = [TINY_TOKENIZER.model.vocab.hello, TINY_TOKENIZER.model.vocab['Ġ']];
    expect(ids).toEqual([hello, space, hello]);
    expect(tokenizer.decode(ids)).toBe('hello hello');
  });

  it('is absent without tokenizer.json, and names a file it cannot use', () => {
    expect(loadTokenizer(memoryFiles('none', {}))).toBeUndefined();
    expect(() => loadTokenizer(memoryFiles('bad', { 'tokenizer.json': '{"model": 1' }))).toThrow(/bad\/tokenizer\.json: not valid JSON/);
  });
});

describe('DecodeStream', () => {
  it('holds back the first byte of a two-byte character until the second arrives', () => {
    const [first, second] = tokenizer.encode('é');
    const stream = new DecodeStream(tokenizer);
    expect([stream.push(tokenizer.encode('h')[0]!), stream.push(first!), stream.push(second!), stream.end()]).toEqual(['h', '', 'é', '']);
  });

  it('gives at the end what it still holds', () => {
    const stream = new DecodeStream(tokenizer);
    expect(stream.push(tokenizer.encode('é')[0]!)).toBe('');
    expect(stream.end()).toBe('\uFFFD');
  });
});

// A tokenizer in the layout of DeepSeek-V3's (test/fixtures/deepseek-v3-tokenizer/README.md): its pre-tokenizer,
// special tokens and tokenizer_config.json, with a vocabulary of the 256 byte symbols and a few merges.
describe('a tokenizer in DeepSeek-V3’s format', () => {
  const FIXTURE = 'test/fixtures/deepseek-v3-tokenizer';
  const json = JSON.parse(fs.readFileSync(`${FIXTURE}/tokenizer.json`, 'utf8')) as { added_tokens: { id: number; content: string }[]; model: { vocab: Record<string, number> } };
  const config = fs.readFileSync(`${FIXTURE}/tokenizer_config.json`, 'utf8');
  const special = (content: string) => json.added_tokens.find((t) => t.content === content)!.id;
  const [BOS, EOS, USER] = ['<｜begin▁of▁sentence｜>', '<｜end▁of▁sentence｜>', '<｜User｜>'].map(special) as [number, number, number];
  const vocab = json.model.vocab;
  const deepseek = loadTokenizer(directoryFiles(FIXTURE))!;

  it('prepends the beginning-of-sequence token, as tokenizer_config.json asks (add_bos_token)', () => {
    expect(deepseek.encode('Hello!')).toEqual([BOS, vocab.Hello, vocab['!']]);
    expect(deepseek.encode('Hello world')).toEqual([BOS, vocab.Hello, vocab['Ġworld']]);
    // Without the flag, the tokenizer.json alone decides: it adds nothing.
    const noFlag = loadTokenizer(memoryFiles('no-flag', { 'tokenizer.json': JSON.stringify(json) }))!;
    expect(noFlag.encode('Hello!')).toEqual([vocab.Hello, vocab['!']]);
    // A post_processor that adds it too does not make two: the flags replace it, as in Python.
    const template = {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<｜begin▁of▁sentence｜>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<｜begin▁of▁sentence｜>': { id: '<｜begin▁of▁sentence｜>', ids: [BOS], tokens: ['<｜begin▁of▁sentence｜>'] } },
    };
    const templated = JSON.stringify({ ...json, post_processor: template });
    expect(loadTokenizer(memoryFiles('template', { 'tokenizer.json': templated }))!.encode('Hello!')).toEqual([BOS, vocab.Hello, vocab['!']]);
    const both = loadTokenizer(memoryFiles('both', { 'tokenizer.json': templated, 'tokenizer_config.json': config }))!;
    expect(both.encode('Hello!')).toEqual([BOS, vocab.Hello, vocab['!']]);
  });

  it('splits digits in groups of three, keeps special tokens whole, and leaves them out of decoded text', () => {
    expect(deepseek.encode('123123')).toEqual([BOS, vocab['123'], vocab['123']]);
    expect(deepseek.encode(`${'<｜User｜>'}Hi`)).toEqual([BOS, USER, vocab.H, vocab.i]);
    expect(deepseek.decode([BOS, vocab.Hello, EOS])).toBe('Hello');
  });

  it.each(['Hello world', '中文日本語', 'emoji 😀👍🏽 and flags 🇯🇵', 'digits 1234567, 3.14 and ١٢٣', 'mixed 中文 and English 123!', 'lines\r\n\ttabs  and   spaces '])(
    'reads %j back from its ids',
    (text) => {
      const ids = deepseek.encode(text);
      expect(ids[0]).toBe(BOS);
      expect(deepseek.decode(ids)).toBe(text);
    },
  );

  it('streams whole characters when their bytes are split across tokens', () => {
    const text = '中文日本 😀!';
    const ids = deepseek.encode(text).slice(1);
    const stream = new DecodeStream(deepseek);
    const chunks = ids.map((id) => stream.push(id));
    chunks.push(stream.end());
    // 中 is two tokens (its first two bytes merged, then its last), 文 and 😀 a token per byte.
    expect(ids.length).toBeGreaterThan([...text].length);
    expect(chunks.filter((c) => c !== '')).toEqual(['中', '文', '日', '本', ' ', '😀', '!']);
    // No replacement character, and no half of a surrogate pair (with the u flag, a whole pair is one code point).
    expect(chunks.filter((c) => c.includes('\uFFFD') || /[\uD800-\uDFFF]/u.test(c))).toEqual([]);
  });
});
