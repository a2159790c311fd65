// `npm run bench [-- suite...]`: runs the named suites, or all of them. A suite is a function that
// prints its own tables; add one by importing it and adding a line to SUITES.

import { compilerSuite } from './compiler.js';
import { gemmSuite } from './cpu-gemm.js';
import { fp8AccumulationSuite } from './fp8-accumulation.js';
import { loadSuite } from './load.js';
import { modelSuite } from './model.js';
import { scaleSuite } from './scale.js';
import { speculativeSuite } from './speculative.js';
import { wasmSuite } from './wasm.js';
import { webgpuSuite } from './webgpu.js';

const SUITES: Record<string, () => void | Promise<void>> = {
  gemm: gemmSuite,
  compiler: compilerSuite,
  model: modelSuite,
  load: loadSuite,
  webgpu: webgpuSuite,
  'fp8-accumulation': fp8AccumulationSuite,
  scale: scaleSuite,
  wasm: wasmSuite,
  spec: speculativeSuite,
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in SUITES));
if (unknown.length > 0) {
  console.error(`bench: unknown suite ${unknown.map((n) => `'${n}'`).join(', ')}; known suites: ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}
// Run only when named: `scale` writes about 52 GB of checkpoints (once) and runs for many minutes.
const ON_REQUEST = new Set(['scale']);
for (const name of requested.length > 0 ? requested : Object.keys(SUITES).filter((n) => !ON_REQUEST.has(n))) {
  console.log(`\n== ${name} ==`);
  await SUITES[name]();
}
