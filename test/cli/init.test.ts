// `dsv3 init` in-process through main(): a random checkpoint for a config that every model command loads, its
// values as documented (normal weights, unit norms, zero router bias, MTP copies of the embedding and head, one
// random stream per tensor), its dtypes (f32, bf16, fp8 in the config's block size), and the refusals.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileBytes } from '../../src/io/local-files.js';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../io/temp-dir.js';

const run = runCli;
const REF = ['--backend', 'cpu-reference'];
const BASE = JSON.parse(fs.readFileSync('spec/golden/v3-tiny-mtp/config.json', 'utf8')) as Record<string, unknown>;
const FP8 = { quant_method: 'fp8', fmt: 'e4m3', activation_scheme: 'dynamic' };
const PROMPT = '4,486,292,467,359';

/** A config file with `changes` to the tiny MTP model's (a key set to undefined is left out). */
function configFile(changes: Record<string, unknown> = {}): string {
  const file = path.join(tempDir(), 'config.json');
  fs.writeFileSync(file, JSON.stringify({ ...BASE, ...changes }));
  return file;
}

/** `dsv3 init` into a new folder; returns the folder. */
async function init(config: string, ...args: string[]): Promise<string> {
  const out = path.join(tempDir(), 'model');
  const r = await run('init', '--config', config, '--out', out, ...REF, ...args);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(new RegExp(`^wrote ${out}: \\d+ tensors, [\\d,]+ parameters, [\\d,]+ bytes of \\w+ weights`));
  return out;
}

function tensors<T>(dir: string, read: (f: SafetensorsFile) => T): T {
  using f = SafetensorsFile.open(fileBytes(path.join(dir, 'model.safetensors')));
  return read(f);
}

const values = (dir: string, name: string): Float32Array => tensors(dir, (f) => f.readIR(name).data as Float32Array);

