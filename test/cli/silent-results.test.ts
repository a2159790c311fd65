// No silent green: a verification that compares nothing fails; a forward or generate whose outputs are not finite fails,
// the first value that went non-finite; quantize refuses weights that are not finite.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { directoryFiles } from '../../src/io/local-files.js';
import { firstNonFinite } from '../../src/models/deepseek/first-non-finite.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { runCli } from '../support/cli.js';
import { editedCheckpoint, type CheckpointTensors } from '../support/edited-checkpoint.js';
import { tempDir } from '../io/temp-dir.js';

const V3 = 'spec/golden/v3-tiny-f32';
const REF = ['--backend', 'cpu-reference'];
const PROMPT = '4,486,292';

/** v3-tiny-f32's golden case with its manifest's runs replaced. */
function caseWithRuns(runs: Record<string, unknown>): string {
  const dir = tempDir();
  for (const f of ['config.json', 'model.safetensors', 'expected.safetensors']) fs.copyFileSync(path.join(V3, f), path.join(dir, f));
  const manifest = JSON.parse(fs.readFileSync(path.join(V3, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, runs }));
  return dir;
}

/** Sets element `index` of f32 tensor `name` to `value`. */
const setting = (name: string, index: number, value: number) => (tensors: CheckpointTensors) => void ((tensors[name]!.data as Float32Array)[index] = value);

describe('dsv3 verify that compares nothing', () => {
  it('fails when no run used the asked --gemm', async () => {
    const r = await runCli('verify', V3, '--gemm', 'fp8', ...REF);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ {2}FAIL nothing to compare: no run used --gemm fp8 \(absorb, naive did not\)$/m);
    expect(r.out).toMatch(/^nothing was compared: a verification that compares nothing fails$/m);
    const mtp = await runCli('verify', 'spec/golden/v3-tiny-mtp', '--gemm', 'fp8', ...REF);
    expect(mtp.code).toBe(1);
    expect(mtp.out).toMatch(/^ {2}FAIL nothing to compare: no run used --gemm fp8 \(mtp, mtp_hpost did not\)$/m);
  });

  it('fails a case whose manifest lists no runs, or only runs it does not reproduce', async () => {
    const empty = await runCli('verify', caseWithRuns({}), ...REF);
    expect(empty.code).toBe(1);
    expect(empty.out).toMatch(/FAIL nothing to compare: the manifest lists no run this implementation reproduces/);
    const manifest = JSON.parse(fs.readFileSync(path.join(V3, 'manifest.json'), 'utf8')) as { runs: Record<string, object> };
    const f64Only = Object.fromEntries(Object.entries(manifest.runs).map(([name, run]) => [name, { ...run, variant: 'f64' }]));
    const skipped = await runCli('verify', caseWithRuns(f64Only), ...REF);
    expect(skipped.code).toBe(1);
    expect(skipped.out).toMatch(/skip absorb: f64 reference run/);
    expect(skipped.out).toMatch(/FAIL nothing to compare: the manifest lists no run this implementation reproduces/);
  });
});

