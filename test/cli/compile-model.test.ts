// `dsv3 compile --model` in-process through main(): one decode or prefill step of v3-tiny as the CPU backend
// compiles it (the same program a Session's executable runs), its figures as JSON, kernels per layer, dumps, and
// the option checks.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { runCli } from '../support/cli.js';
import type { Program } from '../../src/compiler/kernel.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { buildModelGraph, cacheSpecs } from '../../src/models/deepseek/model.js';
import { tempDir } from '../io/temp-dir.js';
import { directoryFiles } from '../../src/io/local-files.js';

const V3 = 'spec/golden/v3-tiny-f32';

const run = runCli;

/** The program the CPU backend compiles for a session's step of `seqLen` tokens per row. */
async function sessionProgram(batch: number, seqLen: number): Promise<Program> {
  const { config, settings, weights } = loadModel(directoryFiles(V3));
  const backend = cpuBackend();
  const graph = buildModelGraph(config, settings, weights.layout, { batch, seqLen });
  const exe = await backend.compile(graph, weights, { donate: cacheSpecs(config, settings, batch).map((c) => c.name) });
  backend.dispose();
  weights.close();
  return (exe as unknown as { program: Program }).program;
}

describe('dsv3 compile --model', () => {
  it('reports a decode step as JSON: the kernels a session runs, layers, bytes and flops', async () => {
    const r = await run('compile', '--model', V3, '--stats', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ graph: 'deepseek_decode', model: V3, phase: 'decode', batch: 1, seqLen: 1, backend: 'cpu', layers: 3 });
    expect(j.kernels).toBe((await sessionProgram(1, 1)).kernels.length);
    expect(j.perKernel).toHaveLength(j.kernels);
    expect(j.bytes.read).toBeGreaterThan(0);
    expect(j.bytes.written).toBeGreaterThan(0);
    expect(j.flops).toBeGreaterThan(0);
    const { before, layers, after } = j.kernelsByLayer;
    expect(layers).toHaveLength(3);
    expect(before + layers.reduce((a: number, b: number) => a + b, 0) + after).toBe(j.kernels);
    expect(layers.every((n: number) => n > 0)).toBe(true);
  });

  it('compiles a prefill chunk of --seq tokens for --batch rows', async () => {
    const decode = JSON.parse((await run('compile', '--model', V3, '--json')).out);
    const r = await run('compile', '--model', V3, '--phase', 'prefill', '--seq', '8', '--batch', '2', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ graph: 'deepseek_prefill', phase: 'prefill', batch: 2, seqLen: 8 });
    expect(j.kernels).toBe((await sessionProgram(2, 8)).kernels.length);
    expect(j.flops).toBeGreaterThan(8 * decode.flops);
  });

  it('prints the step, the claimed composites and the kernels per layer', async () => {
    const r = await run('compile', '--model', V3);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^deepseek_decode: \d+ kernels, \d+ dispatches/);
    expect(r.out).toMatch(/decode step of .*: batch 1, 1 token\(s\) per row; cpu, claimed composites: /);
    expect(r.out).toMatch(/kernels per layer: \d+ before the layers; dense layer 0: \d+; MoE layers 1-2: [\d-]+ each; \d+ after/);
  });

  it('dumps the stages and the JavaScript of the map and reduce kernels', async () => {
    const dir = tempDir();
    const r = await run('compile', '--model', V3, '--dump', dir);
    expect(r.code).toBe(0);
    const files = fs.readdirSync(path.join(dir, 'deepseek_decode'));
    expect(files).toContain('91-program.txt');
    expect(fs.readdirSync(path.join(dir, 'deepseek_decode', 'kernels')).every((f) => f.endsWith('.js'))).toBe(true);
  });

  it('compiles the FP8 GEMM path of an FP8 checkpoint with --gemm fp8', async () => {
    const r = await run('compile', '--model', 'spec/golden/v3-fp8-tiny', '--gemm', 'fp8', '--json');
    expect(r.code).toBe(0);
    const regions = (out: string) => new Set<string>(JSON.parse(out).perKernel.flatMap((k: { origin: string }) => k.origin.split('/')));
    for (const region of ['fp8_quantize', 'fp8_gemm', 'fp8_gather_gemm']) expect(regions(r.out)).toContain(region);
    const dequant = regions((await run('compile', '--model', 'spec/golden/v3-fp8-tiny', '--json')).out);
    expect([...dequant].filter((region) => region.startsWith('fp8_'))).toEqual([]);
    const f32 = await run('compile', '--model', V3, '--gemm', 'fp8');
    expect(f32.code).toBe(2);
    expect(f32.err).toMatch(/needs an FP8 checkpoint, but config.json has no quantization_config/);
  });

  it('rejects options that do not fit', async () => {
    const cases: [string[], RegExp][] = [
      [['--seq', '4'], /--seq is the prefill chunk length/],
      [['--phase', 'train'], /--phase must be prefill or decode/],
      [['--backend', 'tpu'], /--backend must be cpu or webgpu/],
      [['--batch', '0'], /--batch must be an integer >= 1, got "0"/],
      [['spec/examples/block.graph'], /a graph file or --model DIR, not both/],
      [['--gemm', 'int4'], /--gemm must be dequant or fp8/],
    ];
    for (const [extra, message] of cases) {
      const r = await run('compile', '--model', V3, ...extra);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    }
    const r = await run('compile', 'spec/examples/block.graph', '--phase', 'prefill');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--phase only apply with --model DIR/);
  });
});
