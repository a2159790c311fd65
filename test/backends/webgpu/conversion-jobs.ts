// GPU jobs that run one WGSL narrow-float conversion over a batch, paired with the CPU codec it must match bit for
// bit. Shared by the Node tests (Dawn) and the browser test (Chromium).

import type { WgslNumericsName } from '../../../src/backends/webgpu/index.js';
import { packedLoad, packedStore, wgslNumerics } from '../../../src/backends/webgpu/index.js';
import { decodeBf16, decodeF16, decodeFp8, encodeBf16, encodeF16, encodeFp8 } from '../../../src/numerics/index.js';
import type { GpuJob, GpuJobOutputs } from '../../support/gpu-job.js';

type Codes = Uint8Array | Uint16Array;

export interface Decoder {
  readonly fn: WgslNumericsName;
  readonly width: 8 | 16;
  readonly cpu: (codes: Codes) => Float32Array;
}

export interface Encoder {
  readonly fn: WgslNumericsName;
  readonly width: 8 | 16;
  readonly cpu: (values: Float32Array) => Codes;
}

const u8 = (codes: Codes): Uint8Array => codes as Uint8Array;
const u16 = (codes: Codes): Uint16Array => codes as Uint16Array;

export const DECODERS: readonly Decoder[] = [
  { fn: 'e4m3fn_to_f32', width: 8, cpu: (c) => decodeFp8(u8(c), 'f8e4m3fn') },
  { fn: 'e5m2_to_f32', width: 8, cpu: (c) => decodeFp8(u8(c), 'f8e5m2') },
  { fn: 'bf16_to_f32', width: 16, cpu: (c) => decodeBf16(u16(c)) },
  { fn: 'f16_to_f32', width: 16, cpu: (c) => decodeF16(u16(c)) },
];

export const ENCODERS: readonly Encoder[] = [
  { fn: 'f32_to_e4m3fn_sat', width: 8, cpu: (x) => encodeFp8(x, 'f8e4m3fn', 'saturate') },
  { fn: 'f32_to_e4m3fn_torch', width: 8, cpu: (x) => encodeFp8(x, 'f8e4m3fn', 'torch') },
  { fn: 'f32_to_e5m2_sat', width: 8, cpu: (x) => encodeFp8(x, 'f8e5m2', 'saturate') },
  { fn: 'f32_to_e5m2_torch', width: 8, cpu: (x) => encodeFp8(x, 'f8e5m2', 'torch') },
  { fn: 'f32_to_bf16', width: 16, cpu: encodeBf16 },
  { fn: 'f32_to_f16', width: 16, cpu: encodeF16 },
];

const WORKGROUP = 64;

