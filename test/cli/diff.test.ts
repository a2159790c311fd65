// dsv3 diff: per-tensor comparisons of two dumps, the first divergence in layer order, exit codes, and what it says
// when nothing can be compared.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileArray, TensorSpec } from '../../src/io/safetensors.js';
import { writeSafetensors } from '../../src/io/safetensors-writer.js';
import { encodeBf16 } from '../../src/numerics/index.js';
import { tempDir } from '../io/temp-dir.js';
import { runCli } from '../support/cli.js';

type Dump = Record<string, TensorSpec & { data: FileArray }>;

const f32 = (shape: number[], values: number[]) => ({ dtype: 'F32' as const, shape, data: Float32Array.from(values) });
const ramp = (n: number, scale = 1) => Array.from({ length: n }, (_, i) => (i - n / 2) * scale);

/** A small dump with the names forward writes: two layers, routing of layer 1. */
function reference(): Dump {
  return {
    'prefill.embed': f32([1, 2, 4], ramp(8)),
    'prefill.attn.0': f32([1, 2, 4], ramp(8, 0.5)),
    'prefill.block.0': f32([1, 2, 4], ramp(8, 0.25)),
    'prefill.gate.1.indices': { dtype: 'I32', shape: [2, 2], data: Int32Array.of(3, 1, 0, 2) },
    'prefill.gate.1.weights': f32([2, 2], [0.7, 0.3, 0.6, 0.4]),
    'prefill.block.1': f32([1, 2, 4], ramp(8, 0.125)),
    'prefill.logits': f32([1, 5], ramp(5)),
  };
}

function write(dump: Dump, name: string): string {
  const file = path.join(tempDir(), name);
  writeSafetensors(file, dump);
  return file;
}

/** `dump` with element `at` of tensor `name` replaced by `value`. */
function changed(dump: Dump, name: string, at: number, value: number): Dump {
  const data = Float32Array.from(dump[name]!.data as Float32Array);
  data[at] = value;
  return { ...dump, [name]: { ...dump[name]!, data } };
}

