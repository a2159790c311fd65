// Runs in the browser page (loaded by conformance.test.ts next to page-entry.ts): conformance cases sent from Node
// run on the WebGPU backend over navigator.gpu through the suite's own runner; the outputs go back to Node, which
// compares them with the oracle.

import { webgpuBackend, type WebGpuBackend } from '../../src/backends/webgpu/index.js';
import { runCase } from '../../src/conformance/run.js';
import { fromWireCase, toWireOutputs, type WireCase, type WireTensor } from '../../src/conformance/wire.js';

export interface ConformancePageApi {
  run(c: WireCase): Promise<Record<string, WireTensor>>;
}

let backend: Promise<WebGpuBackend> | undefined;

const api: ConformancePageApi = {
  async run(c) {
    backend ??= webgpuBackend({ gpu: navigator.gpu });
    return toWireOutputs(await runCase(await backend, fromWireCase(c)));
  },
};

(globalThis as { dsv3Conformance?: ConformancePageApi }).dsv3Conformance = api;
