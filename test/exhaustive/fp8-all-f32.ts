// Every one of the 2^32 f32 bit patterns through the WGSL fp8 casts (e4m3fn and e5m2, saturate and torch modes) on
// WebGPU, compared byte for byte with the CPU codec. Not part of `npm test` (it takes minutes). Run it with
//
//   npm run build && node dist/test/exhaustive/fp8-all-f32.js [--chunks=FIRST-LAST]
//
// Chunk k holds the patterns k * 2^24 ... (k + 1) * 2^24 - 1; the default is all 256 chunks. The shader makes each
// pattern from its index (bitcast<f32>(u32)), so this checks the conversion itself on every input; the test suite
// checks loading real f32 data from buffers. The GPU computes chunk k + 1 while the CPU checks chunk k.
// Exits 1 on the first chunk with a mismatch, listing the first ones.

import type { Fp8CastMode, Fp8Format } from '../../src/numerics/index.js';
import { encodeFp8 } from '../../src/numerics/index.js';
import type { WgslNumericsName } from '../../src/backends/webgpu/index.js';
import {
  acquireDevice,
  BufferPool,
  dispatch,
  PipelineCache,
  READBACK_USAGE,
  readStorage,
  STORAGE_USAGE,
  UniformBlock,
  wgslNumerics,
  workgroupGrid,
} from '../../src/backends/webgpu/index.js';
import { ensureRuntimeDir } from '../support/runtime-dir.js';

const CHUNK_LOG2 = 24;
const CHUNK = 2 ** CHUNK_LOG2;
const CHUNKS = 2 ** (32 - CHUNK_LOG2);
const WORDS = CHUNK / 4;
const WORKGROUP = 64;

interface Cast {
  readonly fn: WgslNumericsName;
  readonly format: Fp8Format;
  readonly mode: Fp8CastMode;
}

const CASTS: readonly Cast[] = [
  { fn: 'f32_to_e4m3fn_sat', format: 'f8e4m3fn', mode: 'saturate' },
  { fn: 'f32_to_e4m3fn_torch', format: 'f8e4m3fn', mode: 'torch' },
  { fn: 'f32_to_e5m2_sat', format: 'f8e5m2', mode: 'saturate' },
  { fn: 'f32_to_e5m2_torch', format: 'f8e5m2', mode: 'torch' },
];

/** Invocation w packs the casts of patterns base + 4w ... base + 4w + 3 into word w of each cast's section. */
const SHADER = `struct Params {
  base: u32,
  words: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;

${wgslNumerics([...CASTS.map((c) => c.fn), 'pack_u8x4'])}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = ((wid.z * nwg.y + wid.y) * nwg.x + wid.x) * ${WORKGROUP}u + lid;
  if (w >= params.words) {
    return;
  }
  let first = params.base + 4u * w;
  let x0 = bitcast<f32>(first);
  let x1 = bitcast<f32>(first + 1u);
  let x2 = bitcast<f32>(first + 2u);
  let x3 = bitcast<f32>(first + 3u);
${CASTS.map((c, k) => `  out[${k}u * params.words + w] = pack_u8x4(${c.fn}(x0), ${c.fn}(x1), ${c.fn}(x2), ${c.fn}(x3));`).join('\n')}
}
`;

function parseChunks(args: readonly string[]): [number, number] {
  const arg = args.find((a) => a.startsWith('--chunks='));
  if (arg === undefined) return [0, CHUNKS - 1];
  const match = /^--chunks=(\d+)-(\d+)$/.exec(arg);
  const [first, last] = match === null ? [NaN, NaN] : [Number(match[1]), Number(match[2])];
  if (!(first <= last && last < CHUNKS)) throw new Error(`${arg}: expected --chunks=FIRST-LAST with 0 <= FIRST <= LAST < ${CHUNKS}`);
  return [first, last];
}

const hex = (x: number, digits: number): string => `0x${x.toString(16).padStart(digits, '0')}`;

