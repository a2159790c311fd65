// The checkpoint's tokenizer.json, read with Hugging Face's JavaScript tokenizers, and decoding token by token: a
// character split across byte-level tokens is held back until it is whole.

import { describe, expect, it } from 'vitest';
import { memoryFiles } from '../../src/io/file-set.js';
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
