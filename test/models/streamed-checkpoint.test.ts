// Random checkpoints streamed to disk a band of rows at a time (random-checkpoint.ts, checkpoint-writer.ts): bands
// continue each tensor's stream, a sharded checkpoint holds exactly the tensors of a single-file one, FP8 bands
// are whole blocks (every block scale is its block's amax / 448), and pooled draws make a checkpoint every command
// loads.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { INDEX_FILE } from '../../src/io/checkpoint.js';
import { directoryFiles, fileBytes } from '../../src/io/local-files.js';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { initCheckpoint, type InitOptions } from '../../src/models/deepseek/random-checkpoint.js';
import { normalDraws } from '../../src/models/deepseek/random-draws.js';
import { Session } from '../../src/models/deepseek/session.js';
import { tempDir } from '../io/temp-dir.js';

const backend = cpuBackend();
afterAll(() => backend.dispose());

const BASE = JSON.parse(fs.readFileSync('spec/golden/v3-tiny-f32/config.json', 'utf8')) as Record<string, unknown>;
/** Tiny, but for a vocabulary of 70,000 (embedding and head [70000, 64]: two bands of the writer's 2^22 elements) and a dense layer of 70,000 (gate and up [70000, 64]). */
const WIDE = { ...BASE, vocab_size: 70000, intermediate_size: 70000, num_hidden_layers: 2 };
const OPTIONS: InitOptions = { dtype: 'f32', seed: 7, std: 0.006, force: false, backend };

/** Every tensor of a checkpoint folder (one file or shards), as raw bytes. */
function tensors(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors'))) {
    using f = SafetensorsFile.open(fileBytes(path.join(dir, file)));
    for (const n of f.names()) out[n] = Buffer.from(f.read(n).buffer);
  }
  return out;
}

describe('normalDraws', () => {
  it('continues a tensor stream across bands, an odd band included', () => {
    const t = { name: 'w', shape: [10, 3], projection: true };
    const whole = normalDraws('independent', 0.5, 3, 'F32').f32(t, 'w', { start: 0, count: 10 });
    const banded = normalDraws('independent', 0.5, 3, 'F32');
    const parts = [banded.f32(t, 'w', { start: 0, count: 3 }), banded.f32(t, 'w', { start: 3, count: 7 })];
    expect(Buffer.from(new Float32Array([...parts[0]!, ...parts[1]!]).buffer).equals(Buffer.from(whole.buffer))).toBe(true);
    expect(() => banded.f32(t, 'w', { start: 5, count: 5 })).toThrow(/rows from 5 asked for, but its stream is at row 0; bands come in order/);
  });
});

describe('streamed checkpoints', () => {
  it('writes shards with an index holding exactly the single file tensors', async () => {
    const single = path.join(tempDir(), 'single');
    const sharded = path.join(tempDir(), 'sharded');
    await initCheckpoint(WIDE, 'wide', single, OPTIONS);
    await initCheckpoint(WIDE, 'wide', sharded, { ...OPTIONS, shardBytes: 20_000_000 });
    const files = fs.readdirSync(sharded).filter((f) => f.endsWith('.safetensors')).sort();
    // Five tensors of 17.9 MB (embedding, head, gate, up, down), no two of which fit one 20 MB shard.
    expect(files).toEqual([1, 2, 3, 4, 5].map((i) => `model-0000${i}-of-000005.safetensors`));
    const index = JSON.parse(fs.readFileSync(path.join(sharded, INDEX_FILE), 'utf8')) as { metadata: { total_size: number }; weight_map: Record<string, string> };
    const a = tensors(single);
    const b = tensors(sharded);
    expect(Object.keys(index.weight_map).sort()).toEqual(Object.keys(a).sort());
    expect(index.metadata.total_size).toBe(Object.values(a).reduce((n, t) => n + t.length, 0));
    for (const [name, data] of Object.entries(a)) expect(b[name]!.equals(data), name).toBe(true);
    loadModel(directoryFiles(sharded)).weights.close();
  });

  it('quantises FP8 weights in whole blocks: each scale is its block amax / 448', async () => {
    const f32 = path.join(tempDir(), 'f32');
    const fp8 = path.join(tempDir(), 'fp8');
    await initCheckpoint(WIDE, 'wide', f32, OPTIONS);
    await initCheckpoint(WIDE, 'wide', fp8, { ...OPTIONS, dtype: 'fp8' });
    const name = 'model.layers.0.mlp.up_proj.weight';
    using w = SafetensorsFile.open(fileBytes(path.join(f32, 'model.safetensors')));
    using q = SafetensorsFile.open(fileBytes(path.join(fp8, 'model.safetensors')));
    const values = w.read(name) as Float32Array;
    const scales = q.read(`${name}_scale_inv`) as Float32Array;
    const [rows, cols] = w.info(name).shape as [number, number];
    expect(rows).toBeGreaterThan((1 << 22) / cols); // more than one band
    const blockCols = Math.ceil(cols / 128);
    for (let br = 0; br < Math.ceil(rows / 128); br++)
      for (let bc = 0; bc < blockCols; bc++) {
        let amax = 0;
        for (let r = br * 128; r < Math.min(rows, br * 128 + 128); r++)
          for (let c = bc * 128; c < Math.min(cols, bc * 128 + 128); c++) amax = Math.max(amax, Math.abs(values[r * cols + c]!));
        expect(scales[br * blockCols + bc], `block ${br}, ${bc}`).toBe(Math.fround(amax / 448));
      }
  });

  it('writes pooled draws (bf16 and FP8) that load and run', async () => {
    for (const dtype of ['bf16', 'fp8'] as const) {
      const dir = path.join(tempDir(), dtype);
      await initCheckpoint(WIDE, 'wide', dir, { ...OPTIONS, dtype, draws: 'pooled', shardBytes: 20_000_000 });
      const model = loadModel(directoryFiles(dir), { maxSeqLen: 4 });
      const session = new Session(model, backend, { batch: 1 });
      const { logits } = await session.forward([[1, 2, 3]]);
      expect(logits.data.every(Number.isFinite), dtype).toBe(true);
      session.dispose();
      model.weights.close();
    }
  });
});
