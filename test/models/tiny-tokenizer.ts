// A tiny byte-level BPE tokenizer.json in Hugging Face's format (as DeepSeek's is): the 256 byte symbols are ids
// 0..255, then a few merges spelling "hello". Every byte sequence has a spelling, so any id below its size decodes.

/** GPT-2's byte-to-symbol table: printable bytes stand for themselves, the others for code points from 256 on. */
function byteSymbols(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
  let next = 256;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(printable(b) ? b : next++));
}

const MERGES: readonly [string, string][] = [
  ['h', 'e'],
  ['l', 'l'],
  ['he', 'll'],
  ['hell', 'o'],
];

/** The token count of TINY_TOKENIZER: 256 bytes and one token per merge. */
export const TINY_TOKENIZER_SIZE = 256 + MERGES.length;

export const TINY_TOKENIZER = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [],
  normalizer: null,
  pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  post_processor: null,
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    vocab: Object.fromEntries([...byteSymbols(), ...MERGES.map(([a, b]) => a + b)].map((token, id) => [token, id])),
    merges: MERGES.map(([a, b]) => `${a} ${b}`),
  },
};
