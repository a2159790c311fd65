// The browser entry in Chromium: a page that imports only src/browser.ts fetches the tiny golden checkpoint's
// bytes from the test's server, loads the model from memory and runs the golden protocol on WebGPU (SwiftShader
// here) and on the CPU backend; every step's logits must match the official ones within the f32 tolerance.
// Skipped loudly without Chromium or its WebGPU adapter, unless DSV3_REQUIRE_BROWSER=1.

import { describe, expect, it } from 'vitest';
import { useBrowserGpu } from '../browser/browser-gpu.js';
import type { ModelPageApi, PageBackend } from './model-page.js';

const browser = useBrowserGpu();

const CASE_URL = '/spec/golden/v3-tiny-f32';
const RUN = 'absorb';
/** The golden protocol's steps: the prefill, then four one-token decode steps (spec/golden/README.md). */
const COMPARED = [`${RUN}.prefill.logits_all`, ...[0, 1, 2, 3].map((s) => `${RUN}.decode.${s}.logits`)];

describe('the browser entry in Chromium', () => {
  for (const backend of ['webgpu', 'cpu'] as const) {
    it(`runs v3-tiny-f32 from fetched bytes on ${backend}, logits within the f32 tolerance of the goldens`, async () => {
      const { page, load } = browser();
      await load('/test/library/model-page.js', 'dsv3ModelPage');
      const results = await page.evaluate(
        ([url, run, b]: [string, string, PageBackend]) => (globalThis as unknown as { dsv3ModelPage: ModelPageApi }).dsv3ModelPage.run(url, run, b),
        [CASE_URL, RUN, backend] as [string, string, PageBackend],
      );
      expect(results.map((r) => r.name)).toEqual(COMPARED);
      expect(results.filter((r) => !r.pass)).toEqual([]);
    });
  }
});