/** The first mismatches of chunk `chunk` for `cast`, described; empty when the bytes agree. */
function mismatches(chunk: number, cast: Cast, got: Uint8Array, want: Uint8Array): string[] {
  const lines: string[] = [];
  const got32 = new Uint32Array(got.buffer, got.byteOffset, got.length / 4);
  const want32 = new Uint32Array(want.buffer, want.byteOffset, want.length / 4);
  for (let w = 0; w < want32.length && lines.length < 10; w++) {
    if (got32[w] === want32[w]) continue;
    for (let i = 4 * w; i < 4 * w + 4; i++) {
      if (got[i] !== want[i]) lines.push(`${cast.fn}(${hex(chunk * CHUNK + i, 8)}): GPU ${hex(got[i], 2)}, CPU ${hex(want[i], 2)}`);
    }
  }
  return lines;
}

async function main(): Promise<number> {
  const [first, last] = parseChunks(process.argv.slice(2));
  ensureRuntimeDir();
  const gpu = await acquireDevice();
  console.log(`fp8 casts of all f32 bit patterns, chunks ${first}-${last} of ${CHUNKS} (2^${CHUNK_LOG2} patterns each)`);
  console.log(`adapter: ${gpu.adapter.vendor} ${gpu.adapter.architecture} ${gpu.adapter.description}`);
  const kernel = await new PipelineCache(gpu).get(SHADER, { label: 'fp8 casts of a chunk' });
  const params = new UniformBlock(
    gpu,
    [
      { name: 'base', type: 'u32' },
      { name: 'words', type: 'u32' },
    ],
    'chunk params',
  );
  const storage = new BufferPool(gpu, STORAGE_USAGE, 'chunk output');
  const staging = new BufferPool(gpu, READBACK_USAGE, 'chunk readback');
  const outputs = [storage.acquire(CASTS.length * CHUNK), storage.acquire(CASTS.length * CHUNK)];
  const grid = workgroupGrid(Math.ceil(WORDS / WORKGROUP), gpu.limits.maxComputeWorkgroupsPerDimension);
  const submit = (chunk: number): Promise<void> => {
    params.write([chunk * CHUNK, WORDS]);
    return dispatch(gpu, kernel, [params.buffer, outputs[chunk % 2]], grid);
  };

  const input = new Uint32Array(CHUNK);
  const values = new Float32Array(input.buffer);
  const want = new Uint8Array(CHUNK);
  const start = performance.now();
  let cpuMs = 0;
  await submit(first);
  for (let chunk = first; chunk <= last; chunk++) {
    const read = readStorage(gpu, staging, outputs[chunk % 2], 'u8', CASTS.length * CHUNK);
    if (chunk < last) await submit(chunk + 1);
    const got = (await read) as Uint8Array;
    const cpuStart = performance.now();
    for (let i = 0; i < CHUNK; i++) input[i] = chunk * CHUNK + i;
    for (const [k, cast] of CASTS.entries()) {
      encodeFp8(values, cast.format, cast.mode, want);
      const lines = mismatches(chunk, cast, got.subarray(k * CHUNK, (k + 1) * CHUNK), want);
      if (lines.length > 0) {
        console.error(`MISMATCH in chunk ${chunk}:\n  ${lines.join('\n  ')}`);
        return 1;
      }
    }
    cpuMs += performance.now() - cpuStart;
    const done = chunk - first + 1;
    if (done % 16 === 0 || chunk === last) {
      const seconds = (performance.now() - start) / 1000;
      console.log(`  ${done}/${last - first + 1} chunks agree (through pattern ${hex((chunk + 1) * CHUNK - 1, 8)}), ${seconds.toFixed(1)} s`);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const patterns = (last - first + 1) * CHUNK;
  console.log(
    `OK: ${patterns} patterns x ${CASTS.length} casts agree with the CPU codec in ${seconds.toFixed(1)} s ` +
      `(CPU check ${(cpuMs / 1000).toFixed(1)} s; ${((patterns * CASTS.length) / seconds / 1e6).toFixed(0)} M casts/s overall)`,
  );
  gpu.destroy();
  return 0;
}

process.exitCode = await main();
