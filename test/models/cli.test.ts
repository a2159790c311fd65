// The model commands run in-process through main(): output, exit codes and written files.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { SafetensorsFile, type FileArray, type TensorSpec } from '../../src/io/safetensors.js';
import { writeSafetensors } from '../../src/io/safetensors-writer.js';
import { compareF32 } from '../../src/models/deepseek/verify/compare.js';
import { tempDir } from '../io/temp-dir.js';
import { DEEPSEEK_V3_CONFIG } from './deepseek-v3-config.js';
import { fileBytes } from '../../src/io/local-files.js';

const run = runCli;

const V3 = 'spec/golden/v3-tiny-f32';
const PROMPT = '4,486,292,467,359,225,327,405,393,192,218,64;328,362,388,297,104,83,381,282,464,418,292,22';
const REF = ['--backend', 'cpu-reference'];

describe('dsv3 inspect', () => {
  it('summarises a golden config', async () => {
    const r = await run('inspect', '--model', V3);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/layers\s+3 \(1 dense, 2 MoE\)/);
    expect(r.out).toMatch(/parameters\s+\d/);
    expect(r.out).toMatch(/absorbed MLA\s+240 B\s+480 B/);
    expect(r.out).toMatch(/compiled decode step\s+\d+ kernels \(cpu, claimed composites: [^)]*\)/);
    expect(r.out).toMatch(/per layer\s+\d+ before the layers; dense layer 0: \d+; MoE layers 1-2: [\d-]+ each; \d+ after/);
  });

  it("prints DeepSeek-V3's 70,272 bytes of bf16 KV cache per token", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(DEEPSEEK_V3_CONFIG));
    const r = await run('inspect', '--model', dir);
    expect(r.out).toMatch(/absorbed MLA\s+70,272 B\s+140,544 B/);
    expect(r.out).toMatch(/parameters\s+[\d,]+ \(671\.\d\dB\)/);
    expect(r.out).toMatch(/MTP module\s+[\d,]+ \(11\.\d\dB\)/);
    expect(r.out).toMatch(/per layer\s+\d+ before the layers; dense layers 0-2: [\d-]+ each; MoE layers 3-60: [\d-]+ each; \d+ after/);
  });

  it('names a bad config key', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...DEEPSEEK_V3_CONFIG, n_group: 7 }));
    const r = await run('inspect', '--model', dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/"n_routed_experts" \(256\) must be divisible by "n_group" \(7\)/);
  });
});

describe('dsv3 forward', () => {
  it('writes prefill, routing and decode tensors that match the goldens, and never overwrites', async () => {
    const out = path.join(tempDir(), 'out.safetensors');
    const r = await run('forward', '--model', V3, '--tokens', PROMPT, '--decode', '505,509;281,396', '--attn', 'naive', ...REF, '--out', out);
    expect(r.code).toBe(0);
    using f = SafetensorsFile.open(fileBytes(out));
    using golden = SafetensorsFile.open(fileBytes(`${V3}/expected.safetensors`));
    expect(f.names().filter((n) => n.endsWith('logits') || n.endsWith('logits_all'))).toEqual(['decode.0.logits', 'decode.1.logits', 'prefill.logits', 'prefill.logits_all']);
    expect(f.info('prefill.gate.1.indices')).toMatchObject({ dtype: 'I32', shape: [24, 4] });
    // The golden files' names mean the same tensors: prefill.logits is the last position, logits_all every one.
    for (const mine of ['prefill.logits', 'prefill.logits_all', 'prefill.final_norm', 'decode.0.logits', 'decode.1.logits', 'decode.1.final_norm']) {
      const theirs = `naive.${mine}`;
      expect(f.info(mine!).shape).toEqual(golden.info(theirs!).shape);
      expect(compareF32(mine!, f.readIR(mine!), golden.readIR(theirs!)).pass).toBe(true);
    }
    const again = await run('forward', '--model', V3, '--tokens', '1;2', ...REF, '--out', out);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already exists; pass --force to replace it/);
  });

  it('prints a summary without --out, and MTP logits for a checkpoint with an MTP layer', async () => {
    const r = await run('forward', '--model', 'spec/golden/v3-tiny-mtp', '--tokens', PROMPT, ...REF);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^prefill\.logits_all f32\[2,12,512\] argmax( \d+){24}$/m);
    expect(r.out).toMatch(/^prefill\.logits f32\[2,512\] argmax \d+ \d+$/m);
    expect(r.out).toMatch(/^mtp\.0\.logits f32\[2,11,512\]/m);
  });

  it('profiles every step by region and kernel with --profile, on a backend that runs kernels', async () => {
    const r = await run('forward', '--model', V3, '--tokens', '4,486,292', '--decode', '505', '--profile');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^profile of the prefill \(3 tokens per row\) on cpu: \d+ kernels, [\d.]+ ms$/m);
    expect(r.out).toMatch(/^profile of decode step 0 on cpu: \d+ kernels, [\d.]+ ms$/m);
    for (const region of ['mla_attention', 'moe', 'mlp', 'rms_norm']) expect(r.out).toMatch(new RegExp(`^${region}\\s+\\d+\\s+[\\d.]+ ms\\s+[\\d.]+%$`, 'm'));
    expect(r.out).toMatch(/^decode\.0\.logits f32\[1,512\] argmax \d+$/m);
    const reference = await run('forward', '--model', V3, '--tokens', '1', '--profile', ...REF);
    expect(reference.code).toBe(2);
    expect(reference.err).toMatch(/--profile times compiled kernels, and cpu-reference .* runs none/);
  });

  it('rejects bad tokens with the token, its place and the vocabulary size', async () => {
    const bad = await run('forward', '--model', V3, '--tokens', '1,2;3,999', ...REF);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/token id 999 at row 1, position 1 is out of range: vocab_size is 512/);
    const malformed = await run('forward', '--model', V3, '--tokens', '1,x', ...REF);
    expect(malformed.code).toBe(2);
    expect(malformed.err).toMatch(/--tokens: "x" is not a token id/);
    const decodeRows = await run('forward', '--model', V3, '--tokens', '1;2', '--decode', '3', ...REF);
    expect(decodeRows.code).toBe(2);
    expect(decodeRows.err).toMatch(/--decode has 1 rows, --tokens has 2/);
  });
});

