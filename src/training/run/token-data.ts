// The token stream a training run draws its batches from (Node only: it reads a file). `--data FILE` is either
//   - a token file: a .safetensors file holding one integer vector named `tokens` (I32 or I64, U8 for bytes), or
//   - text (any other file), UTF-8, tokenized by a tokenizer.json when one is given, else byte-level: each byte of
//     the UTF-8 encoding is one token, id 0–255, so any model with vocab_size >= 256 trains on any text without a
//     tokenizer (the bundled corpus and the tests do this).
// Every id must lie in the model's vocabulary.

import fs from 'node:fs';
import { fileBytes } from '../../io/local-files.js';
import { SafetensorsFile } from '../../io/safetensors.js';
import type { TextTokenizer } from '../../models/deepseek/tokenizer.js';

/** The tensor a token file holds. */
export const TOKENS_TENSOR = 'tokens';
/** The ids byte-level tokenization uses. */
export const BYTE_VOCAB = 256;

export type TokenEncoding = 'token file' | 'tokenizer' | 'bytes';

export interface TokenData {
  readonly tokens: Int32Array;
  readonly encoding: TokenEncoding;
}

function readTokenFile(path: string): Int32Array {
  using f = SafetensorsFile.open(fileBytes(path));
  if (!f.names().includes(TOKENS_TENSOR)) throw new Error(`${path}: a token file holds an integer vector named "${TOKENS_TENSOR}"; it has ${f.names().join(', ') || 'no tensors'}`);
  const t = f.readIR(TOKENS_TENSOR);
  if (t.shape.length !== 1 || !(t.dtype === 'i32' || t.dtype === 'u8')) throw new Error(`${path}: "${TOKENS_TENSOR}" must be a vector of I32, I64 or U8 ids, got ${t.dtype} [${t.shape.join(', ')}]`);
  return Int32Array.from(t.data as ArrayLike<number>);
}

function readText(path: string): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read the training data (${(e as Error).message})`, { cause: e });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${path}: not UTF-8 text (give a .safetensors token file for other data)`);
  }
}

/** The tokens of `path` for a model of `vocabSize` ids; `tokenizer` encodes text instead of its bytes. */
export function readTokenData(path: string, vocabSize: number, tokenizer?: TextTokenizer): TokenData {
  let data: TokenData;
  if (path.endsWith('.safetensors')) data = { tokens: readTokenFile(path), encoding: 'token file' };
  else if (tokenizer !== undefined) data = { tokens: Int32Array.from(tokenizer.encode(readText(path))), encoding: 'tokenizer' };
  else {
    if (vocabSize < BYTE_VOCAB) throw new Error(`${path}: byte-level tokens (ids 0-255) need vocab_size >= ${BYTE_VOCAB}, the model has ${vocabSize}; give a tokenizer or a token file`);
    data = { tokens: Int32Array.from(new TextEncoder().encode(readText(path))), encoding: 'bytes' };
  }
  const bad = data.tokens.findIndex((id) => id < 0 || id >= vocabSize);
  if (bad >= 0) throw new Error(`${path}: token ${bad} is id ${data.tokens[bad]}, outside the model's vocabulary of ${vocabSize}`);
  return data;
}