describe('dsv3 init', () => {
  it('writes a checkpoint with two MTP modules that forward, generate, inspect, compile and quantize run on', async () => {
    const dir = await init(configFile({ num_nextn_predict_layers: 2 }));
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual({ ...BASE, num_nextn_predict_layers: 2 });

    const inspect = await run('inspect', '--model', dir);
    expect(inspect.code).toBe(0);
    expect(inspect.out).toMatch(/layers\s+3 \(1 dense, 2 MoE\) \+ 2 MTP/);
    const mtpParameters = (out: string) => Number(/MTP modules?\s+([\d,]+)/.exec(out)![1]!.replaceAll(',', ''));
    const one = await run('inspect', '--model', 'spec/golden/v3-tiny-mtp');
    expect(mtpParameters(inspect.out)).toBe(2 * mtpParameters(one.out));
    expect(inspect.out).toMatch(/^2 MTP modules /m);

    const out = path.join(tempDir(), 'out.safetensors');
    const forward = await run('forward', '--model', dir, '--tokens', PROMPT, '--decode', '7', ...REF, '--out', out);
    expect(forward.code).toBe(0);
    using f = SafetensorsFile.open(fileBytes(out));
    expect(f.info('mtp.0.logits').shape).toEqual([1, 4, 512]);
    expect(f.info('mtp.1.logits').shape).toEqual([1, 3, 512]);
    expect(f.names()).not.toContain('mtp.2.logits');

    const generate = await run('generate', '--model', dir, '--tokens', PROMPT, '--max-new', '3', ...REF);
    expect(generate.code).toBe(0);
    expect(generate.out).toMatch(/^row 0: \d+ \d+ \d+$/);

    const compile = await run('compile', '--model', dir, '--json');
    expect(compile.code).toBe(0);
    expect(JSON.parse(compile.out)).toMatchObject({ model: dir, layers: 3 });

    const fp8 = path.join(tempDir(), 'fp8');
    const quantize = await run('quantize', '--model', dir, '--out', fp8, '--block-size', '32', ...REF);
    expect(quantize.code).toBe(0);
    expect(quantize.out).toMatch(/scales per 32x32 block/);
    const fp8Forward = await run('forward', '--model', fp8, '--tokens', PROMPT, '--gemm', 'fp8', ...REF);
    expect(fp8Forward.code).toBe(0);
    expect(fp8Forward.out).toMatch(/^mtp\.1\.logits f32\[1,3,512\]/m);
  });

  it('draws normal weights with --std, unit norms, a zero router bias, and copies the embedding and head into each MTP module', async () => {
    const dir = await init(configFile({ num_nextn_predict_layers: 2 }), '--std', '0.02', '--seed', '5');
    const w = values(dir, 'model.layers.1.self_attn.kv_b_proj.weight');
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.019);
    expect(std).toBeLessThan(0.021);
    expect(values(dir, 'model.layers.1.input_layernorm.weight').every((x) => x === 1)).toBe(true);
    expect(values(dir, 'model.layers.4.shared_head.norm.weight').every((x) => x === 1)).toBe(true);
    expect(values(dir, 'model.layers.2.mlp.gate.e_score_correction_bias').every((x) => x === 0)).toBe(true);
    const embed = values(dir, 'model.embed_tokens.weight');
    const head = values(dir, 'lm_head.weight');
    expect(head).not.toEqual(embed);
    for (const layer of [3, 4]) {
      expect(values(dir, `model.layers.${layer}.embed_tokens.weight`)).toEqual(embed);
      expect(values(dir, `model.layers.${layer}.shared_head.head.weight`)).toEqual(head);
    }
    expect(values(dir, 'model.layers.3.eh_proj.weight')).not.toEqual(values(dir, 'model.layers.4.eh_proj.weight'));
  });

  it('repeats with a seed, and keeps every tensor a change of the config does not reshape', async () => {
    const config = configFile();
    const file = (dir: string) => fs.readFileSync(path.join(dir, 'model.safetensors'));
    const a = await init(config, '--seed', '7');
    expect(file(await init(config, '--seed', '7')).equals(file(a))).toBe(true);
    expect(values(await init(config, '--seed', '8'), 'lm_head.weight')).not.toEqual(values(a, 'lm_head.weight'));
    const deeper = await init(configFile({ num_nextn_predict_layers: 2 }), '--seed', '7');
    for (const name of tensors(a, (f) => f.names())) expect(values(deeper, name)).toEqual(values(a, name));
  });

  it('writes bf16 weights, and FP8 weights in the config block size or 128 x 128', async () => {
    const bf16 = await init(configFile(), '--dtype', 'bf16');
    expect(new Set(tensors(bf16, (f) => f.names().map((n) => f.info(n).dtype)))).toEqual(new Set(['BF16']));

    const blocked = await init(configFile({ quantization_config: { ...FP8, weight_block_size: [32, 32] } }));
    const q = 'model.layers.1.self_attn.kv_a_proj_with_mqa.weight';
    expect(tensors(blocked, (f) => [f.info(q).dtype, f.info(`${q}_scale_inv`).shape])).toEqual(['F8_E4M3', [2, 2]]);
    expect(tensors(blocked, (f) => f.info('model.embed_tokens.weight').dtype)).toBe('F32');
    const forward = await run('forward', '--model', blocked, '--tokens', PROMPT, '--gemm', 'fp8', ...REF);
    expect(forward.code).toBe(0);

    const added = await init(configFile(), '--dtype', 'fp8');
    expect(JSON.parse(fs.readFileSync(path.join(added, 'config.json'), 'utf8')).quantization_config).toEqual({ ...FP8, weight_block_size: [128, 128] });
    expect(tensors(added, (f) => f.info(`${q}_scale_inv`).shape)).toEqual([1, 1]);
  });

  it('refuses an existing folder without --force, a config it cannot use, a bad --std or --dtype, and more than the disk holds', async () => {
    const config = configFile();
    const dir = await init(config);
    const again = await run('init', '--config', config, '--out', dir, ...REF);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already exists; pass --force to replace it/);
    expect((await run('init', '--config', config, '--out', dir, '--seed', '1', '--force', ...REF)).code).toBe(0);

    const cases: [string[], RegExp][] = [
      [['--config', configFile({ quantization_config: { ...FP8, weight_block_size: [128, 128] } }), '--dtype', 'f32'], /has a quantization_config, which describes FP8 weights; use dtype fp8/],
      [['--config', configFile({ n_experts: 4 })], /"n_experts" is not a known key/],
      [['--config', path.join(tempDir(), 'missing.json')], /--config .*missing\.json: cannot read/],
      [['--config', config, '--std', '0'], /standard deviation must be a finite number > 0, got 0/],
      [['--config', config, '--dtype', 'f16'], /--dtype must be f32, bf16, fp8, got "f16"/],
      // Over 200 TB of weights: refused before anything is written.
      [['--config', configFile({ num_hidden_layers: 1000, hidden_size: 65536, intermediate_size: 262144, first_k_dense_replace: 1000 })], /the checkpoint needs [\d,]+ bytes, and its disk has [\d,]+ free/],
    ];
    for (const [args, message] of cases) {
      const out = path.join(tempDir(), 'model');
      const r = await run('init', ...args, '--out', out, ...REF);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(fs.existsSync(out)).toBe(false);
    }
  });
});