/** A one-element-per-invocation kernel over `params.n` elements; `body` uses the linear index `i`. */
function elementwiseShader(declarations: string, body: string): string {
  return `${declarations}
struct Params {
  n: u32,
}
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = ((wid.z * nwg.y + wid.y) * nwg.x + wid.x) * ${WORKGROUP}u + lid;
  if (i >= params.n) {
    return;
  }
  ${body}
}
`;
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const uniformN = (n: number): Uint8Array => bytesOf(new Uint32Array([n, 0, 0, 0]));

/** Decodes packed codes into f32 values (binding 0: codes, 1: values, 2: params). */
export function decodeJob(decoder: Decoder, codes: Codes): GpuJob {
  const n = codes.length;
  const wgsl = elementwiseShader(
    `@group(0) @binding(0) var<storage, read> codes: array<u32>;
@group(0) @binding(1) var<storage, read_write> values: array<f32>;
${packedLoad('codes', decoder.width)}
${wgslNumerics([decoder.fn])}`,
    `values[i] = ${decoder.fn}(load_u${decoder.width}_codes(i));`,
  );
  return {
    label: decoder.fn,
    wgsl,
    buffers: [
      { kind: 'storage', data: bytesOf(codes) },
      { kind: 'storage', byteLength: 4 * n, read: true },
      { kind: 'uniform', data: uniformN(n) },
    ],
    workgroups: Math.ceil(n / WORKGROUP),
  };
}

/** Encodes f32 values into packed codes, one atomic lane store per element (binding 0: values, 1: codes, 2: params). */
export function encodeJob(encoder: Encoder, values: Float32Array): GpuJob {
  const n = values.length;
  const wgsl = elementwiseShader(
    `@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read_write> codes: array<atomic<u32>>;
${packedStore('codes', encoder.width)}
${wgslNumerics([encoder.fn])}`,
    `store_u${encoder.width}_codes(i, ${encoder.fn}(values[i]));`,
  );
  return {
    label: encoder.fn,
    wgsl,
    buffers: [
      { kind: 'storage', data: bytesOf(values) },
      { kind: 'storage', byteLength: Math.ceil((n * encoder.width) / 32) * 4, read: true },
      { kind: 'uniform', data: uniformN(n) },
    ],
    workgroups: Math.ceil(n / WORKGROUP),
  };
}

/**
 * Encodes with one invocation per output word, packing its lanes with pack_u8x4 / pack_u16x2 into a plain array
 * (binding 0: values, 1: codes, 2: params). `values.length` must be a whole number of words.
 */
export function encodeWordsJob(encoder: Encoder, values: Float32Array): GpuJob {
  const lanes = 32 / encoder.width;
  if (values.length % lanes !== 0) throw new RangeError(`encodeWordsJob: ${values.length} values are not whole words of ${lanes}`);
  const words = values.length / lanes;
  const args = Array.from({ length: lanes }, (_, k) => `${encoder.fn}(values[${lanes}u * i + ${k}u])`).join(', ');
  const pack = encoder.width === 8 ? 'pack_u8x4' : 'pack_u16x2';
  const wgsl = elementwiseShader(
    `@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read_write> codes: array<u32>;
${wgslNumerics([encoder.fn, pack])}`,
    `codes[i] = ${pack}(${args});`,
  );
  return {
    label: `${encoder.fn} by words`,
    wgsl,
    buffers: [
      { kind: 'storage', data: bytesOf(values) },
      { kind: 'storage', byteLength: 4 * words, read: true },
      { kind: 'uniform', data: uniformN(words) },
    ],
    workgroups: Math.ceil(words / WORKGROUP),
  };
}

function output(outputs: GpuJobOutputs): Uint8Array {
  const bytes = outputs[1];
  if (bytes === undefined) throw new Error('conversion job: binding 1 was not read back');
  return bytes;
}

/** The decoded values' bits. */
export function decodedBits(outputs: GpuJobOutputs, n: number): Uint32Array {
  const bytes = output(outputs);
  return new Uint32Array(bytes.buffer, bytes.byteOffset, n);
}

export function encodedCodes(outputs: GpuJobOutputs, width: 8 | 16, n: number): Codes {
  const bytes = output(outputs);
  return width === 8 ? bytes.subarray(0, n) : new Uint16Array(bytes.buffer, bytes.byteOffset, n);
}

const hex = (x: number, digits: number): string => `0x${x.toString(16).padStart(digits, '0')}`;

/** The first mismatches of `got` against `want` (bit patterns), described with their inputs; empty when equal. */
export function mismatches(inputBits: ArrayLike<number>, inputDigits: number, got: ArrayLike<number>, want: ArrayLike<number>, outputDigits: number): string[] {
  const lines: string[] = [];
  let count = 0;
  for (let i = 0; i < want.length; i++) {
    if (got[i] === want[i]) continue;
    if (count++ < 12) lines.push(`#${i} input ${hex(inputBits[i], inputDigits)}: got ${hex(got[i], outputDigits)}, expected ${hex(want[i], outputDigits)}`);
  }
  if (count > 12) lines.push(`... ${count} mismatches in all`);
  return lines;
}

/** Every code of a `width`-bit format. */
export function allCodes(width: 8 | 16): Codes {
  return width === 8 ? Uint8Array.from({ length: 256 }, (_, i) => i) : Uint16Array.from({ length: 65536 }, (_, i) => i);
}
