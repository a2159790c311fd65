// How runs behave: runtime parameters without recompiling, a KV cache updated in place over several runs through
// donation and kept DeviceTensors, copies of inputs the caller did not give up, index-check errors naming the
// kernel, input checking, and a lost device failing instead of hanging.

import { describe, expect, it } from 'vitest';
import * as ops from '../../../src/ops/index.js';
import { cpuBackend } from '../../../src/backends/cpu/backend.js';
import { acquireDevice, DeviceLostError, webgpuBackend } from '../../../src/backends/webgpu/index.js';
import type { BufferTensor } from '../../../src/backends/sdk/device-tensor.js';
import type { DriverExecutable } from '../../../src/backends/sdk/executable.js';
import { kernelKind } from '../../../src/compiler/kernel.js';
import { tensorData, zeros, type Graph, type TensorData } from '../../../src/ir/index.js';
import type { DeviceTensor } from '../../../src/backends/backend.js';
import { firstMismatch } from '../../../src/backends/sdk/shadow.js';
import { bitMismatch } from '../../support/compare.js';
import { ensureRuntimeDir } from '../../support/runtime-dir.js';
import { useWebGpuBackend } from './program-harness.js';

const gpu = useWebGpuBackend();

const row = (n: number, phase: number): TensorData => tensorData('f32', [1, n], Float32Array.from({ length: n }, (_, i) => Math.sin(i + phase)));
const scalar = (v: number): TensorData => tensorData('i32', [], Int32Array.of(v));

/** One decode step: write x at `pos` of the cache, then score x against every cached row. */
function decodeStep(seq: number, dim: number): Graph {
  return ops.trace('decode', { cache: { dtype: 'f32', shape: [seq, dim] }, x: { dtype: 'f32', shape: [1, dim] }, pos: { dtype: 'i32', shape: [] } }, ({ cache, x, pos }) => {
    const updated = ops.dynamicUpdateSlice(cache!, x!, pos!, 0);
    return { cache_out: updated, scores: ops.matmul(x!, ops.transpose(updated, 0, 1)), window: ops.dynamicSlice(updated, pos!, 0, 2) };
  });
}

describe('runtime parameters', () => {
  it('a dynamic slice at a new position reuses every pipeline', async () => {
    const backend = await gpu();
    const g = ops.trace('window', { x: { dtype: 'f32', shape: [9, 3] }, start: { dtype: 'i32', shape: [] } }, ({ x, start }) => ({ w: ops.mul(ops.dynamicSlice(x!, start!, 0, 4), 2) }));
    const x = tensorData('f32', [9, 3], Float32Array.from({ length: 27 }, (_, i) => i));
    const exe = await backend.compile(g, { get: () => zeros('f32', []) });
    const pipelines = backend.device.context.pipelines.size;
    for (const start of [0, 3, 5, 8, -2]) {
      const { outputs } = await exe.run({ x, start: scalar(start) });
      const from = Math.min(Math.max(start, 0), 5);
      expect(Array.from(outputs.w!.data)).toEqual(Array.from({ length: 12 }, (_, i) => 2 * (from * 3 + i)));
    }
    expect(backend.device.context.pipelines.size).toBe(pipelines);
    exe.dispose();
  });
});

