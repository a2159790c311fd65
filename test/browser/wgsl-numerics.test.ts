// The WGSL narrow-float conversions in Chromium's WebGPU (SwiftShader here), bit for bit against the CPU codecs:
// the same jobs as test/backends/webgpu, run through the project's WebGPU code in a page.

import { expect, it } from 'vitest';
import { allCodes, decodedBits, decodeJob, DECODERS, encodedCodes, encodeJob, ENCODERS, mismatches } from '../backends/webgpu/conversion-jobs.js';
import { randomBatch, targetedInputs } from '../backends/webgpu/encode-inputs.js';
import { useBrowserGpu } from './browser-gpu.js';

const browser = useBrowserGpu();

/** Concatenated bit for bit (NaN payloads kept). */
function concatenated(a: Float32Array, b: Float32Array): Float32Array {
  const bits = new Uint32Array(a.length + b.length);
  bits.set(new Uint32Array(a.buffer, a.byteOffset, a.length));
  bits.set(new Uint32Array(b.buffer, b.byteOffset, b.length), a.length);
  return new Float32Array(bits.buffer);
}

it('has an adapter that says what it is', () => {
  const { adapter } = browser();
  console.info(`Chromium WebGPU adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description}`);
  expect(typeof adapter.vendor).toBe('string');
  expect(typeof adapter.architecture).toBe('string');
});

it('decodes every code of every narrow format like the CPU codecs', async () => {
  const codes = DECODERS.map((d) => allCodes(d.width));
  const outputs = await browser().run(DECODERS.map((d, k) => decodeJob(d, codes[k])));
  DECODERS.forEach((decoder, k) => {
    const want = new Uint32Array(decoder.cpu(codes[k]).buffer);
    expect(mismatches(codes[k], decoder.width / 4, decodedBits(outputs[k], codes[k].length), want, 8), decoder.fn).toEqual([]);
  });
});

it('encodes targeted rounding points and a random batch like the CPU codecs', async () => {
  const values = concatenated(targetedInputs(), randomBatch(7, 1 << 16));
  const outputs = await browser().run(ENCODERS.map((e) => encodeJob(e, values)));
  ENCODERS.forEach((encoder, k) => {
    const got = encodedCodes(outputs[k], encoder.width, values.length);
    expect(mismatches(new Uint32Array(values.buffer), 8, got, encoder.cpu(values), encoder.width / 4), encoder.fn).toEqual([]);
  });
});
