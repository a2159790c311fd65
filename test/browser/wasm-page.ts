// Runs in the browser page (loaded by wasm.test.ts): the wasm backend in Chromium, on the page's shared memory and
// Web Workers. Every run of a golden case, fetched as bytes and checked tensor by tensor as `dsv3 verify` does; and
// a GEMM large enough to split over threads, whose bits Node compares between thread counts.

import { GoldenCase, parseGraph, tensorData, verifyRun, weightMap, mulberry32 } from '../../src/browser.js';
import { wasmBackend } from '../../src/backends/wasm/backend.js';
import { fetchCase } from '../library/model-page.js';

export interface WasmPageApi {
  /** The failed checks of every run of the golden case at `caseUrl` on `threads` threads, and what the backend ran on. */
  golden(caseUrl: string, threads: number): Promise<{ runsOn: string; isolated: boolean; checks: number; failed: string[] }>;
  /** The bits of a 1x512 @ 512x2100 product (split by panels) on `threads` threads. */
  gemmBits(threads: number): Promise<number[]>;
}

const random = (n: number, seed: number) => {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
};

const api: WasmPageApi = {
  async golden(caseUrl, threads) {
    const golden = GoldenCase.open(await fetchCase(caseUrl));
    const backend = wasmBackend({ threads });
    try {
      const failed: string[] = [];
      let checks = 0;
      for (const run of golden.runs().runs) {
        const results = await verifyRun(golden, run, backend);
        checks += results.length;
        failed.push(...results.filter((c) => !c.pass).map((c) => `${run.name}: ${c.name}`));
      }
      return { runsOn: backend.device.runsOn ?? '', isolated: crossOriginIsolated, checks, failed };
    } finally {
      backend.dispose();
      golden.close();
    }
  },
  async gemmBits(threads) {
    const backend = wasmBackend({ threads });
    try {
      const graph = parseGraph('graph g(%a: f32[1,512]) {\n  %w = weight() {dtype="f32", name="w", shape=[512,2100]} : f32[512,2100]\n  %0 = matmul(%a, %w) : f32[1,2100]\n  return y = %0\n}');
      const exe = await backend.compile(graph, weightMap({ w: tensorData('f32', [512, 2100], random(512 * 2100, 2)) }));
      const y = (await exe.run({ a: tensorData('f32', [1, 512], random(512, 1)) })).outputs.y!.data as Float32Array;
      return [...new Uint32Array(y.buffer, y.byteOffset, y.length)];
    } finally {
      backend.dispose();
    }
  },
};

(globalThis as { dsv3Wasm?: WasmPageApi }).dsv3Wasm = api;
