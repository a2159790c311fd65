// The WGSL narrow-float conversions against the CPU codecs, bit for bit: every code for decoding; targeted rounding
// points, random batches and the torch golden table for encoding.

import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../../../src/io/safetensors.js';
import { GpuJobRunner } from '../../support/gpu-job.js';
import { useWebGpu } from '../../support/webgpu.js';
import type { Encoder } from './conversion-jobs.js';
import { allCodes, decodedBits, decodeJob, DECODERS, encodedCodes, encodeJob, encodeWordsJob, ENCODERS, mismatches } from './conversion-jobs.js';
import { randomBatch, targetedInputs } from './encode-inputs.js';
import { fileBytes } from '../../../src/io/local-files.js';

const gpu = useWebGpu();
const BATCH = 1 << 16;

async function checkEncoder(runner: GpuJobRunner, encoder: Encoder, values: Float32Array): Promise<void> {
  const got = encodedCodes(await runner.run(encodeJob(encoder, values)), encoder.width, values.length);
  const want = encoder.cpu(values);
  const inputBits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  expect(mismatches(inputBits, 8, got, want, encoder.width / 4), encoder.fn).toEqual([]);
}

describe('decoding every code', () => {
  it.each(DECODERS)('$fn matches the CPU codec bit for bit (NaN bits included)', async (decoder) => {
    const codes = allCodes(decoder.width);
    const got = decodedBits(await new GpuJobRunner(gpu()).run(decodeJob(decoder, codes)), codes.length);
    const want = decoder.cpu(codes);
    expect(mismatches(codes, decoder.width / 4, got, new Uint32Array(want.buffer), 8)).toEqual([]);
  });
});

describe('encoding', () => {
  it.each(ENCODERS)('$fn matches the CPU codec on values, midpoints and overflow thresholds of every format', async (encoder) => {
    await checkEncoder(new GpuJobRunner(gpu()), encoder, targetedInputs());
  });

  it(`all encoders match the CPU codecs on random batches of ${BATCH} f32 bit patterns`, async () => {
    const runner = new GpuJobRunner(gpu());
    await fc.assert(
      fc.asyncProperty(fc.integer(), async (seed) => {
        const values = randomBatch(seed, BATCH);
        for (const encoder of ENCODERS) await checkEncoder(runner, encoder, values);
      }),
      { numRuns: 4, endOnFailure: true },
    );
  });

  it.each(ENCODERS)('$fn packed a whole word per invocation (pack_u8x4 / pack_u16x2) gives the same codes', async (encoder) => {
    const values = randomBatch(1, 4096);
    const got = encodedCodes(await new GpuJobRunner(gpu()).run(encodeWordsJob(encoder, values)), encoder.width, values.length);
    expect(mismatches(new Uint32Array(values.buffer), 8, got, encoder.cpu(values), encoder.width / 4)).toEqual([]);
  });

  it.each([
    ['e4m3fn', 'f32_to_e4m3fn_torch'],
    ['e5m2', 'f32_to_e5m2_torch'],
  ])('torch mode reproduces the fp8 golden table (cast.%s)', async (name, fn) => {
    const file = SafetensorsFile.open(fileBytes(fileURLToPath(new URL('../../../spec/golden/fp8-rounding/expected.safetensors', import.meta.url))));
    try {
      const input = file.read('cast.input');
      const want = file.read(`cast.${name}`);
      if (!(input instanceof Float32Array) || !(want instanceof Uint8Array)) throw new Error('fp8 golden: expected F32 cast.input and U8 cast outputs');
      const encoder = ENCODERS.find((e) => e.fn === fn);
      if (encoder === undefined) throw new Error(`no encoder ${fn}`);
      const got = encodedCodes(await new GpuJobRunner(gpu()).run(encodeJob(encoder, input)), 8, input.length);
      expect(mismatches(new Uint32Array(input.buffer, input.byteOffset, input.length), 8, got, want, 2)).toEqual([]);
    } finally {
      file.close();
    }
  });
});
