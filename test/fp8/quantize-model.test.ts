// dsv3's FP8 checkpoint conversion on the v3-tiny-f32 golden model (hidden size 64, so every act_quant tile is
// partial): the result has DeepSeek's layout, loads, and runs in both GEMM modes. Over the golden prompt (prefill
// and 4 decode steps, 2 rows) the quantised model is measured against the f32 model (weight quantisation noise) and
// the FP8-GEMM run against the dequantised run (activation quantisation noise). With 64-wide layers and 3 mantissa
// bits both are large: logits rms relative differences 0.15-0.21, max |Δ| 1.5-2.2 (logits have max ~3-4), up to
// 10 of 64 token routings changed. The bounds (rms rel 0.3, max |Δ| 3, 16 tokens) only catch gross mistakes (a
// missing or misapplied scale moves logits by orders of magnitude); the bit-level checks are the golden tests.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import type { TensorData } from '../../src/ir/index.js';
import { Checkpoint } from '../../src/io/checkpoint.js';
import { loadModelConfig } from '../../src/models/deepseek/config.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { quantizeCheckpoint, type QuantizeSummary } from '../../src/models/deepseek/quantize.js';
import { Session } from '../../src/models/deepseek/session.js';
import type { GemmMode } from '../../src/models/deepseek/settings.js';
import { GoldenCase } from '../../src/models/deepseek/verify/golden-case.js';
import { blockQuant } from './naive-fp8.js';
import { directoryFiles } from '../../src/io/local-files.js';

const SOURCE = 'spec/golden/v3-tiny-f32';
const backend = cpuBackend({ mode: 'compiled' });
afterAll(() => backend.dispose());

/** Prefill logits [B, S, V] and the logits of each decode step of the golden prompt, concatenated; and the routing. */
async function run(dir: string, gemm: GemmMode): Promise<{ logits: Float32Array; routing: TensorData[] }> {
  const golden = GoldenCase.open(directoryFiles(SOURCE));
  const model = loadModel(directoryFiles(dir), { gemm });
  const session = new Session(model, backend, { batch: 2 });
  try {
    const steps = [await session.forward(golden.tokens('prefill'))];
    const decode = golden.tokens('decode');
    for (let s = 0; s < decode[0]!.length; s++) steps.push(await session.forward(decode.map((row) => [row[s]!])));
    const logits = new Float32Array(steps.reduce((n, r) => n + r.logits.data.length, 0));
    steps.reduce((at, r) => (logits.set(r.logits.data as Float32Array, at), at + r.logits.data.length), 0);
    return { logits, routing: steps.flatMap((r) => Object.entries(r.outputs).flatMap(([k, t]) => (k.endsWith('.indices') ? [t] : []))) };
  } finally {
    session.dispose();
    model.weights.close();
    golden.close();
  }
}

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const rmsRel = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / b.reduce((s, v) => s + v * v, 0));
const sameSets = (a: TensorData[], b: TensorData[]) => {
  let tokens = 0;
  let differ = 0;
  a.forEach((t, i) => {
    const k = t.shape[1]!;
    for (let r = 0; r < t.shape[0]!; r++, tokens++) {
      const set = (x: TensorData) => [...x.data.subarray(r * k, (r + 1) * k)].sort().join();
      if (set(t) !== set(b[i]!)) differ++;
    }
  });
  return { tokens, differ };
};