describe('dsv3 diff', () => {
  it('passes equal dumps, routing compared as sets and weights by expert, with exit code 0', async () => {
    const b = write(reference(), 'b.safetensors');
    const reordered = { ...reference(), 'prefill.gate.1.indices': { dtype: 'I64' as const, shape: [2, 2], data: BigInt64Array.of(1n, 3n, 0n, 2n) }, 'prefill.gate.1.weights': f32([2, 2], [0.3, 0.7, 0.6, 0.4]) };
    const r = await runCli('diff', write(reordered, 'a.safetensors'), b);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^tolerance: \|A - B\| <= 0\.00002 \+ 0\.00001·\|B\|$/m);
    expect(r.out).toMatch(/^pass {2}prefill\.gate\.1\.indices +0\.00e\+0 +- +0\/2 +exact sets$/m);
    expect(r.out).toMatch(/^7\/7 pass$/m);
  });

  it('names the first divergence in layer order, with the worst element and both values, and exits 1', async () => {
    const b = write(reference(), 'b.safetensors');
    let a = changed(reference(), 'prefill.block.0', 5, 9);
    a = changed(a, 'prefill.logits', 0, 7);
    const r = await runCli('diff', write(a, 'a.safetensors'), b);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^2 of 7 fail; first divergence: prefill\.block\.0: 1\/8 out of tolerance, max \|Δ\| 8\.75e\+0, worst \[0,1,1\]: 9 vs 0\.25$/m);
    const rows = r.out.split('\n').filter((l) => /^(pass|FAIL) /.test(l)).map((l) => l.split(/\s+/).slice(0, 2).join(' '));
    expect(rows).toEqual(['pass prefill.embed', 'pass prefill.attn.0', 'FAIL prefill.block.0', 'pass prefill.gate.1.indices', 'pass prefill.gate.1.weights', 'pass prefill.block.1', 'FAIL prefill.logits']);
    const quiet = await runCli('diff', write(a, 'a.safetensors'), b, '--quiet');
    expect(quiet.out.split('\n')).toEqual([expect.stringMatching(/^2 of 7 fail; first divergence: prefill\.block\.0:/)]);
  });

  it('takes --atol and --rtol, reads bf16 and i64 as numbers, and compares integers exactly', async () => {
    const ref = { 'x': f32([4], [1, 2, 3, 4]), 'n': { dtype: 'I32' as const, shape: [2], data: Int32Array.of(5, 6) } };
    const bf16 = { 'x': { dtype: 'BF16' as const, shape: [4], data: encodeBf16(Float32Array.of(1.004, 2, 3, 4)) }, 'n': { dtype: 'I64' as const, shape: [2], data: BigInt64Array.of(5n, 7n) } };
    const [a, b] = [write(bf16, 'a.safetensors'), write(ref, 'b.safetensors')];
    const strict = await runCli('diff', a, b);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/^FAIL {2}n +1\.00e\+0 .* exact +\[1\]: 7 vs 6$/m);
    expect(strict.out).toMatch(/^FAIL {2}x +7\.81e-3 .*\[0\]: 1\.0078125 vs 1$/m);
    const loose = await runCli('diff', a, b, '--atol', '0', '--rtol', '0.01', '--only', 'x');
    expect(loose.code).toBe(0);
    expect(loose.out).toMatch(/^tolerance: \|A - B\| <= 0 \+ 0\.01·\|B\|$/m);
    expect(loose.out).toMatch(/^1\/1 pass$/m);
    expect((await runCli('diff', a, b, '--atol', '-1')).code).toBe(2);
    expect((await runCli('diff', a, b, '--rtol', '1e')).err).toMatch(/--rtol must be a decimal number, got "1e"/);
  });

  it('selects names with --only globs and strips prefixes, and fails when nothing is compared', async () => {
    const golden = Object.fromEntries(Object.entries(reference()).map(([n, t]) => [`naive.${n}`, t]));
    const [a, b] = [write(reference(), 'a.safetensors'), write(golden, 'b.safetensors')];
    const blocks = await runCli('diff', a, b, '--prefix-b', 'naive.', '--only', 'prefill.block.*', '--only', 'prefill.embed');
    expect(blocks.code).toBe(0);
    expect(blocks.out).toMatch(/^3\/3 pass$/m);
    const none = await runCli('diff', a, b);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/nothing compared: the two files share no tensor name; A has 7 tensors: prefill\.attn\.0, .*; B has 7 tensors: naive\.prefill\.attn\.0/);
    const unmatched = await runCli('diff', a, b, '--prefix-b', 'naive.', '--only', 'decode.*');
    expect(unmatched.code).toBe(1);
    expect(unmatched.err).toMatch(/nothing compared: no tensor name matches --only decode\.\*/);
  });

  it('fails tensors whose shapes differ, and says so', async () => {
    const a = write({ ...reference(), 'prefill.embed': f32([4, 2], ramp(8)), 'prefill.logits': f32([5, 1, 1], ramp(5)) }, 'a.safetensors');
    const r = await runCli('diff', a, write(reference(), 'b.safetensors'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL {2}prefill\.embed .*shape +shape \[4,2\] vs expected \[1,2,4\]$/m);
    expect(r.out).toMatch(/^pass {2}prefill\.logits /m);
    expect(r.out).toMatch(/^1 of 7 fail; first divergence: prefill\.embed: .* \(1 with different shapes\)$/m);
  });

  it('rejects a missing file, a directory and a wrong number of files with exit code 2', async () => {
    const b = write(reference(), 'b.safetensors');
    expect((await runCli('diff', b)).err).toMatch(/expected two files A and B, got 1/);
    const missing = await runCli('diff', path.join(tempDir(), 'nope.safetensors'), b);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope\.safetensors does not exist/);
    expect((await runCli('diff', tempDir(), b)).err).toMatch(/is a directory; expected a \.safetensors file/);
  });
});
