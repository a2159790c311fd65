// KV caches sized to the run: a session's caches (and the rotary table) hold the positions asked for, not
// max_position_embeddings; their size is known before they are allocated; and the cache length moves nothing but
// memory: YaRN follows max_position_embeddings (quirk 3 of spec/golden/README.md), whatever the caches hold.

import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { memoryFiles } from '../../src/io/file-set.js';
import { directoryFiles, fileBytes } from '../../src/io/local-files.js';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { parseModelConfig } from '../../src/models/deepseek/config.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { activeYarn } from '../../src/models/deepseek/rope.js';
import { kvCacheBytes, Session, TokenError } from '../../src/models/deepseek/session.js';
import { defaultSettings } from '../../src/models/deepseek/settings.js';
import { compareF32 } from '../../src/models/deepseek/verify/compare.js';
import { DEEPSEEK_V3_CONFIG } from './deepseek-v3-config.js';

const backend = cpuBackend({ mode: 'reference' });
afterAll(() => backend.dispose());

const DIR = 'spec/golden/v3-tiny-f32';
const PROMPT = [
  [4, 486, 292, 467, 359, 225, 327, 405, 393, 192, 218, 64],
  [328, 362, 388, 297, 104, 83, 381, 282, 464, 418, 292, 22],
];
/** 12 prompt positions and one decode step: 13, under the 32 of rope_scaling.original_max_position_embeddings. */
const RUN = 13;

/** The golden prefill logits (every position) and first decode step's, computed by the official code with YaRN on. */
function goldenLogits() {
  using golden = SafetensorsFile.open(fileBytes(`${DIR}/expected.safetensors`));
  return { prefill: golden.readIR('absorb.prefill.logits_all'), decode: golden.readIR('absorb.decode.0.logits') };
}

/** Prefill and one decode step of `session`, compared with the golden logits: whether both pass. */
async function matchesGolden(session: Session): Promise<boolean> {
  const golden = goldenLogits();
  const prefill = (await session.forward(PROMPT)).logits;
  const decode = (await session.forward([[505], [281]])).logits;
  const step = { ...decode, shape: [2, decode.shape[2]!] };
  return compareF32('prefill', prefill, golden.prefill).pass && compareF32('decode', step, golden.decode).pass;
}

describe('cache length', () => {
  it('keeps YaRN on with caches shorter than the original context: the golden logits (YaRN active) still match', async () => {
    const model = loadModel(directoryFiles(DIR), { maxSeqLen: RUN });
    expect(model.config.ropeScaling!.originalMaxPositionEmbeddings).toBeGreaterThan(RUN);
    expect(activeYarn(model.config)).toBeDefined();
    expect(model.weights.layout.ropeCos.shape).toEqual([RUN, 4]);
    const session = new Session(model, backend, { batch: 2 });
    try {
      expect(session.maxSeqLen).toBe(RUN);
      expect(await matchesGolden(session)).toBe(true);
      const caches = await session.readCaches();
      expect(caches['cache.0.kv_cache']!.shape[1]).toBe(RUN);
      await expect(session.forward([[1], [2]])).rejects.toThrow(TokenError);
    } finally {
      session.dispose();
      model.weights.close();
    }
  });

  it('notices a YaRN decision that follows the cache length: the same weights with max_position_embeddings 13 miss the goldens', async () => {
    const config = { ...JSON.parse(fs.readFileSync(`${DIR}/config.json`, 'utf8')), max_position_embeddings: RUN };
    const model = loadModel(memoryFiles('yarn-off', { 'config.json': JSON.stringify(config), 'model.safetensors': fs.readFileSync(`${DIR}/model.safetensors`) }));
    expect(activeYarn(model.config)).toBeUndefined();
    const session = new Session(model, backend, { batch: 2 });
    try {
      expect(await matchesGolden(session)).toBe(false);
    } finally {
      session.dispose();
      model.weights.close();
    }
  });

  it('sizes a session of a full-length model by its maxSeqLen option', async () => {
    const model = loadModel(directoryFiles(DIR));
    expect(model.settings.maxSeqLen).toBe(64);
    expect(() => new Session(model, backend, { batch: 2, maxSeqLen: 65 })).toThrow(/maxSeqLen must be an integer in \[1, 64\]/);
    const session = new Session(model, backend, { batch: 2, maxSeqLen: RUN });
    try {
      expect(await matchesGolden(session)).toBe(true);
      expect((await session.readCaches())['cache.0.kv_cache']!.shape[1]).toBe(RUN);
    } finally {
      session.dispose();
      model.weights.close();
    }
  });

  it("knows DeepSeek-V3's caches before allocating them: 421,632 bytes for 3 positions, 23 GB for 163,840", () => {
    const config = parseModelConfig(DEEPSEEK_V3_CONFIG);
    const model = { config, settings: defaultSettings(config) };
    // 61 layers, each caching the 512-wide latent and the 64-wide rope key per position, in f32.
    expect(kvCacheBytes(model, 1, 3)).toBe(61 * (512 + 64) * 4 * 3);
    expect(kvCacheBytes(model, 1)).toBe(61 * (512 + 64) * 4 * 163_840);
    expect(kvCacheBytes(model, 1)).toBeGreaterThan(23e9);
  });
});