describe('dsv3 forward with outputs that are not finite', () => {
  it('fails, naming a NaN weight', async () => {
    const dir = editedCheckpoint(V3, { tensors: setting('model.layers.1.self_attn.kv_a_layernorm.weight', 3, NaN) });
    const r = await runCli('forward', '--model', dir, '--tokens', PROMPT);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^dsv3 forward: the prefill computed outputs that are not finite: prefill\.logits_all \(NaN at \[0, 0, 0\]\), .* and \d+ more$/m);
    expect(r.err).toMatch(/^the first non-finite value \(replayed op by op on cpu-reference\): weight "model\.layers\.1\.self_attn\.kv_a_layernorm\.weight" holds NaN at \[3\]$/m);
    expect(r.out).toBe('');
  });

  it('names the decode step that went non-finite, replaying the steps before it', async () => {
    const dir = editedCheckpoint(V3, { tensors: setting('model.embed_tokens.weight', 7 * 64 + 5, Infinity) });
    const r = await runCli('forward', '--model', dir, '--tokens', PROMPT, '--decode', '9,7', ...REF);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the first non-finite value .*: weight "model\.embed_tokens\.weight" holds Infinity at \[7, 5\]/);
    expect(r.err).toMatch(/^dsv3 forward: decode step 1 computed outputs that are not finite/m);
  });

  it('names the op and layer a config value makes non-finite', async () => {
    const scale = await runCli('forward', '--model', editedCheckpoint(V3, { config: { routed_scaling_factor: 1e308 } }), '--tokens', PROMPT, ...REF);
    expect(scale.code).toBe(1);
    expect(scale.err).toMatch(/first non-finite value .*: layer 1: op \w+ in moe\b.* computed Infinity at \[\d+, \d+\] from finite operands/);
    const theta = await runCli('forward', '--model', editedCheckpoint(V3, { config: { rope_theta: 1e-300 } }), '--tokens', PROMPT, ...REF);
    expect(theta.code).toBe(1);
    expect(theta.err).toMatch(/weight "rope\.cos" \(the rotary table, computed from rope_theta and rope_scaling\) holds NaN/);
  });

  it('names a NaN FP8 block scale, dequantised or in the FP8 GEMMs', async () => {
    const name = 'model.layers.0.self_attn.q_a_proj.weight';
    const dir = editedCheckpoint('spec/golden/v3-fp8-tiny', { tensors: setting(`${name}_scale_inv`, 0, NaN) });
    for (const gemm of ['dequant', 'fp8']) {
      const r = await runCli('forward', '--model', dir, '--tokens', '4,86,92', '--gemm', gemm);
      expect(r.code, gemm).toBe(1);
      expect(r.err, gemm).toContain(`weight "${name}_scale_inv" holds NaN at [0, 0]`);
    }
  });

  it('says when the reference replay stays finite: the backend computed the non-finite values', async () => {
    const model = loadModel(directoryFiles(V3));
    try {
      expect(await firstNonFinite(model, [[[4, 486]]], { mtp: true })).toMatch(/every value stays finite: the backend that ran the step computed the non-finite values/);
    } finally {
      model.weights.close();
    }
  });
});

describe('dsv3 generate with logits that are not finite', () => {
  it('fails instead of choosing a token, naming the first value that went non-finite in the step that did', async () => {
    const nanNorm = editedCheckpoint(V3, { tensors: setting('model.layers.1.self_attn.kv_a_layernorm.weight', 3, NaN) });
    const prefill = await runCli('generate', '--model', nanNorm, '--tokens', PROMPT, '--max-new', '2', ...REF);
    expect(prefill.code).toBe(1);
    expect(prefill.err).toMatch(/^dsv3 generate: the prefill computed logits that are not finite: row 0 holds NaN at \[0\]$/m);
    expect(prefill.err).toMatch(/^the first non-finite value \(replayed op by op on cpu-reference\): weight "model\.layers\.1\.self_attn\.kv_a_layernorm\.weight" holds NaN at \[3\]$/m);
    expect(prefill.out).toBe('');

    // The token the prefill picks, made infinite in the embedding: the first decode step is the one to fail.
    const first = Number(/^row 0: (\d+)$/m.exec((await runCli('generate', '--model', V3, '--tokens', PROMPT, '--max-new', '1', ...REF)).out)![1]);
    expect(PROMPT.split(',').map(Number)).not.toContain(first);
    const infEmbed = editedCheckpoint(V3, { tensors: setting('model.embed_tokens.weight', first * 64 + 5, Infinity) });
    const decode = await runCli('generate', '--model', infEmbed, '--tokens', PROMPT, '--max-new', '3', ...REF);
    expect(decode.code).toBe(1);
    expect(decode.err).toMatch(/^dsv3 generate: decode step 0 computed logits that are not finite: row 0 holds NaN at \[\d+\]$/m);
    expect(decode.err).toContain(`weight "model.embed_tokens.weight" holds Infinity at [${first}, 5]`);
  });
});

describe('dsv3 quantize', () => {
  it('refuses weights that are not finite, naming the tensor and element', async () => {
    for (const [name, value] of [['model.layers.2.mlp.experts.5.down_proj.weight', Infinity], ['model.norm.weight', NaN]] as const) {
      const dir = editedCheckpoint(V3, { tensors: setting(name, 17, value) });
      const r = await runCli('quantize', '--model', dir, '--out', path.join(tempDir(), 'fp8'));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`tensor "${name.replaceAll('.', '\\.')}" holds ${value} at \\[\\d+(, \\d+)?\\]; quantize converts only finite weights`));
    }
  });
});
