// Buffers: size buckets and their reuse, upload/readback of every dtype (narrow ones packed), uniform scalars, and
// the workgroup grid that covers a buffer.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WebGpuDevice } from '../../../src/backends/webgpu/index.js';
import {
  bucketSize,
  BufferPool,
  dispatch,
  packedByteLength,
  PipelineCache,
  READBACK_USAGE,
  readStorage,
  STORAGE_USAGE,
  UniformBlock,
  uploadStorage,
  workgroupGrid,
} from '../../../src/backends/webgpu/index.js';
import { byteSize, DTYPES, viewStorage } from '../../../src/ir/dtype.js';
import { useWebGpu } from '../../support/webgpu.js';

describe('size buckets', () => {
  it('hold the request, waste at most a quarter, and are whole words', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 33 }), (n) => {
        const size = bucketSize(n);
        expect(size).toBeGreaterThanOrEqual(n);
        expect(size % 4).toBe(0);
        if (n > 256) expect(size).toBeLessThanOrEqual(1.25 * n);
      }),
    );
  });

  it('grow with the request', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 32), fc.nat(2 ** 32), (a, b) => {
        expect(bucketSize(Math.min(a, b))).toBeLessThanOrEqual(bucketSize(Math.max(a, b)));
      }),
    );
  });
});

describe('workgroup grids', () => {
  it('cover the count within the per-dimension limit and overshoot by less than one row', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 65535 }), (count, limit) => {
        fc.pre(count <= limit ** 3);
        const [x, y, z] = workgroupGrid(count, limit);
        for (const d of [x, y, z]) expect(d).toBeLessThanOrEqual(limit);
        expect(x * y * z).toBeGreaterThanOrEqual(count);
        expect(x * y * z - count).toBeLessThan(x * y);
      }),
    );
  });

  it('refuse counts no dispatch can hold', () => {
    expect(() => workgroupGrid(65536 ** 3, 65535)).toThrow(/exceed 65535\^3/);
  });
});

describe('on a device', () => {
  const gpu = useWebGpu();
  const pools = (g: WebGpuDevice) => ({ storage: new BufferPool(g, STORAGE_USAGE, 'storage'), staging: new BufferPool(g, READBACK_USAGE, 'staging') });

  it('reuses a released buffer for a request of the same bucket', () => {
    const pool = new BufferPool(gpu(), STORAGE_USAGE, 'storage');
    const a = pool.acquire(1000);
    pool.release(a);
    expect(pool.stats()).toEqual({ created: 1, reused: 0, freeBuffers: 1, freeBytes: bucketSize(1000) });
    expect(pool.acquire(900)).toBe(a);
    expect(pool.acquire(900)).not.toBe(a);
    expect(pool.stats()).toMatchObject({ created: 2, reused: 1, freeBuffers: 0 });
    expect(pool.acquire(5000)).not.toBe(a);
    pool.release(a);
    expect(() => pool.release(a)).toThrow(/released twice/);
    expect(() => pool.release(new BufferPool(gpu(), STORAGE_USAGE, 'other').acquire(4))).toThrow(/did not allocate/);
    pool.trim();
    expect(pool.stats().freeBuffers).toBe(0);
  });

  it('refuses buffers beyond the device limit', () => {
    const pool = new BufferPool(gpu(), STORAGE_USAGE, 'storage');
    expect(() => pool.acquire(gpu().limits.maxBufferSize + 1)).toThrow(/exceed the device's maxBufferSize/);
  });

  it.each(DTYPES)('round-trips %s data of any length through a storage buffer', async (dtype) => {
    const { storage, staging } = pools(gpu());
    await fc.assert(
      fc.asyncProperty(fc.nat(70), fc.infiniteStream(fc.nat(255)), async (n, bytes) => {
        const raw = Uint8Array.from(bytes.take(n * byteSize(dtype)));
        const data = viewStorage(dtype, raw.buffer, 0, n);
        const buffer = uploadStorage(gpu(), storage, data);
        const back = await readStorage(gpu(), staging, buffer, dtype, n);
        storage.release(buffer);
        expect(back.constructor).toBe(data.constructor);
        expect(new Uint8Array(back.buffer, back.byteOffset, back.byteLength)).toEqual(raw);
      }),
      { numRuns: 12 },
    );
  });

  it('pads narrow data to whole words with zeros', async () => {
    const { storage, staging } = pools(gpu());
    expect(packedByteLength('u8', 5)).toBe(8);
    expect(packedByteLength('bf16', 3)).toBe(8);
    const buffer = uploadStorage(gpu(), storage, new Uint8Array([1, 2, 3, 4, 5]));
    expect(await readStorage(gpu(), staging, buffer, 'u8', 8)).toEqual(new Uint8Array([1, 2, 3, 4, 5, 0, 0, 0]));
  });

  it('passes runtime scalars through a uniform block, rewritten between dispatches', async () => {
    const params = new UniformBlock(
      gpu(),
      [
        { name: 'count', type: 'u32' },
        { name: 'offset', type: 'i32' },
        { name: 'scale', type: 'f32' },
      ],
      'params',
    );
    const wgsl = `${params.wgslStruct('Params')}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(1)
fn main() {
  out[0] = params.count;
  out[1] = bitcast<u32>(params.offset);
  out[2] = bitcast<u32>(params.scale);
}
`;
    expect(params.wgslStruct('Params')).toBe('struct Params {\n  count: u32,\n  offset: i32,\n  scale: f32,\n}');
    const kernel = await new PipelineCache(gpu()).get(wgsl, { label: 'echo params' });
    const { storage, staging } = pools(gpu());
    const out = storage.acquire(12);
    const run = async (values: number[]) => {
      params.write(values);
      await dispatch(gpu(), kernel, [params.buffer, out], [1, 1, 1]);
      return Array.from(await readStorage(gpu(), staging, out, 'i32', 3), (x) => x >>> 0);
    };
    const bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];
    expect(await run([4_000_000_000, -5, 1.5])).toEqual([4_000_000_000, 0xfffffffb, bits(1.5)]);
    expect(await run([7, 2 ** 31 - 1, -0.25])).toEqual([7, 2 ** 31 - 1, bits(-0.25)]);
    expect(() => params.write([1.5, 0, 0])).toThrow(/field count is u32, got 1.5/);
    expect(() => params.write([1, 2])).toThrow(/2 values for 3 fields \(count, offset, scale\)/);
    params.destroy();
  });
});
