// Profiled runs: every kernel of the program timed, in order, with its name, kind and regions; the summary by
// region and the slowest kernels; and the interpreter refusing, since it runs no kernels.

import { describe, expect, it } from 'vitest';
import type { KernelTime } from '../../src/backends/backend.js';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { formatProfile, kernelRegion, timeByRegion } from '../../src/backends/profile.js';
import { compile } from '../../src/compiler/compile.js';
import { kernelKind } from '../../src/compiler/kernel.js';
import { tensorData, type WeightStore } from '../../src/ir/index.js';
import * as ops from '../../src/ops/index.js';

const time = (kernel: string, origin: string[], kind: string, ms: number): KernelTime => ({ kernel, origin, kind, seconds: ms / 1000 });

describe('profile summaries', () => {
  const times = [
    time('k0_rms_norm', ['rms_norm'], 'reduce', 2),
    time('k1_mla_attention', [], 'library:mla_attention', 30),
    time('k2_moe', ['moe', 'swiglu'], 'contraction', 10),
    time('k3_moe', ['moe'], 'map', 5),
    time('k4_matmul', [], 'contraction', 3),
    time('k5_rms_norm', ['rms_norm'], 'reduce', 2),
  ];

  it('name each kernel by its outermost composite, or the composite its library kernel runs', () => {
    expect(times.map(kernelRegion)).toEqual(['rms_norm', 'mla_attention', 'moe', 'moe', '(outside composites)', 'rms_norm']);
  });

  it('sum the time per region, slowest first', () => {
    expect(timeByRegion(times).map((r) => [r.region, r.kernels, Math.round(r.seconds * 1000)])).toEqual([
      ['mla_attention', 1, 30],
      ['moe', 2, 15],
      ['rms_norm', 2, 4],
      ['(outside composites)', 1, 3],
    ]);
  });

  it('print the total, the regions with their shares and the slowest kernels', () => {
    const text = formatProfile(times, { top: 2 });
    expect(text.split('\n')[0]).toBe('6 kernels, 52.000 ms');
    expect(text).not.toMatch(/compiled/);
    expect(text).toMatch(/^mla_attention\s+1\s+30\.000 ms\s+57\.7%$/m);
    expect(text).toMatch(/^slowest 2:$/m);
    expect(text).toMatch(/^k1_mla_attention\s+library:mla_attention\s+mla_attention\s+30\.000 ms\s+57\.7%$/m);
    expect(text).toMatch(/^k2_moe\s+contraction\s+moe\s+10\.000 ms/m);
    expect(text).not.toMatch(/^k3_moe/m);
  });

  it('report the compile a run waited for apart from the kernels', () => {
    const text = formatProfile(times, { compiled: { compiler: 0.25, device: 45.5 } });
    const lines = text.split('\n');
    expect(lines[0]).toBe('6 kernels, 52.000 ms');
    expect(lines[1]).toBe('compiled first, not counted above: the compiler 0.250 s, on the device (weights, kernels) 45.500 s');
  });
});

const weights: WeightStore = { get: () => tensorData('f32', [8], new Float32Array(8).fill(1)) };
const graph = ops.trace('norm_softmax', { x: { dtype: 'f32', shape: [4, 8] } }, ({ x }, t) => ({
  y: ops.softmax(ops.mul(ops.rmsNorm(x!, t.weight('g', 'f32', [8]), 1e-6), 2), -1),
}));
const x = tensorData('f32', [4, 8], Float32Array.from({ length: 32 }, (_, i) => Math.cos(i)));

describe('a profiled CPU run', () => {
  it('times every kernel of the program in order and returns the same outputs', async () => {
    const backend = cpuBackend();
    const exe = await backend.compile(graph, weights);
    const plain = await exe.run({ x });
    const profiled = await exe.run({ x }, { profile: true });
    // The program the backend runs: nothing is claimed or donated here.
    expect(profiled.profile!.map((t) => [t.kernel, t.kind, t.origin])).toEqual(compile(graph).kernels.map((k) => [k.name, kernelKind(k), k.origin]));
    expect(profiled.profile!.every((t) => Number.isFinite(t.seconds) && t.seconds >= 0)).toBe(true);
    expect(profiled.profile!.map(kernelRegion)).toContain('softmax');
    expect(Array.from(profiled.outputs.y!.data)).toEqual(Array.from(plain.outputs.y!.data));
    expect(plain.profile).toBeUndefined();
  });

  it('keeps how long compiling took on the executable: the compiler only when the program was not cached', async () => {
    const backend = cpuBackend();
    const first = await backend.compile(graph, weights);
    const again = await backend.compile(graph, weights);
    expect(first.compileTime!.compiler).toBeGreaterThan(0);
    expect(first.compileTime!.device).toBeGreaterThan(0);
    expect(again.compileTime!.compiler).toBeLessThan(first.compileTime!.compiler);
  });

  it('is refused by the op-by-op interpreter, which runs no kernels', async () => {
    const exe = await cpuBackend({ mode: 'reference' }).compile(graph, weights);
    await expect(exe.run({ x }, { profile: true })).rejects.toThrow(/runs no kernels to profile; profile the compiled CPU backend/);
  });
});