describe('dsv3 generate', () => {
  it('prints each row greedily, and repeats sampled runs with a seed', async () => {
    const greedy = await run('generate', '--model', V3, '--tokens', '4,486;328,362', '--max-new', '3', ...REF);
    expect(greedy.code).toBe(0);
    expect(greedy.out).toMatch(/^row 0: \d+ \d+ \d+\nrow 1: \d+ \d+ \d+$/);
    const sample = ['generate', '--model', V3, '--tokens', '4,486;328,362', '--max-new', '4', '--temperature', '1.2', '--top-k', '40', '--top-p', '0.9', '--seed', '11', ...REF];
    const first = await run(...sample);
    expect(first.code).toBe(0);
    expect((await run(...sample)).out).toBe(first.out);
    const bad = await run('generate', '--model', V3, '--tokens', '4', '--max-new', 'three', ...REF);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--max-new must be an integer >= 1, got "three"/);
  });
});

describe('dsv3 verify', () => {
  it('passes a golden case and prints every tensor', async () => {
    const r = await run('verify', V3, ...REF);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/cpu-reference absorb \(absorb\): 172\/172 pass/);
    expect(r.out).toMatch(/^ {4}pass {2}replay absorb\.decode\.3\.block\.2 /m);
    expect(r.out).toMatch(/^ {4}pass {2}absorb\.prefill\.logits_all +\d\.\d\de-\d+ +\d\.\d\de-\d+ +0\/12288 +0\.00002 \+ 0\.00001·\|b\| +\[\d+,\d+,\d+\]: \S+ vs \S+$/m);
    expect(r.out).toMatch(/skip absorb_f64/);
    expect(r.out).toMatch(/all 344 comparisons pass/);
  });

  it('fails, with exit code 1, when the weights differ from the goldens', async () => {
    const dir = tempDir();
    for (const f of ['config.json', 'expected.safetensors', 'manifest.json']) fs.copyFileSync(path.join(V3, f), path.join(dir, f));
    using src = SafetensorsFile.open(fileBytes(`${V3}/model.safetensors`));
    const tensors: Record<string, TensorSpec & { data: FileArray }> = Object.fromEntries(src.names().map((n) => [n, { ...src.info(n), data: src.read(n) }]));
    // One weight of layer 1's ffn_norm 1 % off: everything after it fails, and the report starts where it went wrong.
    (tensors['model.layers.1.post_attention_layernorm.weight']!.data as Float32Array)[5]! *= 1.01;
    writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
    const r = await run('verify', dir, ...REF);
    expect(r.code).toBe(1);
    const first = /first divergence: absorb\.prefill\.gate\.1\.input: 24\/1536 out of tolerance, max \|Δ\| 2\.39e-2, worst \[\d+,5\]: \S+ vs \S+/;
    expect(r.out).toMatch(new RegExp(`^  cpu-reference absorb \\(absorb\\): \\d+ of 172 fail; ${first.source}$`, 'm'));
    const rows = r.out.split('\n').filter((l) => /^ {4}(pass|FAIL) /.test(l));
    expect(rows.findIndex((l) => l.includes('FAIL'))).toBe(rows.findIndex((l) => l.includes(' absorb.prefill.gate.1.input ')));
    expect(r.out).toMatch(/^ {4}pass {2}absorb\.prefill\.attn\.1 /m);
    const quiet = await run('verify', dir, ...REF, '--quiet');
    expect(quiet.code).toBe(1);
    expect(quiet.out.split('\n')).toEqual([
      expect.stringMatching(/^\S+$/),
      expect.stringMatching(first),
      expect.stringMatching(/^  cpu-reference naive \(naive\): \d+ of 172 fail; first divergence: naive\.prefill\.gate\.1\.input: /),
      expect.stringMatching(/^\d+ failure\(s\) in 344 comparisons$/),
    ]);
  });
});
