// The golden data opens, matches its manifest, and reads back values whose meaning is known.

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Checkpoint } from '../../src/io/checkpoint.js';
import { SafetensorsFile, type FileDType } from '../../src/io/safetensors.js';
import { directoryFiles, fileBytes } from '../../src/io/local-files.js';

const GOLDEN = new URL('../../spec/golden/', import.meta.url).pathname;
const CASES = ['v3-tiny-f32', 'v2lite-tiny-f32', 'v3-fp8-tiny', 'v3-tiny-mtp'];

const FILE_DTYPE_OF_TORCH: Record<string, FileDType> = {
  float32: 'F32',
  float64: 'F64',
  int64: 'I64',
  float8_e4m3fn: 'F8_E4M3',
};

interface Manifest {
  tensors: Record<string, { dtype: string; shape: number[] }>;
  hf_to_official_names: Record<string, string>;
  inputs: { prefill_tokens: number[][] };
}

const manifest = (c: string): Manifest => JSON.parse(fs.readFileSync(`${GOLDEN}${c}/manifest.json`, 'utf8'));
const config = (c: string): Record<string, number> => JSON.parse(fs.readFileSync(`${GOLDEN}${c}/config.json`, 'utf8'));

describe.each(CASES)('golden %s', (c) => {
  it('expected.safetensors holds exactly the manifest tensors, with their dtypes and shapes', () => {
    const { tensors } = manifest(c);
    using file = SafetensorsFile.open(fileBytes(`${GOLDEN}${c}/expected.safetensors`));
    expect(file.names()).toEqual(Object.keys(tensors).sort());
    expect(file.metadata).toEqual({ format: 'pt' });
    for (const [name, { dtype, shape }] of Object.entries(tensors)) {
      const info = file.info(name);
      expect([name, info.dtype, info.shape]).toEqual([name, FILE_DTYPE_OF_TORCH[dtype], shape]);
    }
  });

  it('model.safetensors holds the Hugging Face names of the manifest, with shapes from config.json', () => {
    const cfg = config(c);
    using ckpt = Checkpoint.open(directoryFiles(`${GOLDEN}${c}`));
    expect(ckpt.names()).toEqual(Object.keys(manifest(c).hf_to_official_names).sort());
    expect(ckpt.info('model.embed_tokens.weight').shape).toEqual([cfg.vocab_size, cfg.hidden_size]);
    expect(ckpt.info('lm_head.weight').shape).toEqual([cfg.vocab_size, cfg.hidden_size]);
    const norm = ckpt.info('model.norm.weight');
    expect(norm).toMatchObject({ dtype: 'F32', shape: [cfg.hidden_size], file: 'model.safetensors' });
  });

  it('reads the I64 prefill tokens as i32 equal to the manifest values', () => {
    const expected = manifest(c).inputs.prefill_tokens.flat();
    using file = SafetensorsFile.open(fileBytes(`${GOLDEN}${c}/expected.safetensors`));
    const { dtype, shape, data } = file.readIR('inputs.prefill_tokens');
    expect(dtype).toBe('i32');
    expect(shape).toEqual([2, expected.length / 2]);
    expect(Array.from(data)).toEqual(expected);
    expect(Array.from(file.read('inputs.prefill_tokens') as BigInt64Array, Number)).toEqual(expected);
  });
});

describe('golden values', () => {
  it('v2lite rope table (F32, no YaRN) is cos/sin of position x 1/theta^(2i/d)', () => {
    using file = SafetensorsFile.open(fileBytes(`${GOLDEN}v2lite-tiny-f32/expected.safetensors`));
    const cos = file.read('rope.freqs_cos') as Float32Array;
    const sin = file.read('rope.freqs_sin') as Float32Array;
    const [positions, half] = file.info('rope.freqs_cos').shape as [number, number];
    for (let p = 0; p < positions; p++) {
      for (let i = 0; i < half; i++) {
        const angle = p / 10000 ** ((2 * i) / (2 * half));
        expect(Math.abs(cos[p * half + i]! - Math.cos(angle))).toBeLessThan(1e-5);
        expect(Math.abs(sin[p * half + i]! - Math.sin(angle))).toBeLessThan(1e-5);
      }
    }
  });

  it('F64 reference logits agree with the F32 logits', () => {
    using file = SafetensorsFile.open(fileBytes(`${GOLDEN}v3-tiny-f32/expected.safetensors`));
    const f64 = file.read('absorb_f64.prefill.logits');
    const f32 = file.read('absorb.prefill.logits');
    expect(f64).toBeInstanceOf(Float64Array);
    expect(f64.length).toBe(f32.length);
    f32.forEach((v, i) => expect(Math.abs(Number(v) - Number(f64[i]))).toBeLessThan(2e-5));
  });

  it('every 128x128 block of an F8_E4M3 weight holds its amax code 448 (0x7E), as block quantisation makes it', () => {
    using ckpt = Checkpoint.open(directoryFiles(`${GOLDEN}v3-fp8-tiny`));
    const fp8 = ckpt.names().filter((n) => ckpt.info(n).dtype === 'F8_E4M3');
    expect(fp8.length).toBeGreaterThan(10);
    for (const name of fp8) {
      const [rows, cols] = ckpt.info(name).shape as [number, number];
      const scale = ckpt.readIR(`${name}_scale_inv`);
      expect([name, scale.dtype, scale.shape]).toEqual([name, 'f32', [Math.ceil(rows / 128), Math.ceil(cols / 128)]]);
      const { dtype, data } = ckpt.readIR(name);
      expect(dtype).toBe('f8e4m3fn');
      const blockMax = new Uint8Array(scale.data.length);
      data.forEach((code, k) => {
        const b = Math.floor(k / cols / 128) * Math.ceil(cols / 128) + Math.floor((k % cols) / 128);
        blockMax[b] = Math.max(blockMax[b]!, code & 0x7f);
      });
      expect([name, ...blockMax]).toEqual([name, ...new Array<number>(blockMax.length).fill(0x7e)]);
    }
  });

  it('reads a row block of a matrix with readRange', () => {
    using ckpt = Checkpoint.open(directoryFiles(`${GOLDEN}v3-tiny-f32`));
    const [, cols] = ckpt.info('model.embed_tokens.weight').shape as [number, number];
    const all = ckpt.read('model.embed_tokens.weight');
    expect(ckpt.readRange('model.embed_tokens.weight', 5 * cols, 3 * cols)).toEqual(all.slice(5 * cols, 8 * cols));
  });
});