describe('donation and kept tensors', () => {
  it('a KV cache is updated in place over several runs and equals the CPU', async () => {
    const [seq, dim] = [5, 6];
    const g = decodeStep(seq, dim);
    const backend = await gpu();
    const gpuExe = await backend.compile(g, { get: () => zeros('f32', []) }, { donate: ['cache'] });
    const cpuExe = await cpuBackend().compile(g, { get: () => zeros('f32', []) }, { donate: ['cache'] });
    let gpuCache: DeviceTensor = backend.upload(zeros('f32', [seq, dim]));
    let cpuCache: TensorData = zeros('f32', [seq, dim]);
    for (let pos = 0; pos < seq; pos++) {
      const x = row(dim, pos);
      const before = (gpuCache as BufferTensor<GPUBuffer>).buffer;
      const got = await gpuExe.run({ cache: gpuCache, x, pos: scalar(pos) }, { donate: ['cache'], keep: ['cache_out'] });
      const want = await cpuExe.run({ cache: cpuCache, x, pos: scalar(pos) });
      // The update wrote into the donated buffer: the kept cache is that very buffer.
      expect((got.kept.cache_out as BufferTensor<GPUBuffer>).buffer).toBe(before);
      expect(() => (gpuCache as BufferTensor<GPUBuffer>).buffer).toThrow(/disposed or donated/);
      gpuCache = got.kept.cache_out!;
      cpuCache = want.outputs.cache_out!;
      expect(bitMismatch(await gpuCache.read(), cpuCache)).toBeUndefined();
      expect(bitMismatch(got.outputs.window!, want.outputs.window!)).toBeUndefined();
      expect(firstMismatch('f32', got.outputs.scores!.data, want.outputs.scores!.data)).toBeUndefined();
    }
    gpuCache.dispose();
    gpuExe.dispose();
  });

  it('an input the program overwrites is copied when the caller keeps it', async () => {
    const backend = await gpu();
    const exe = await backend.compile(decodeStep(3, 2), { get: () => zeros('f32', []) }, { donate: ['cache'] });
    const cache = backend.upload(tensorData('f32', [3, 2], Float32Array.of(1, 2, 3, 4, 5, 6)));
    const { outputs } = await exe.run({ cache, x: tensorData('f32', [1, 2], Float32Array.of(-1, -2)), pos: scalar(1) });
    expect(Array.from(outputs.cache_out!.data)).toEqual([1, 2, -1, -2, 5, 6]);
    expect(Array.from((await cache.read()).data)).toEqual([1, 2, 3, 4, 5, 6]);
    cache.dispose();
    exe.dispose();
  });

  it('kept outputs that are not the run’s own buffers are copies', async () => {
    const backend = await gpu();
    const g = ops.trace('passthrough', { x: { dtype: 'f32', shape: [3] } }, ({ x }) => ({ same: x!, doubled: ops.mul(x!, 2) }));
    const exe = await backend.compile(g, { get: () => zeros('f32', []) });
    const x = backend.upload(tensorData('f32', [3], Float32Array.of(1, 2, 3)));
    const { kept } = await exe.run({ x }, { keep: ['same', 'doubled'] });
    expect((kept.same as BufferTensor<GPUBuffer>).buffer).not.toBe(x.buffer);
    x.dispose();
    expect(Array.from((await kept.same!.read()).data)).toEqual([1, 2, 3]);
    expect(Array.from((await kept.doubled!.read()).data)).toEqual([2, 4, 6]);
    for (const t of Object.values(kept)) t.dispose();
    exe.dispose();
  });
});

describe('profiles', () => {
  const g = ops.trace('profiled', { x: { dtype: 'f32', shape: [2, 8] } }, ({ x }) => ({ y: ops.softmax(ops.mul(x!, 3), -1), best: ops.topk(x!, 2) }));
  const x = tensorData('f32', [2, 8], Float32Array.from({ length: 16 }, (_, i) => Math.sin(i)));

  it('a profiled run times every kernel in order, with the outputs of a plain run', async () => {
    const exe = await (await gpu()).compile(g, { get: () => zeros('f32', []) });
    const plain = await exe.run({ x });
    const profiled = await exe.run({ x }, { profile: true });
    const kernels = (exe as DriverExecutable<GPUBuffer>).program.kernels;
    expect(profiled.profile!.map((t) => [t.kernel, t.kind, t.origin])).toEqual(kernels.map((k) => [k.name, kernelKind(k), k.origin]));
    expect(profiled.profile!.map((t) => t.kind)).toContain('library:topk');
    expect(profiled.profile!.every((t) => Number.isFinite(t.seconds) && t.seconds > 0)).toBe(true);
    for (const name of ['y', 'best']) expect(bitMismatch(profiled.outputs[name]!, plain.outputs[name]!), name).toBeUndefined();
    exe.dispose();
  });

  it('are refused in shadow mode, which runs kernel by kernel too', async () => {
    const backend = await webgpuBackend({ device: (await gpu()).device.context.gpu, shadow: true });
    const exe = await backend.compile(g, { get: () => zeros('f32', []) });
    await expect(exe.run({ x }, { profile: true })).rejects.toThrow(/a profile and the shadow mode \(DSV3_SHADOW\) both run kernel by kernel/);
    exe.dispose();
  });
});

