// Text in and out: the checkpoint folder's tokenizer.json (and tokenizer_config.json, when present), the format
// Hugging Face's tokenizers write, read by Hugging Face's own JavaScript implementation (@huggingface/tokenizers),
// and decoding one token at a time for streaming.
//
// DeepSeek-V3's tokenizer.json adds no beginning-of-sequence token itself (its post_processor is ByteLevel); its
// tokenizer_config.json says `add_bos_token: true`, and Python's LlamaTokenizerFast (its tokenizer_class) then
// replaces the post_processor by a template that prepends `<｜begin▁of▁sentence｜>`. The JavaScript reader ignores
// the flag, so it is applied here as Python applies it: when tokenizer_config.json has add_bos_token or
// add_eos_token, those flags alone decide the special tokens around a text.

import { Tokenizer } from '@huggingface/tokenizers';
import { readJson, type FileSet } from '../../io/file-set.js';

export const TOKENIZER_FILE = 'tokenizer.json';
const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

export interface TextTokenizer {
  /** Token ids of `text`, with the special tokens the tokenizer adds (DeepSeek's: a beginning-of-sequence token). */
  encode(text: string): number[];
  /** The text of `ids`, without special tokens. */
  decode(ids: readonly number[]): string;
}

/** The folder's tokenizer, or undefined when it has no tokenizer.json; throws naming the file it cannot use. */
export function loadTokenizer(files: FileSet): TextTokenizer | undefined {
  if (!files.has(TOKENIZER_FILE)) return undefined;
  const json = readJson(files, TOKENIZER_FILE);
  const config: unknown = files.has(TOKENIZER_CONFIG_FILE) ? readJson(files, TOKENIZER_CONFIG_FILE) : {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error(`${files.pathOf(TOKENIZER_CONFIG_FILE)}: expected a JSON object`);
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json as object, config);
  } catch (e) {
    throw new Error(`${files.pathOf(TOKENIZER_FILE)}: not a tokenizer this reader understands (${(e as Error).message})`, { cause: e });
  }
  /** The id of the token tokenizer_config.json asks to add (`add_<kind>_token`), if it asks. */
  const addedId = (kind: 'bos' | 'eos'): number | undefined => {
    const token = flaggedToken(files, config as Record<string, unknown>, kind);
    if (token === undefined) return undefined;
    const id = tokenizer.token_to_id(token);
    if (id === undefined) throw new Error(`${files.pathOf(TOKENIZER_CONFIG_FILE)}: its ${kind}_token ${JSON.stringify(token)} is not in ${TOKENIZER_FILE}`);
    return id;
  };
  const flagged = 'add_bos_token' in config || 'add_eos_token' in config;
  const [bos, eos] = [addedId('bos'), addedId('eos')];
  return {
    encode: (text) => {
      if (!flagged) return tokenizer.encode(text).ids;
      const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
      return [...(bos === undefined ? [] : [bos]), ...ids, ...(eos === undefined ? [] : [eos])];
    },
    decode: (ids) => (ids.length === 0 ? '' : tokenizer.decode([...ids], { skip_special_tokens: true })),
  };
}

/** The `<kind>_token` tokenizer_config.json asks to add (`add_<kind>_token: true`), a string or an AddedToken's content. */
function flaggedToken(files: FileSet, config: Record<string, unknown>, kind: 'bos' | 'eos'): string | undefined {
  if (config[`add_${kind}_token`] !== true) return undefined;
  const token = config[`${kind}_token`];
  const content = typeof token === 'object' && token !== null ? (token as { content?: unknown }).content : token;
  if (typeof content !== 'string') throw new Error(`${files.pathOf(TOKENIZER_CONFIG_FILE)}: add_${kind}_token is true, and ${kind}_token is not a token (a string, or an object with a "content" string)`);
  return content;
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
