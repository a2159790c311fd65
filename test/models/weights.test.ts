// The weight store: checkpoints checked against the config's layout, FP8 dequantisation, stacked experts, lazy
// reads, and an error naming the tensor and file for each kind of bad checkpoint.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Checkpoint } from '../../src/io/checkpoint.js';
import { SafetensorsFile, type FileArray, type TensorSpec } from '../../src/io/safetensors.js';
import { writeSafetensors } from '../../src/io/safetensors-writer.js';
import { encodeFp8 } from '../../src/numerics/index.js';
import { loadModelConfig } from '../../src/models/deepseek/config.js';
import { dequantizeFp8 } from '../../src/models/deepseek/dequant.js';
import { ModelWeights, WeightError } from '../../src/models/deepseek/weights.js';
import { tempDir } from '../io/temp-dir.js';
import { directoryFiles, fileBytes } from '../../src/io/local-files.js';

type Tensors = Record<string, TensorSpec & { data: FileArray }>;

function readAll(dir: string): Tensors {
  using f = SafetensorsFile.open(fileBytes(path.join(dir, 'model.safetensors')));
  return Object.fromEntries(f.names().map((n) => [n, { ...f.info(n), data: f.read(n) }]));
}

const V3 = 'spec/golden/v3-tiny-f32';
const v3Tensors = readAll(V3);

/** A checkpoint folder with v3-tiny-f32's config and the given tensors. */
function checkpointWith(tensors: Tensors): string {
  const dir = tempDir();
  fs.copyFileSync(path.join(V3, 'config.json'), path.join(dir, 'config.json'));
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  return dir;
}

const open = (dir: string) => ModelWeights.open(directoryFiles(dir), loadModelConfig(directoryFiles(dir)));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ModelWeights', () => {
  it('opens every golden checkpoint', () => {
    for (const c of ['v3-tiny-f32', 'v2lite-tiny-f32', 'v3-fp8-tiny', 'v3-tiny-mtp']) open(`spec/golden/${c}`).close();
  });

  it('reads nothing at open and each tensor once, when first asked for', () => {
    const read = vi.spyOn(Checkpoint.prototype, 'read');
    const w = open(V3);
    expect(read).not.toHaveBeenCalled();
    const norm = w.get('model.norm.weight');
    expect(w.get('model.norm.weight')).toBe(norm);
    expect(read.mock.calls.map(([n]) => n)).toEqual(['model.norm.weight']);
    expect(norm).toMatchObject({ dtype: 'f32', shape: [64] });
    expect(() => w.get('model.layers.9.mlp.gate.weight')).toThrow(/weight "model.layers.9.mlp.gate.weight" is not part of this deepseek_v3 model/);
    w.close();
  });

  it('stacks each projection of the routed experts as [E, in, out], transposing [out, in]', () => {
    const w = open(V3);
    const stacked = w.get('model.layers.1.mlp.experts.down_proj.stacked');
    expect(stacked.shape).toEqual([16, 32, 64]);
    const expert5 = v3Tensors['model.layers.1.mlp.experts.5.down_proj.weight']!.data as Float32Array;
    for (const [i, o] of [[0, 0], [3, 17], [31, 63]] as const) expect(stacked.data[5 * 32 * 64 + i * 64 + o]).toBe(expert5[o * 32 + i]);
    w.close();
  });

  it('serves the rotary table as rope.cos / rope.sin [max_position_embeddings, rope / 2]', () => {
    const w = open(V3);
    expect(w.get('rope.cos').shape).toEqual([64, 4]);
    expect(Array.from(w.get('rope.sin').data.slice(0, 4))).toEqual([0, 0, 0, 0]);
    w.close();
  });

  it('dequantises FP8 weights like the official weight_dequant (checked through linear_unit.bf16.*)', () => {
    const dir = 'spec/golden/v3-fp8-tiny';
    const w = open(dir);
    using expected = SafetensorsFile.open(fileBytes(path.join(dir, 'expected.safetensors')));
    const x = expected.read('linear_unit.x') as Float32Array;
    for (const [short, name] of [['wq_a', 'q_a_proj'], ['wkv_a', 'kv_a_proj_with_mqa']]) {
      // FP8 Linears are served as stored (bytes and block scales); the graphs dequantise them as dequant.ts does.
      const bytes = w.get(`model.layers.0.self_attn.${name}.weight.e4m3fn`);
      const [out, k] = bytes.shape as [number, number];
      const scales = w.get(`model.layers.0.self_attn.${name}.weight_scale_inv`).data as Float32Array;
      const weight = { data: dequantizeFp8(bytes.data as Uint8Array, scales, out, k, 128) };
      const want = expected.read(`linear_unit.bf16.${short}`) as Float32Array;
      let worst = 0;
      for (let r = 0; r < 3; r++)
        for (let o = 0; o < out; o++) {
          let y = 0;
          for (let i = 0; i < k; i++) y += x[r * k + i]! * weight.data[o * k + i]!;
          worst = Math.max(worst, Math.abs(Math.fround(y) - want[r * out + o]!) / Math.max(1, Math.abs(want[r * out + o]!)));
        }
      expect(worst).toBeLessThanOrEqual(1e-6);
    }
    w.close();
  });

  it('dequantises partial edge blocks with their own scales', () => {
    const [rows, cols] = [130, 260];
    const values = Float32Array.from({ length: rows * cols }, (_, i) => ((i % 17) - 8) / 4);
    const w8 = encodeFp8(values, 'f8e4m3fn', 'saturate');
    const scales = new Float32Array([1, 2, 4, 8, 16, 32]);
    const w = dequantizeFp8(w8, scales, rows, cols, 128);
    for (const [r, c, s] of [[0, 0, 1], [0, 255, 2], [0, 259, 4], [129, 0, 8], [129, 200, 16], [129, 259, 32]] as const)
      expect(w[r * cols + c]).toBe(values[r * cols + c]! * s);
  });
});

