// Text in and out: the checkpoint folder's tokenizer.json (and tokenizer_config.json, when present), the format
// Hugging Face's tokenizers write, read by Hugging Face's own JavaScript implementation (@huggingface/tokenizers),
// and decoding one token at a time for streaming.

import { Tokenizer } from '@huggingface/tokenizers';
import { readJson, type FileSet } from '../../io/file-set.js';

export const TOKENIZER_FILE = 'tokenizer.json';
const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

export interface TextTokenizer {
  /** Token ids of `text`, with the special tokens the tokenizer adds (a beginning-of-sequence token, say). */
  encode(text: string): number[];
  /** The text of `ids`, without special tokens. */
  decode(ids: readonly number[]): string;
}

/** The folder's tokenizer, or undefined when it has no tokenizer.json; throws naming the file it cannot use. */
export function loadTokenizer(files: FileSet): TextTokenizer | undefined {
  if (!files.has(TOKENIZER_FILE)) return undefined;
  const json = readJson(files, TOKENIZER_FILE);
  const config = files.has(TOKENIZER_CONFIG_FILE) ? readJson(files, TOKENIZER_CONFIG_FILE) : {};
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json as object, config as object);
  } catch (e) {
    throw new Error(`${files.pathOf(TOKENIZER_FILE)}: not a tokenizer this reader understands (${(e as Error).message})`, { cause: e });
  }
  return {
    encode: (text) => tokenizer.encode(text).ids,
    decode: (ids) => tokenizer.decode([...ids], { skip_special_tokens: true }),
  };
}

/**
 * Decodes a growing sequence of token ids into the text each new id adds. One byte-level token may end in the
 * middle of a UTF-8 character; its text is held back until the character is complete (or the stream ends).
 */
export class DecodeStream {
  private readonly ids: number[] = [];
  private shown = 0;

  constructor(private readonly tokenizer: TextTokenizer) {}

  /** The new text after `id`, possibly empty. */
  push(id: number): string {
    this.ids.push(id);
    const text = this.tokenizer.decode(this.ids);
    return text.endsWith('\uFFFD') ? '' : this.take(text);
  }

  /** Whatever text is still held back. */
  end(): string {
    return this.take(this.tokenizer.decode(this.ids));
  }

  private take(text: string): string {
    const fresh = text.slice(this.shown);
    this.shown = Math.max(this.shown, text.length);
    return fresh;
  }
}
