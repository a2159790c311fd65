// The pipeline cache: one compilation per key, and compile errors that show the compiler's messages in the source.

import { describe, expect, it } from 'vitest';
import { PipelineCache, ShaderCompileError } from '../../../src/backends/webgpu/index.js';
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
