// The session on the CPU reference backend: the two attention forms agree, chunked prefill matches token-by-token
// decoding, caches carry between calls, and bad tokens are rejected with a message naming them.

import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { tensorData, zeros, type TensorData } from '../../src/ir/index.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { buildModelGraph, cacheSpecs } from '../../src/models/deepseek/model.js';
import { Session, TokenError } from '../../src/models/deepseek/session.js';
import { compareF32 } from '../../src/models/deepseek/verify/compare.js';
import { directoryFiles } from '../../src/io/local-files.js';

const backend = cpuBackend({ mode: 'reference' });
afterAll(() => backend.dispose());

const DIR = 'spec/golden/v3-tiny-f32';
const PROMPT = [
  [4, 486, 292, 467, 359, 225, 327, 405],
  [328, 362, 388, 297, 104, 83, 381, 282],
];

/** Row b's logits at chunk position s, [vocab]. */
function at(logits: TensorData, b: number, s: number): TensorData {
  const [, S, V] = logits.shape as [number, number, number];
  return tensorData('f32', [V], logits.data.slice((b * S + s) * V, (b * S + s + 1) * V) as Float32Array);
}

describe('Session', () => {
  it('gives the same logits with absorbed and naive attention', async () => {
    const results = [];
    for (const attention of ['absorb', 'naive'] as const) {
      const s = new Session(loadModel(directoryFiles(DIR), { attention }), backend, { batch: 2 });
      results.push([(await s.forward(PROMPT)).logits, (await s.forward([[5], [6]])).logits, (await s.forward([[7], [8]])).logits]);
      s.dispose();
    }
    const [absorb, naive] = results;
    absorb!.forEach((t, i) => expect(compareF32(`step ${i}`, naive![i]!, t).pass).toBe(true));
  });

  it('runs chunked prefill: 5 + 3 tokens equal 8 at once and 7 + 1', async () => {
    const model = loadModel(directoryFiles(DIR));
    const run = async (chunks: number[]) => {
      const s = new Session(model, backend, { batch: 2 });
      let last!: TensorData;
      let start = 0;
      for (const n of chunks) {
        last = (await s.forward(PROMPT.map((r) => r.slice(start, start + n)))).logits;
        start += n;
      }
      expect(s.position).toBe(8);
      s.dispose();
      return [0, 1].map((b) => at(last, b, last.shape[1]! - 1));
    };
    const whole = await run([8]);
    for (const chunks of [[5, 3], [7, 1]]) {
      const parts = await run(chunks);
      parts.forEach((t, b) => expect(compareF32(`row ${b}`, t, whole[b]!).pass).toBe(true));
    }
  });

  it('carries the caches and forgets them on reset', async () => {
    const s = new Session(loadModel(directoryFiles(DIR)), backend, { batch: 2 });
    const first = (await s.forward(PROMPT)).logits;
    const caches = await s.readCaches();
    expect(Object.keys(caches)).toEqual(['cache.0.kv_cache', 'cache.0.pe_cache', 'cache.1.kv_cache', 'cache.1.pe_cache', 'cache.2.kv_cache', 'cache.2.pe_cache']);
    expect(caches['cache.0.kv_cache']!.shape).toEqual([2, 64, 32]);
    expect(caches['cache.0.kv_cache']!.data[8 * 32]).toBe(0);
    expect(caches['cache.0.kv_cache']!.data[7 * 32]).not.toBe(0);
    s.reset();
    expect(s.position).toBe(0);
    expect((await s.forward(PROMPT)).logits.data).toEqual(first.data);
    s.dispose();
  });

  it('rejects bad tokens on the host, naming the token, its row and position, and the vocabulary size', async () => {
    const s = new Session(loadModel(directoryFiles(DIR)), backend, { batch: 2 });
    await expect(s.forward([[1, 2], [3, 512]])).rejects.toThrow(new TokenError('token id 512 at row 1, position 1 is out of range: vocab_size is 512'));
    await expect(s.forward([[1, -1], [3, 4]])).rejects.toThrow(/token id -1 at row 0, position 1/);
    await expect(s.forward([[1.5], [3]])).rejects.toThrow(/token id 1.5 at row 0/);
    await expect(s.forward([[1, 2]])).rejects.toThrow(/expected 2 rows of tokens/);
    await expect(s.forward([[1, 2], [3]])).rejects.toThrow(/row 1 has 1 tokens, row 0 has 2/);
    await expect(s.forward([Array(65).fill(1), Array(65).fill(1)])).rejects.toThrow(/65 more tokens at position 0 exceed the cache length 64/);
    s.dispose();
  });

  it('fails in the graph too when an out-of-range id reaches the embedding lookup', async () => {
    const { config, settings, weights } = loadModel(directoryFiles(DIR));
    const graph = buildModelGraph(config, settings, weights.layout, { batch: 1, seqLen: 1 });
    const exe = await backend.compile(graph, weights);
    const inputs: Record<string, TensorData> = { tokens: tensorData('i32', [1, 1], new Int32Array([700])), start_pos: tensorData('i32', [], new Int32Array([0])) };
    for (const c of cacheSpecs(config, settings, 1)) inputs[c.name] = zeros('f32', c.shape);
    await expect(exe.run(inputs)).rejects.toThrow(/take.*700/);
  });
});
