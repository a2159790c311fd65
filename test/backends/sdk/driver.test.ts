// The shared driver on host backends (the compiled CPU and the worked example): donated inputs and kept outputs
// without copies, copies where the caller keeps an input the program overwrites, the one input check, dumps of the
// stages and kernel sources, shadow checking of any backend, and the registry's names and requirements.

import { afterEach, describe, expect, it, vi } from 'vitest';
import * as ops from '../../../src/ops/index.js';
import { compile } from '../../../src/compiler/compile.js';
import { cpuBackend, cpuDeviceBackend } from '../../../src/backends/cpu/backend.js';
import { exampleBackend } from '../../../src/backends/example/backend.js';
import { backendEntry, BackendUnavailableError, openBackend, registerBackend } from '../../../src/backends/registry.js';
import type { DeviceBackend } from '../../../src/backends/sdk/device-backend.js';
import type { BufferTensor } from '../../../src/backends/sdk/device-tensor.js';
import type { DrivenBackend } from '../../../src/backends/sdk/driver.js';
import { ShadowMismatchError } from '../../../src/backends/sdk/shadow.js';
import { tensorData, zeros, type Graph, type StorageArray, type TensorData } from '../../../src/ir/index.js';

const noWeights = { get: () => zeros('f32', []) };
const scalar = (v: number): TensorData => tensorData('i32', [], Int32Array.of(v));
const row = (values: number[]): TensorData => tensorData('f32', [1, values.length], Float32Array.from(values));

/** One decode step: write x at `pos` of the cache, and read the window there back. */
const decodeStep = (): Graph =>
  ops.trace('decode', { cache: { dtype: 'f32', shape: [3, 2] }, x: { dtype: 'f32', shape: [1, 2] }, pos: { dtype: 'i32', shape: [] } }, ({ cache, x, pos }) => {
    const updated = ops.dynamicUpdateSlice(cache!, x!, pos!, 0);
    return { cache_out: updated, window: ops.mul(ops.dynamicSlice(updated, pos!, 0, 1), 2) };
  });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('runs through the driver', () => {
  it('a donated cache kept from the run is the very buffer the run updated in place', async () => {
    const backend = cpuBackend() as DrivenBackend<StorageArray>;
    const exe = await backend.compile(decodeStep(), noWeights, { donate: ['cache'] });
    let cache = backend.upload(zeros('f32', [3, 2]));
    for (const pos of [0, 2]) {
      const given = cache.buffer;
      const { outputs, kept } = await exe.run({ cache, x: row([pos + 1, pos + 2]), pos: scalar(pos) }, { donate: ['cache'], keep: ['cache_out'] });
      expect(() => cache.buffer).toThrow(/disposed or donated/);
      cache = kept.cache_out as BufferTensor<StorageArray>;
      expect(cache.buffer).toBe(given);
      expect(Array.from(outputs.window!.data)).toEqual([2 * (pos + 1), 2 * (pos + 2)]);
    }
    expect(Array.from((await cache.read()).data)).toEqual([1, 2, 0, 0, 3, 4]);
  });

  it('host data the program overwrites is updated in place only when donated', async () => {
    const exe = await cpuBackend().compile(decodeStep(), noWeights, { donate: ['cache'] });
    const kept = zeros('f32', [3, 2]);
    await exe.run({ cache: kept, x: row([5, 6]), pos: scalar(1) });
    expect(Array.from(kept.data)).toEqual([0, 0, 0, 0, 0, 0]);
    const given = zeros('f32', [3, 2]);
    const { outputs } = await exe.run({ cache: given, x: row([5, 6]), pos: scalar(1) }, { donate: ['cache'] });
    expect(Array.from(given.data)).toEqual([0, 0, 5, 6, 0, 0]);
    expect(Array.from(outputs.cache_out!.data)).toEqual([0, 0, 5, 6, 0, 0]);
  });

  it('inputs are checked once, for every backend alike', async () => {
    const g = ops.trace('checked', { x: { dtype: 'f32', shape: [2] }, flag: { dtype: 'bool', shape: [2] } }, ({ x, flag }) => ({ y: ops.where(flag!, ops.neg(x!), x!) }));
    const x = zeros('f32', [2]);
    const flag = tensorData('bool', [2], Uint8Array.of(1, 0));
    for (const backend of [cpuBackend(), exampleBackend()]) {
      const exe = await backend.compile(g, noWeights);
      await expect(exe.run({ flag })).rejects.toThrow('graph checked: input "x" is missing; expected f32[2]');
      await expect(exe.run({ x: zeros('f32', [3]), flag })).rejects.toThrow('graph checked: input "x" is f32[3]; expected f32[2]');
      await expect(exe.run({ x, flag, z: x })).rejects.toThrow('graph checked: unknown input(s) "z"; the graph takes "x", "flag"');
      await expect(exe.run({ x, flag: tensorData('bool', [2], Uint8Array.of(1, 2)) })).rejects.toThrow('input "flag": bool element 1 is 2; expected 0 or 1');
      await expect(exe.run({ x: cpuBackend().upload(x), flag })).rejects.toThrow(backend.name === 'cpu' ? 'lives on another cpu backend, not this cpu backend' : 'lives on backend cpu, not this example backend');
      await expect(exe.run({ x, flag }, { keep: ['w'] })).rejects.toThrow('cannot keep "w"; the outputs are y');
      expect(Array.from((await exe.run({ x: tensorData('f32', [2], Float32Array.of(1, 2)), flag })).outputs.y!.data)).toEqual([-1, 2]);
    }
  });

  it('each compile stage, the program and every kernel source the backend generates go to the dump sink', async () => {
    const files = new Map<string, string>();
    const backend = cpuBackend({ dump: (graph, stage, text) => files.set(`${graph}/${stage}`, text) });
    const g = ops.trace('dumped', { x: { dtype: 'f32', shape: [2, 3] } }, ({ x }) => ({ y: ops.softmax(x!, -1), s: ops.cumsum(x!, 1) }));
    await backend.compile(g, noWeights);
    expect([...files.keys()]).toEqual(expect.arrayContaining(['dumped/00-input', 'dumped/90-kernels', 'dumped/91-program']));
    // The softmax rows are generated JavaScript; the cumsum is a library routine, which generates nothing.
    expect([...files.keys()].filter((k) => k.startsWith('dumped/kernels/'))).toEqual([expect.stringMatching(/^dumped\/kernels\/k\d+_\w+\.js$/)]);
  });
});