describe.each(['none', 'ue8m0'] as const)('quantize v3-tiny-f32 (scale_fmt %s)', (scaleFmt) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dsv3-fp8-'));
  const out = path.join(root, 'fp8');
  let summary: QuantizeSummary;
  beforeAll(async () => {
    summary = await quantizeCheckpoint(SOURCE, out, { scaleFmt, force: false, backend });
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("writes DeepSeek's FP8 layout: e4m3 weights with 128x128 block scales, everything else copied", () => {
    expect(summary).toEqual({ quantized: 2 * 5 + 8 + 2 * (16 * 3 + 3), copied: 3 + 3 * 4 + 2 * 2 });
    const config = loadModelConfig(directoryFiles(out));
    expect(config.quantization).toEqual({ blockSize: [128, 128], scaleFmt });
    const ckpt = Checkpoint.open(directoryFiles(out));
    const src = Checkpoint.open(directoryFiles(SOURCE));
    try {
      const name = 'model.layers.1.mlp.experts.3.down_proj.weight';
      expect(ckpt.info(name).dtype).toBe('F8_E4M3');
      expect(ckpt.info(`${name}_scale_inv`).shape).toEqual([1, 1]);
      const want = blockQuant(src.read(name) as Float32Array, 64, 32, 128, scaleFmt);
      expect(Buffer.from(ckpt.read(name) as Uint8Array).equals(Buffer.from(want.q))).toBe(true);
      expect(Array.from(ckpt.read(`${name}_scale_inv`) as Float32Array)).toEqual(Array.from(want.s));
      expect(Buffer.from((ckpt.read('model.norm.weight') as Float32Array).buffer).equals(Buffer.from((src.read('model.norm.weight') as Float32Array).buffer))).toBe(true);
    } finally {
      ckpt.close();
      src.close();
    }
  });

  it('runs with FP8 GEMMs and with dequantised weights; the measured differences stay within the stated bounds', async () => {
    const f32 = await run(SOURCE, 'dequant');
    const dequant = await run(out, 'dequant');
    const fp8 = await run(out, 'fp8');
    const w = { maxAbs: maxAbs(dequant.logits, f32.logits), rms: rmsRel(dequant.logits, f32.logits), routing: sameSets(dequant.routing, f32.routing) };
    const a = { maxAbs: maxAbs(fp8.logits, dequant.logits), rms: rmsRel(fp8.logits, dequant.logits), routing: sameSets(fp8.routing, dequant.routing) };
    console.log(
      `${scaleFmt}: dequant vs f32 max |Δ| ${w.maxAbs.toFixed(3)}, rms rel ${w.rms.toFixed(3)}, routing ${w.routing.differ}/${w.routing.tokens} tokens differ; ` +
        `fp8 vs dequant max |Δ| ${a.maxAbs.toFixed(3)}, rms rel ${a.rms.toFixed(3)}, routing ${a.routing.differ}/${a.routing.tokens} tokens differ`,
    );
    for (const m of [w, a]) {
      expect(m.rms).toBeLessThan(0.3);
      expect(m.maxAbs).toBeLessThan(3);
      expect(m.routing.differ).toBeLessThanOrEqual(16);
    }
  });
});

describe('GEMM mode checks', () => {
  it('refuses FP8 GEMMs for a checkpoint without quantization_config', () => {
    expect(() => loadModel(directoryFiles(SOURCE), { gemm: 'fp8' })).toThrow(/gemm "fp8" needs an FP8 checkpoint, but config.json has no quantization_config \(dsv3 quantize makes one\)/);
  });

  it('names the first Linear weight that is not FP8 when the config says FP8', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsv3-fp8-'));
    try {
      fs.copyFileSync(path.join(SOURCE, 'model.safetensors'), path.join(dir, 'model.safetensors'));
      const config = JSON.parse(fs.readFileSync(path.join(SOURCE, 'config.json'), 'utf8'));
      const quantization_config = { activation_scheme: 'dynamic', fmt: 'e4m3', quant_method: 'fp8', weight_block_size: [128, 128] };
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, quantization_config }));
      expect(() => loadModel(directoryFiles(dir), { gemm: 'fp8' })).toThrow(/tensor "model\.layers\.0\.self_attn\.q_a_proj\.weight" is F32; gemm fp8 .* needs F8_E4M3 weights/);
      const model = loadModel(directoryFiles(dir), { gemm: 'dequant' });
      model.weights.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to write into an existing folder, and to convert an FP8 checkpoint again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsv3-fp8-'));
    try {
      await expect(quantizeCheckpoint(SOURCE, dir, { scaleFmt: 'none', force: false, backend })).rejects.toThrow(/already exists; refusing to write into it/);
      expect(fs.readdirSync(dir)).toEqual([]);
      await expect(quantizeCheckpoint('spec/golden/v3-fp8-tiny', path.join(dir, 'x'), { scaleFmt: 'none', force: false, backend })).rejects.toThrow(/already has a quantization_config/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
