// `dsv3 compile --model --backend webgpu`: the step compiled under this machine's adapter's limits (no in-place
// kernels; only the FP8 composites claimed), with the WGSL of every kernel in the dump. Skipped loudly without an
// adapter.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { tempDir } from '../io/temp-dir.js';
import { useWebGpu } from '../support/webgpu.js';

const V3 = 'spec/golden/v3-tiny-f32';
useWebGpu();

afterEach(() => {
  vi.restoreAllMocks();
});

async function json(...argv: string[]): Promise<Record<string, unknown>> {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation(() => {});
  expect(await main(argv)).toBe(0);
  vi.restoreAllMocks();
  return JSON.parse(out.join('\n'));
}

describe('dsv3 compile --model --backend webgpu', () => {
  it('compiles an f32 checkpoint without claims and dumps the WGSL of every kernel', async () => {
    const dir = tempDir();
    const gpu = await json('compile', '--model', V3, '--backend', 'webgpu', '--json', '--dump', dir);
    const cpu = await json('compile', '--model', V3, '--json');
    expect(gpu).toMatchObject({ backend: 'webgpu', claimed: [], layers: 3 });
    expect(gpu.kernels).toBeGreaterThan(cpu.kernels as number);
    expect(fs.readdirSync(path.join(dir, 'deepseek_decode', 'kernels')).filter((f) => f.endsWith('.wgsl'))).toHaveLength(gpu.kernels as number);
  });

  it('claims the FP8 recipe of an FP8 checkpoint under --gemm fp8', async () => {
    const gpu = await json('compile', '--model', 'spec/golden/v3-fp8-tiny', '--gemm', 'fp8', '--backend', 'webgpu', '--json');
    expect(gpu).toMatchObject({ backend: 'webgpu', claimed: ['fp8_gather_gemm', 'fp8_gemm', 'fp8_quantize'] });
    const kinds = (gpu.perKernel as { kind: string }[]).map((k) => k.kind);
    for (const op of ['fp8_gather_gemm', 'fp8_gemm', 'fp8_quantize']) expect(kinds).toContain(`library:${op}`);
  });
});