describe('shadow mode', () => {
  /** softmax rows scaled by `factor`, and a product: several kernels. */
  const pipeline = (factor: number) =>
    ops.trace('pipeline', { x: { dtype: 'f32', shape: [2, 4] } }, ({ x }) => ({ p: ops.mul(ops.softmax(x!, -1), factor), gram: ops.matmul(x!, ops.transpose(x!, 0, 1)) }));
  const x = tensorData('f32', [2, 4], Float32Array.from({ length: 8 }, (_, i) => Math.cos(i)));

  it('DSV3_SHADOW=1 checks any backend against the compiled CPU, with the same results', async () => {
    vi.stubEnv('DSV3_SHADOW', '1');
    const exe = await exampleBackend().compile(pipeline(2), noWeights);
    const plain = await (await exampleBackend({ shadow: false }).compile(pipeline(2), noWeights)).run({ x });
    const shadowed = await exe.run({ x });
    expect(Array.from(shadowed.outputs.p!.data)).toEqual(Array.from(plain.outputs.p!.data));
    await expect(exe.run({ x }, { profile: true })).rejects.toThrow(/a profile and the shadow mode \(DSV3_SHADOW\) both run kernel by kernel/);
  });

  it('DSV3_<NAME>_SHADOW=1 checks that backend alone (DSV3_WEBGPU_SHADOW=1: WebGPU)', async () => {
    vi.stubEnv('DSV3_EXAMPLE_SHADOW', '1');
    const shadowed = await exampleBackend().compile(pipeline(2), noWeights);
    await expect(shadowed.run({ x }, { profile: true })).rejects.toThrow(/shadow mode/);
    const plain = await cpuBackend().compile(pipeline(2), noWeights);
    expect((await plain.run({ x }, { profile: true })).profile!.length).toBeGreaterThan(1);
  });

  it('names the first kernel that differs from the reference, with its element', async () => {
    const cpu = cpuDeviceBackend();
    const backend = exampleBackend();
    const wrong = compile(pipeline(3), backend.compileOptions(pipeline(3)));
    const lying: DeviceBackend<StorageArray> = { ...cpu, prepare: (_, weights) => cpu.prepare(wrong, weights) };
    const exe = await exampleBackend({ shadow: lying }).compile(pipeline(2), noWeights);
    const failure = await exe.run({ x }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ShadowMismatchError);
    expect((failure as Error).message).toMatch(/^shadow: kernel k0_\w+ .*differs from cpu at output 0 \(f32\[8\]\) element 0: example [0-9.e-]+, cpu [0-9.e-]+\n$/);
  });
});

describe('the registry', () => {
  it('names every backend it knows when asked for another', async () => {
    await expect(openBackend('tpu')).rejects.toThrow('unknown backend "tpu"; expected one of cpu, cpu-reference, webgpu');
  });

  it('registers a name once', () => {
    expect(() => registerBackend({ ...backendEntry('cpu') })).toThrow('backend "cpu" is already registered');
  });

  it('says what a backend needs when the machine lacks it, and passes any other failure on', async () => {
    const missing = new Error('no such device');
    registerBackend({ name: 'needy', description: 'a backend this machine cannot run', runsKernels: true, needs: { what: 'quantum device', requireEnv: 'DSV3_REQUIRE_QUANTUM', missingReason: (e) => (e === missing ? 'none plugged in' : undefined) }, open: () => Promise.reject(missing) });
    const failure = await openBackend('needy').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BackendUnavailableError);
    expect((failure as Error).message).toBe('backend needy: no quantum device (none plugged in)');
    registerBackend({ ...backendEntry('needy'), name: 'broken', open: () => Promise.reject(new Error('a bug')) });
    await expect(openBackend('broken')).rejects.toThrow(/^a bug$/);
  });
});
