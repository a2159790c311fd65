// dsv3 cast and dsv3 quantize through main(), and --gemm on the model commands: output bytes, exit codes, and
// files that are never overwritten without --force.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { encodeBf16, encodeF16, encodeFp8 } from '../../src/numerics/index.js';
import { tempDir } from '../io/temp-dir.js';

const run = runCli;

/** Values around every interesting point of the targets: ties, overflow, subnormals, specials. */
const VALUES = Float32Array.from([0, -0, 1, -1.5, 448, 464, 465, -480, 57344, 61440, 65536, 2 ** -9, 2 ** -10, 3 * 2 ** -11, 1e-30, 1e30, Infinity, -Infinity, NaN, 0.1, 3.14159, -2.71828, 65519, 65520]);

function writeInput(): string {
  const file = path.join(tempDir(), 'in.f32');
  fs.writeFileSync(file, new Uint8Array(VALUES.buffer));
  return file;
}

const bytesOf = (a: Uint8Array | Uint16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('dsv3 cast', () => {
  it.each([
    ['e4m3fn', 'saturate', bytesOf(encodeFp8(VALUES, 'f8e4m3fn', 'saturate'))],
    ['e4m3fn', 'torch', bytesOf(encodeFp8(VALUES, 'f8e4m3fn', 'torch'))],
    ['e5m2', 'saturate', bytesOf(encodeFp8(VALUES, 'f8e5m2', 'saturate'))],
    ['e5m2', undefined, bytesOf(encodeFp8(VALUES, 'f8e5m2', 'torch'))],
    ['bf16', undefined, bytesOf(encodeBf16(VALUES))],
    ['f16', undefined, bytesOf(encodeF16(VALUES))],
  ] as const)('writes %s (mode %s) as the codec does', async (to, mode, want) => {
    const input = writeInput();
    const out = path.join(path.dirname(input), 'out.bin');
    const r = await run('cast', '--from', 'f32', '--to', to, ...(mode ? ['--mode', mode] : []), input, out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`wrote ${VALUES.length} ${to} values \\(${want.length} bytes\\)`));
    expect(fs.readFileSync(out).equals(want)).toBe(true);
  });

  it('never overwrites OUT without --force', async () => {
    const input = writeInput();
    const out = path.join(path.dirname(input), 'out.bin');
    fs.writeFileSync(out, 'mine');
    const refused = await run('cast', '--from', 'f32', '--to', 'e4m3fn', input, out);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/out\.bin already exists; pass --force to replace it/);
    expect(fs.readFileSync(out, 'utf8')).toBe('mine');
    expect((await run('cast', '--from', 'f32', '--to', 'e4m3fn', '--force', input, out)).code).toBe(0);
    expect(fs.statSync(out).size).toBe(VALUES.length);
  });

  it('explains bad arguments', async () => {
    const input = writeInput();
    const out = path.join(path.dirname(input), 'out.bin');
    expect((await run('cast', '--from', 'f16', '--to', 'e4m3fn', input, out)).err).toMatch(/--from must be f32, got "f16"/);
    expect((await run('cast', '--from', 'f32', '--to', 'e4m3', input, out)).err).toMatch(/--to must be one of e4m3fn, e5m2, bf16, f16, got "e4m3"/);
    expect((await run('cast', '--from', 'f32', '--to', 'bf16', '--mode', 'torch', input, out)).err).toMatch(/--mode applies only to the fp8 targets/);
    expect((await run('cast', '--from', 'f32', '--to', 'e5m2', '--mode', 'clamp', input, out)).err).toMatch(/--mode must be torch or saturate, got "clamp"/);
    fs.writeFileSync(input, new Uint8Array(7));
    expect((await run('cast', '--from', 'f32', '--to', 'e5m2', input, out)).err).toMatch(/has 7 bytes, not a whole number of f32 values/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('runs on the WebGPU backend when this machine has an adapter, and says so when it has none', async () => {
    const input = writeInput();
    const out = path.join(path.dirname(input), 'out.bin');
    const r = await run('cast', '--from', 'f32', '--to', 'e4m3fn', '--mode', 'saturate', '--backend', 'webgpu', input, out);
    if (r.code === 0) expect(fs.readFileSync(out).equals(bytesOf(encodeFp8(VALUES, 'f8e4m3fn', 'saturate')))).toBe(true);
    else expect(r.err).toMatch(/--backend webgpu: no WebGPU device/);
  });
});

describe('dsv3 quantize', () => {
  it('writes an FP8 checkpoint that forward runs with --gemm fp8, and never writes into an existing folder without --force', async () => {
    const out = path.join(tempDir(), 'fp8');
    const first = await run('quantize', '--model', 'spec/golden/v3-tiny-f32', '--out', out, '--scale-fmt', 'ue8m0');
    expect(first.err).toBe('');
    expect(first.out).toMatch(/wrote .*fp8: 120 Linear weights in FP8 \(ue8m0 scales per 128x128 block\), 19 tensors copied/);
    const again = await run('quantize', '--model', 'spec/golden/v3-tiny-f32', '--out', out);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/fp8 already exists; pass --force to replace it/);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).quantization_config.scale_fmt).toBe('ue8m0');
    expect((await run('quantize', '--model', 'spec/golden/v3-tiny-f32', '--out', out, '--force')).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).quantization_config.scale_fmt).toBeUndefined();
    const fwd = await run('forward', '--model', out, '--tokens', '1,2,3;4,5,6', '--decode', '7;8', '--gemm', 'fp8');
    // The only line on stderr says what the KV caches will take.
    expect(fwd.err).toMatch(/^dsv3 forward: KV caches: [\d,]+ bytes \(3 layers, batch 2, 4 positions[^\n]*\n?$/);
    expect(fwd.out).toMatch(/prefill\.logits_all f32\[2,3,512\] argmax \d+/);
    expect(fwd.out).toMatch(/decode\.0\.logits f32\[2,512\]/);
  });

  it('explains bad arguments', async () => {
    expect((await run('quantize', '--out', 'x')).err).toMatch(/--model DIR is required/);
    expect((await run('quantize', '--model', 'x')).err).toMatch(/--out DIR2 is required/);
    expect((await run('quantize', '--model', 'x', '--out', 'y', '--scale-fmt', 'e8m0')).err).toMatch(/--scale-fmt must be none or ue8m0, got "e8m0"/);
  });
});

describe('--gemm', () => {
  it('is checked, and fp8 needs an FP8 checkpoint', async () => {
    const bad = await run('forward', '--model', 'spec/golden/v3-tiny-f32', '--tokens', '1,2', '--gemm', 'int8');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--gemm must be dequant or fp8, got "int8"/);
    const f32 = await run('forward', '--model', 'spec/golden/v3-tiny-f32', '--tokens', '1,2', '--gemm', 'fp8');
    expect(f32.code).toBe(2);
    expect(f32.err).toMatch(/needs an FP8 checkpoint/);
    const verify = await run('verify', 'spec/golden/v3-tiny-f32', '--gemm', 'fp8', '--backend', 'cpu');
    expect(verify.code).toBe(1);
    expect(verify.out).toMatch(/FAIL nothing to compare: no run used --gemm fp8/);
  });
});
