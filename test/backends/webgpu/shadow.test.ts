// Shadow mode on WebGPU: a correct program runs through it unchanged; a wrong kernel (the reference side built from
// a different graph than the device side) is reported by name, element and WGSL; an index error in shadow mode is
// still the device's own error.

import { describe, expect, it } from 'vitest';
import * as ops from '../../../src/ops/index.js';
import { compile } from '../../../src/compiler/compile.js';
import { cpuDeviceBackend } from '../../../src/backends/cpu/backend.js';
import type { DeviceBackend } from '../../../src/backends/sdk/device-backend.js';
import type { DriverExecutable } from '../../../src/backends/sdk/executable.js';
import { firstMismatch, ShadowMismatchError } from '../../../src/backends/sdk/shadow.js';
import { webgpuBackend } from '../../../src/backends/webgpu/index.js';
import { tensorData, zeros, type StorageArray, type TensorData } from '../../../src/ir/index.js';
import { expectAgree, useWebGpuBackend } from './program-harness.js';

const shadowed = useWebGpuBackend({ shadow: true });
const noWeights = { get: () => zeros('f32', []) };
const wave = (n: number): TensorData => tensorData('f32', [2, n], Float32Array.from({ length: 2 * n }, (_, i) => Math.sin(i * 1.3)));

/** softmax rows, a scale by `factor`, a product with a weight-free matrix and a topk: several kernels of each kind. */
const pipeline = (factor: number) =>
  ops.trace('pipeline', { x: { dtype: 'f32', shape: [2, 8] } }, ({ x }) => {
    const p = ops.mul(ops.softmax(x!, -1), factor);
    return { p, gram: ops.matmul(p, ops.transpose(x!, 0, 1)), best: ops.topk(p, 3), running: ops.cumsum(x!, 1) };
  });

describe('shadow mode', () => {
  it('runs a correct program kernel by kernel with the same results', async () => {
    await expectAgree(await shadowed(), pipeline(2), { x: wave(8) }, 'tolerance');
  });

  it('names the first kernel that differs from the reference, with its element and WGSL', async () => {
    const graph = pipeline(2);
    const shadowing = await shadowed();
    // The reference runs a program with the same buffers whose scaling kernel multiplies by 3.
    const cpu = cpuDeviceBackend();
    const wrong = compile(pipeline(3), shadowing.compileOptions(pipeline(3)));
    const lying: DeviceBackend<StorageArray> = { ...cpu, prepare: (_, weights) => cpu.prepare(wrong, weights) };
    const backend = await webgpuBackend({ device: shadowing.device.context.gpu, shadow: lying });
    const exe = await backend.compile(graph, noWeights);
    const deviceSide = (exe as DriverExecutable<GPUBuffer>).program;
    expect(wrong.buffers.length).toBe(deviceSide.buffers.length);
    const failure = await exe.run({ x: wave(8) }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ShadowMismatchError);
    const message = (failure as Error).message;
    // The scaling is fused into the first kernel (the softmax rows), so that is the one named.
    const first = deviceSide.kernels[0]!.name;
    expect(message).toMatch(new RegExp(`^shadow: kernel ${first}\\b.* differs from cpu at output 0 \\(f32\\[16\\]\\) element 0: webgpu [0-9.e-]+, cpu [0-9.e-]+\\n`));
    expect(message).toContain(`// ${first}: reduce kernel`);
    expect(message).toContain('@compute @workgroup_size(');
    exe.dispose();
  });

  it('leaves an index error to the device, which reports it', async () => {
    const g = ops.trace('lookup', { t: { dtype: 'f32', shape: [3, 2] }, i: { dtype: 'i32', shape: [2] } }, ({ t, i }) => ({ rows: ops.exp(ops.take(t!, i!, 0)) }));
    const exe = await (await shadowed()).compile(g, noWeights);
    await expect(exe.run({ t: zeros('f32', [3, 2]), i: tensorData('i32', [2], Int32Array.of(0, 3)) })).rejects.toThrow(/kernel k\d+_\w+ failed: take index into axis 0 of f32\[3,2\]/);
    exe.dispose();
  });
});

describe('the shadow tolerance', () => {
  it('is exact for integers and fp8, relative for f32, one ulp wider for bf16', () => {
    expect(firstMismatch('i32', Int32Array.of(1, 2), Int32Array.of(1, 3))).toEqual({ index: 1, got: 2, want: 3 });
    expect(firstMismatch('f8e4m3fn', Uint8Array.of(0x38), Uint8Array.of(0x39))).toEqual({ index: 0, got: 0x38, want: 0x39 });
    expect(firstMismatch('f32', Float32Array.of(1000.005, NaN), Float32Array.of(1000, NaN))).toBeUndefined();
    expect(firstMismatch('f32', Float32Array.of(1000.02), Float32Array.of(1000))).toMatchObject({ index: 0 });
    expect(firstMismatch('f32', Float32Array.of(Infinity), Float32Array.of(-Infinity))).toMatchObject({ index: 0 });
    // bf16 0x3f81 is one ulp above 1.0 (0x3f80); two ulps is too far.
    expect(firstMismatch('bf16', Uint16Array.of(0x3f81), Uint16Array.of(0x3f80))).toBeUndefined();
    expect(firstMismatch('bf16', Uint16Array.of(0x3f82), Uint16Array.of(0x3f80))).toMatchObject({ index: 0 });
  });
});