describe('dumps', () => {
  it('each compile stage, the program and every kernel\'s WGSL go to the dump sink', async () => {
    const files = new Map<string, string>();
    const backend = await webgpuBackend({ device: (await gpu()).device.context.gpu, dump: (graph, stage, text) => files.set(`${graph}/${stage}`, text) });
    const g = ops.trace('dumped', { x: { dtype: 'f32', shape: [2, 3] } }, ({ x }) => ({ y: ops.softmax(x!, -1), s: ops.cumsum(x!, 1) }));
    const exe = await backend.compile(g, { get: () => zeros('f32', []) });
    expect([...files.keys()]).toEqual(expect.arrayContaining(['dumped/00-input', 'dumped/90-kernels', 'dumped/91-program']));
    const wgsl = [...files.keys()].filter((k) => k.endsWith('.wgsl'));
    expect(wgsl).toHaveLength(2);
    for (const k of wgsl) expect(files.get(k)).toMatch(/^\/\/ k\d+_\w+: (reduce|library) kernel/);
    exe.dispose();
  });
});

describe('errors', () => {
  it('an index out of range fails the run, naming the kernel and what it indexed', async () => {
    const backend = await gpu();
    const g = ops.trace('lookup', { table: { dtype: 'f32', shape: [4, 3] }, ids: { dtype: 'i32', shape: [2] } }, ({ table, ids }) => ({ rows: ops.take(table!, ids!, 0) }));
    const exe = await backend.compile(g, { get: () => zeros('f32', []) });
    const table = tensorData('f32', [4, 3], new Float32Array(12));
    await expect(exe.run({ table, ids: tensorData('i32', [2], Int32Array.of(1, 4)) })).rejects.toThrow(/kernel k\d+_take failed: take index into axis 0 of f32\[4,3\]: an index is out of range \(expected 0 <= index < 4\)/);
    await expect(exe.run({ table, ids: tensorData('i32', [2], Int32Array.of(-1, 0)) })).rejects.toThrow(/out of range/);
    // The error words are per run: a good run afterwards succeeds.
    expect((await exe.run({ table, ids: tensorData('i32', [2], Int32Array.of(3, 0)) })).outputs.rows!.shape).toEqual([2, 3]);
    exe.dispose();
  });

  it('inputs are checked by name, type and owner', async () => {
    const backend = await gpu();
    const g = ops.trace('checked', { x: { dtype: 'f32', shape: [2] } }, ({ x }) => ({ y: ops.neg(x!) }));
    const exe = await backend.compile(g, { get: () => zeros('f32', []) });
    await expect(exe.run({})).rejects.toThrow('checked: input "x" is missing; expected f32[2]');
    await expect(exe.run({ x: zeros('f32', [3]) })).rejects.toThrow('checked: input "x" is f32[3]; expected f32[2]');
    await expect(exe.run({ x: zeros('f32', [2]), z: zeros('f32', [2]) })).rejects.toThrow('unknown input(s) "z"');
    await expect(exe.run({ x: cpuBackend().upload(zeros('f32', [2])) })).rejects.toThrow('input "x" lives on backend cpu');
    await expect(exe.run({ x: zeros('f32', [2]) }, { keep: ['w'] })).rejects.toThrow('cannot keep "w"');
    const gone = backend.upload(zeros('f32', [2]));
    gone.dispose();
    await expect(exe.run({ x: gone })).rejects.toThrow('was disposed or donated');
    exe.dispose();
  });

  it('a lost device fails a run instead of hanging', async () => {
    ensureRuntimeDir();
    const device = await acquireDevice();
    const backend = await webgpuBackend({ device });
    const g = ops.trace('lost', { x: { dtype: 'f32', shape: [4] } }, ({ x }) => ({ y: ops.exp(x!) }));
    const exe = await backend.compile(g, { get: () => zeros('f32', []) });
    const x = zeros('f32', [4]);
    const inFlight = exe.run({ x });
    device.destroy();
    await expect(inFlight).rejects.toThrow(DeviceLostError);
    await expect(exe.run({ x })).rejects.toThrow(/device lost/);
    backend.dispose();
  });
});