describe('ModelWeights errors', () => {
  const without = (name: string): Tensors => Object.fromEntries(Object.entries(v3Tensors).filter(([n]) => n !== name));
  const Q = 'model.layers.1.self_attn.q_a_proj.weight';

  it('rejects a truncated checkpoint', () => {
    const dir = checkpointWith(v3Tensors);
    const file = path.join(dir, 'model.safetensors');
    fs.truncateSync(file, fs.statSync(file).size - 100);
    expect(() => open(dir)).toThrow(/model.safetensors: file is truncated/);
  });

  it('rejects a missing tensor', () => {
    expect(() => open(checkpointWith(without(Q)))).toThrow(new RegExp(`missing tensor "${Q}" \\(expected \\[32, 64\\]\\)`));
  });

  it('rejects a tensor of the wrong shape', () => {
    const dir = checkpointWith({ ...without(Q), [Q]: { dtype: 'F32', shape: [64, 32], data: new Float32Array(64 * 32) } });
    expect(() => open(dir)).toThrow(WeightError);
    expect(() => open(dir)).toThrow(new RegExp(`model.safetensors: tensor "${Q}" has shape \\[64, 32\\], expected \\[32, 64\\]`));
  });

  it('rejects a tensor of the wrong dtype', () => {
    const dir = checkpointWith({ ...without(Q), [Q]: { dtype: 'I32', shape: [32, 64], data: new Int32Array(32 * 64) } });
    expect(() => open(dir)).toThrow(new RegExp(`tensor "${Q}" has dtype I32, expected F32, BF16, F16`));
  });

  it('rejects FP8 weights without quantization_config', () => {
    const dir = checkpointWith({ ...without(Q), [Q]: { dtype: 'F8_E4M3', shape: [32, 64], data: new Uint8Array(32 * 64) } });
    expect(() => open(dir)).toThrow(new RegExp(`tensor "${Q}" is F8_E4M3, but config.json has no quantization_config`));
  });

  it('rejects an unexpected tensor', () => {
    const extra = 'model.layers.0.mlp.gate.e_score_correction_bias';
    const dir = checkpointWith({ ...v3Tensors, [extra]: { dtype: 'F32', shape: [16], data: new Float32Array(16) } });
    expect(() => open(dir)).toThrow(new RegExp(`model.safetensors: tensor "${extra}" is unexpected`));
  });

  it('rejects an FP8 weight whose block scales are missing or misshapen', () => {
    const dir = 'spec/golden/v3-fp8-tiny';
    const tensors = readAll(dir);
    const scale = 'model.layers.0.self_attn.kv_a_proj_with_mqa.weight_scale_inv';
    const copy = (changes: Tensors, drop?: string) => {
      const out = tempDir();
      fs.copyFileSync(path.join(dir, 'config.json'), path.join(out, 'config.json'));
      writeSafetensors(path.join(out, 'model.safetensors'), { ...Object.fromEntries(Object.entries(tensors).filter(([n]) => n !== drop)), ...changes });
      return out;
    };
    expect(() => open(copy({}, scale))).toThrow(new RegExp(`missing tensor "${scale}" \\(F32 \\[2, 2\\]\\)`));
    expect(() => open(copy({ [scale]: { dtype: 'F32', shape: [1, 2], data: new Float32Array(2) } }))).toThrow(new RegExp(`"${scale}" has shape \\[1, 2\\], expected \\[2, 2\\]`));
  });
});
