// The pipeline cache: one compilation per key, compile errors that show the compiler's messages in the source, and
// each pipeline run once on no workgroups before any real dispatch.

import { describe, expect, it, vi } from 'vitest';
import type { FirstRunBindings } from '../../../src/backends/webgpu/pipelines.js';
import { BufferPool, GpuOperationError, PipelineCache, readStorage, READBACK_USAGE, ShaderCompileError, STORAGE_USAGE, UniformBlock, uploadStorage } from '../../../src/backends/webgpu/index.js';
import { useWebGpu } from '../../support/webgpu.js';

const gpu = useWebGpu();

const VALID = '@compute @workgroup_size(1)\nfn main() {}\n';

const BROKEN = [
  '@group(0) @binding(0) var<storage, read_write> out: array<u32>;',
  '',
  'fn twice(x: u32) -> u32 {',
  '  return 2u * x;',
  '}',
  '',
  '@compute @workgroup_size(1)',
  'fn main() {',
  '  out[0] = twice(missing_value);',
  '}',
  '',
  '// padding',
  '// more padding',
  '// far from the error',
].join('\n');

describe('compile errors', () => {
  it('carry the message with line:column and the numbered source lines around the error', async () => {
    const error = await new PipelineCache(gpu())
      .get(BROKEN, { label: 'broken' })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ShaderCompileError);
    const message = (error as ShaderCompileError).message;
    expect(message).toMatch(/WGSL shader "broken" failed to compile/);
    expect(message).toMatch(/error at 9:\d+: .*missing_value/);
    expect(message).toContain('>  9 |   out[0] = twice(missing_value);');
    expect(message).toMatch(/\^+ .*missing_value/);
    expect(message).toContain('   7 | @compute @workgroup_size(1)');
    expect(message).toContain('  11 | ');
    expect(message).not.toContain('far from the error');
  });

  it('are captured, so the device reports nothing more at the next use', async () => {
    await expect(new PipelineCache(gpu()).get('fn main( {', { label: 'syntax' })).rejects.toThrow(ShaderCompileError);
    expect(() => gpu().use('next operation')).not.toThrow();
  });

  it('name a missing entry point', async () => {
    await expect(new PipelineCache(gpu()).get(VALID, { label: 'entry', entryPoint: 'absent' })).rejects.toThrow(/entry point absent/);
  });
});

describe('the cache', () => {
  it('compiles each source once and shares concurrent requests', async () => {
    const cache = new PipelineCache(gpu());
    const [a, b] = await Promise.all([cache.get(VALID), cache.get(VALID)]);
    expect(a).toBe(b);
    expect(await cache.get(VALID.replace('main', 'other'), { entryPoint: 'other' })).not.toBe(a);
    expect(cache.size).toBe(2);
  });

  it('keys by an explicit signature when given one', async () => {
    const cache = new PipelineCache(gpu());
    const a = await cache.get(VALID, { key: 'noop' });
    expect(await cache.get(`// same kernel\n${VALID}`, { key: 'noop' })).toBe(a);
    expect(cache.size).toBe(1);
  });

  it('does not keep failures', async () => {
    const cache = new PipelineCache(gpu());
    await expect(cache.get(BROKEN)).rejects.toThrow(ShaderCompileError);
    expect(cache.size).toBe(0);
  });
});

describe('a first run', () => {
  const WRITER = [
    'struct Params { value: u32 }',
    '@group(0) @binding(0) var<storage, read_write> out: array<u32>;',
    '@group(0) @binding(1) var<uniform> params: Params;',
    '@compute @workgroup_size(1)',
    'fn main() { out[0] = params.value; }',
  ].join('\n');

  it('dispatches each pipeline once, on no workgroups, over scratch storage or what the caller binds', async () => {
    const device = gpu();
    const cache = new PipelineCache(device);
    const kernel = await cache.get(WRITER, { label: 'writer' });
    const params = new UniformBlock(device, [{ name: 'value', type: 'u32' }], 'writer params');
    params.write([9]);
    const storage = new BufferPool(device, STORAGE_USAGE, 'first run');
    const out = uploadStorage(device, storage, Int32Array.of(7));
    const submit = vi.spyOn(device.device.queue, 'submit');
    try {
      const scratchBound = await cache.get(`// another\n${WRITER}`, { label: 'scratch' });
      await cache.runOnce(scratchBound, (scratch) => [{ binding: 0, resource: scratch(0, 'read-write') }, { binding: 1, resource: { buffer: params.buffer } }]);
      const bindOut = () => [{ binding: 0, resource: { buffer: out } }, { binding: 1, resource: { buffer: params.buffer } }];
      await Promise.all([cache.runOnce(kernel, bindOut), cache.runOnce(kernel, bindOut)]);
      await cache.runOnce(kernel, bindOut);
      expect(submit).toHaveBeenCalledTimes(2);
    } finally {
      submit.mockRestore();
    }
    // No workgroup ran: the output keeps what it held.
    expect(Array.from(await readStorage(device, new BufferPool(device, READBACK_USAGE, 'read'), out, 'i32', 1))).toEqual([7]);
    params.destroy();
  });

  it('fails naming the shader when the bindings do not fit, and tries again when asked again', async () => {
    const cache = new PipelineCache(gpu());
    const kernel = await cache.get(WRITER, { label: 'writer' });
    const onlyOutput: FirstRunBindings = (scratch) => [{ binding: 0, resource: scratch(0, 'read-write') }];
    await expect(cache.runOnce(kernel, onlyOutput)).rejects.toThrow(GpuOperationError);
    await expect(cache.runOnce(kernel, onlyOutput)).rejects.toThrow(/run the pipeline of shader "writer" once, on no workgroups/);
  });
});
