// `dsv3 compile` in-process through main(): summary, figures as JSON, stage dumps (the same as DSV3_DUMP's), views,
// refusals and parse errors.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../support/cli.js';
import { parseGraph, weightMap, zeros } from '../../src/ir/index.js';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { tempDir } from '../io/temp-dir.js';

const BLOCK = 'spec/examples/block.graph';

const run = runCli;

describe('dsv3 compile', () => {
  it('prints a one-line summary, and a per-kernel table with --stats', async () => {
    const r = await run('compile', BLOCK);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^block: 5 kernels, 5 dispatches, [\d.]+ KiB read, [\d.]+ KiB written, [\d.]+ kflop$/);
    const s = await run('compile', BLOCK, '--stats');
    expect(s.out.split('\n')).toHaveLength(2 + 5);
    expect(s.out).toMatch(/#\s+kernel\s+kind\s+origin\s+read\s+written\s+flops/);
    expect(s.out).toMatch(/k0_rms_norm\s+reduce\s+rms_norm/);
  });

  it('prints the figures as JSON with --stats --json', async () => {
    const r = await run('compile', BLOCK, '--stats', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ graph: 'block', kernels: 5, dispatches: 5 });
    expect(j.bytes.read).toBeGreaterThan(0);
    expect(j.bytes.written).toBeGreaterThan(0);
    expect(j.flops).toBeGreaterThan(0);
    expect(j.perKernel).toHaveLength(5);
    expect(j.perKernel.reduce((s: number, k: { flops: number }) => s + k.flops, 0)).toBe(j.flops);
    expect(j.perKernel[0]).toMatchObject({ name: 'k0_rms_norm', kind: 'reduce', origin: 'rms_norm' });
  });

  it('splits kernels to fit --max-buffers and rejects a bad count', async () => {
    const file = path.join(tempDir(), 'sum4.graph');
    const inputs = ['a', 'b', 'c', 'd'].map((n) => `%${n}: f32[8]`).join(', ');
    fs.writeFileSync(file, `graph sum4(${inputs}) {\n  %0 = add(%a, %b) : f32[8]\n  %1 = add(%0, %c) : f32[8]\n  %2 = add(%1, %d) : f32[8]\n  return y = %2\n}\n`);
    expect(JSON.parse((await run('compile', file, '--json')).out).kernels).toBe(1);
    const r = await run('compile', file, '--json', '--max-buffers', '3');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).kernels).toBeGreaterThan(1);
    const bad = await run('compile', BLOCK, '--max-buffers', 'two');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--max-buffers must be an integer >= 1, got "two"/);
  });

  it('writes every stage and the kernels\' JavaScript with --dump, and never overwrites without --force', async () => {
    const dir = tempDir();
    const r = await run('compile', BLOCK, '--dump', dir);
    expect(r.code).toBe(0);
    const root = path.join(dir, 'block');
    const files = fs.readdirSync(root);
    expect(files).toContain('00-input.txt');
    expect(files).toContain('90-kernels.txt');
    expect(files.filter((f) => /^\d\d-[a-z-]+\.txt$/.test(f)).length).toBeGreaterThan(3);
    expect(fs.readFileSync(path.join(root, '00-input.txt'), 'utf8')).toBe(fs.readFileSync(BLOCK, 'utf8'));
    expect(fs.readFileSync(path.join(root, 'kernels', 'k0_rms_norm.js'), 'utf8')).toMatch(/function k0_rms_norm\(/);
    expect(r.err).toContain(`wrote ${root}`);

    const again = await run('compile', BLOCK, '--dump', dir);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/dsv3 compile: .*block already exists; pass --force to replace it/);
    expect((await run('compile', BLOCK, '--dump', dir, '--force')).code).toBe(0);
  });

  it('dumps what the CPU backend dumps under DSV3_DUMP', async () => {
    const [ours, theirs] = [tempDir(), tempDir()];
    expect((await run('compile', BLOCK, '--dump', ours)).code).toBe(0);
    const graph = parseGraph(fs.readFileSync(BLOCK, 'utf8'));
    const weights = weightMap(Object.fromEntries(graph.nodes.filter((n) => n.op === 'weight').map((n) => [n.attrs.name as string, zeros('f32', n.attrs.shape as number[])])));
    vi.stubEnv('DSV3_DUMP', theirs);
    try {
      await cpuBackend().compile(graph, weights);
    } finally {
      vi.unstubAllEnvs();
    }
    const files = (dir: string) => (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
    expect(files(path.join(theirs, 'block'))).toContain(path.join('kernels', 'k0_rms_norm.js'));
    expect(files(path.join(ours, 'block'))).toEqual(files(path.join(theirs, 'block')));
    for (const f of files(path.join(ours, 'block')).filter((f) => f.includes('.')))
      expect(fs.readFileSync(path.join(ours, 'block', f), 'utf8'), f).toBe(fs.readFileSync(path.join(theirs, 'block', f), 'utf8'));
  });

  it('writes the DOT and HTML views, refusing to replace existing files', async () => {
    const dir = tempDir();
    const dot = path.join(dir, 'block.dot');
    const html = path.join(dir, 'block.html');
    expect((await run('compile', BLOCK, '--dot', dot, '--html', html)).code).toBe(0);
    expect(fs.readFileSync(dot, 'utf8')).toMatch(/^digraph "block" \{/);
    expect(fs.readFileSync(html, 'utf8')).toMatch(/^<!DOCTYPE html>/);

    fs.writeFileSync(dot, 'mine');
    const r = await run('compile', BLOCK, '--dot', dot);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/dsv3 compile: .*block\.dot already exists; pass --force to replace it/);
    expect(fs.readFileSync(dot, 'utf8')).toBe('mine');
    expect((await run('compile', BLOCK, '--dot', dot, '--force')).code).toBe(0);
    expect(fs.readFileSync(dot, 'utf8')).toMatch(/^digraph/);
  });

  it('reports a parse error with the file, line and column', async () => {
    const file = path.join(tempDir(), 'bad.graph');
    fs.writeFileSync(file, 'graph g(%x: f32[2]) {\n  %0 = exp(%x) : f32[2]\n  %1 = nope(%0) : f32[2]\n  return y = %1\n}\n');
    const r = await run('compile', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`dsv3 compile: ${file}: parse error at 3:8:`);
  });

  it('names a missing file and documents every option', async () => {
    const missing = await run('compile', 'no/such.graph');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read graph file "no\/such\.graph"/);
    expect((await run('compile')).code).toBe(2);
    const help = await run('compile', '--help');
    for (const option of ['--stats', '--json', '--dump', '--dot', '--html', '--max-buffers', '--force']) expect(help.out).toContain(option);
  });
});
