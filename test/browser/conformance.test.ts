// The conformance suite in Chromium's WebGPU (SwiftShader here), a second WebGPU implementation next to Dawn in
// Node: every cast case, the quick pass (one case of each op family), and a full transformer block (the tiny
// model's MTP module: embedding, a decoder block with MLA and MoE, head). Cases are built in Node, run in the page
// through the suite's runner, and judged in Node against the oracle.

import { describe, expect, it } from 'vitest';
import type { ConformanceCase } from '../../src/conformance/case.js';
import { CAST_CASES } from '../../src/conformance/cases/casts.js';
import { modelCases } from '../../src/conformance/cases/model.js';
import { judge, linkedCase, describeVerdict, passed } from '../../src/conformance/run.js';
import { OP_CASES } from '../../src/conformance/suite.js';
import { fromWireOutputs, toWireCase, type WireCase, type WireTensor } from '../../src/conformance/wire.js';
import { useBrowserGpu } from './browser-gpu.js';
import type { ConformancePageApi } from './conformance-page.js';

const browser = useBrowserGpu();

const BLOCK = 'deepseek mtp_block';
const cases: ConformanceCase[] = [
  ...OP_CASES.filter((c) => c.quick || CAST_CASES.includes(c)),
  ...modelCases().filter((c) => c.name === BLOCK),
];

async function runInPage(c: ConformanceCase) {
  await browser().load('/test/browser/conformance-page.js', 'dsv3Conformance');
  const wire = await browser().page.evaluate(
    (w: WireCase) => (globalThis as unknown as { dsv3Conformance: ConformancePageApi }).dsv3Conformance.run(w),
    toWireCase(linkedCase(c)),
  );
  return fromWireOutputs(wire as Record<string, WireTensor>);
}

describe('conformance in Chromium WebGPU', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const verdict = judge(c, `webgpu in Chromium (${browser().adapter.architecture})`, await runInPage(c));
      if (!passed(verdict)) expect.fail(describeVerdict(verdict));
    });
  }
});
