// The wasm backend in Chromium: the page is cross-origin isolated (job-server.ts), so the backend runs on shared
// memory with a Web Worker; every run of the v3-tiny-f32 golden case passes as in `dsv3 verify`, and a GEMM split
// over two threads gives the bits it gives on one. Skipped loudly without Chromium, unless DSV3_REQUIRE_BROWSER=1.

import { describe, expect, it } from 'vitest';
import { useBrowserGpu } from './browser-gpu.js';
import type { WasmPageApi } from './wasm-page.js';

const browser = useBrowserGpu();

async function page(): Promise<WasmPageApi> {
  await browser().load('/test/browser/wasm-page.js', 'dsv3Wasm');
  const call = <K extends keyof WasmPageApi>(name: K) =>
    ((...args: unknown[]) => browser().page.evaluate(([n, a]) => (globalThis as unknown as Record<string, Record<string, (...x: unknown[]) => unknown>>).dsv3Wasm![n as string]!(...(a as unknown[])), [name, args] as const)) as WasmPageApi[K];
  return { golden: call('golden'), gemmBits: call('gemmBits') };
}

describe('the wasm backend in Chromium', () => {
  it('passes every run of v3-tiny-f32 on two threads, in a cross-origin isolated page', async () => {
    const result = await (await page()).golden('/spec/golden/v3-tiny-f32', 2);
    expect(result.isolated).toBe(true);
    expect(result.runsOn).toContain('shared memory, 2 threads');
    expect(result.failed).toEqual([]);
    expect(result.checks).toBeGreaterThan(0);
  });

  it('splits a GEMM over a Web Worker with the bits of one thread', async () => {
    const api = await page();
    const [one, two] = [await api.gemmBits(1), await api.gemmBits(2)];
    expect(two.length).toBe(2100);
    expect(two).toEqual(one);
  });
});
