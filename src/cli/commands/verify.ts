// `dsv3 verify`: runs the golden cases (spec/golden) on every backend, in each attention form and GEMM mode the
// goldens have, and prints every compared tensor with its error, tolerance and verdict. Exits 1 if anything fails.

import fs from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../../backends/backend.js';
import { directoryFiles } from '../../io/local-files.js';
import type { Comparison } from '../../models/deepseek/verify/compare.js';
import { GoldenCase, type GoldenRun } from '../../models/deepseek/verify/golden-case.js';
import type { GemmMode } from '../../models/deepseek/settings.js';
import { verifyRun } from '../../models/deepseek/verify/run-case.js';
import { UsageError, type Command } from '../command.js';
import { backendList, backendNames, openBackends } from '../backends.js';
import { gemmArg } from './forward.js';

/** spec/golden of this package, found by walking up from this file (it runs from src/ or from dist/src/). */
function bundledGoldenDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const golden = join(dir, 'spec', 'golden');
    if (fs.existsSync(join(golden, 'README.md'))) return golden;
  }
  throw new Error('cannot find spec/golden above this installation; pass case folders explicitly');
}

/** The model cases under spec/golden (folders with a config.json). */
function bundledCases(): string[] {
  const root = bundledGoldenDir();
  return fs.readdirSync(root).sort().map((name) => join(root, name)).filter((dir) => fs.existsSync(join(dir, 'config.json')));
}

const line = (c: Comparison) =>
  `    ${c.pass ? 'pass' : 'FAIL'}  ${c.name.padEnd(40)} max |Δ| ${c.maxError.toExponential(2).padStart(9)}  tolerance ${c.tolerance}${c.detail ? `  (${c.detail})` : ''}`;

/** Whether golden run `run` uses GEMM mode `gemm` (MTP runs use f32 weights, so they count as dequant). */
const usesGemm = (run: GoldenRun, gemm: GemmMode): boolean => (run.kind === 'standard' ? run.linear.gemm : 'dequant') === gemm;

async function verifyCase(dir: string, backends: readonly Backend[], gemm: GemmMode | undefined): Promise<{ failures: number; checked: number }> {
  const golden = GoldenCase.open(directoryFiles(dir));
  let failures = 0;
  let checked = 0;
  try {
    const { runs, skipped } = golden.runs();
    console.log(`${golden.name}`);
    for (const s of skipped) console.log(`  skip ${s.name}: ${s.reason}`);
    for (const backend of backends) {
      for (const run of runs.filter((r) => gemm === undefined || usesGemm(r, gemm))) {
        const title = `  ${backend.name} ${run.name} (${run.attention}${run.kind === 'standard' && run.linear.gemm === 'fp8' ? ', fp8 GEMMs' : ''})`;
        let results: Comparison[];
        try {
          results = await verifyRun(golden, run, backend);
        } catch (e) {
          console.log(`${title}: ERROR ${e instanceof Error ? e.message : String(e)}`);
          failures++;
          continue;
        }
        const failed = results.filter((c) => !c.pass).length;
        console.log(`${title}: ${results.length - failed}/${results.length} pass`);
        for (const c of results) console.log(line(c));
        failures += failed;
        checked += results.length;
      }
    }
  } finally {
    golden.close();
  }
  return { failures, checked };
}

export const verify: Command = {
  name: 'verify',
  summary: 'check the model against the official golden outputs on every backend',
  help: `Usage: dsv3 verify [CASE_DIR...] [--backend NAME]... [--gemm MODE]

Runs each golden case (default: every model case bundled in spec/golden) the way the official outputs were
made: a prefill of the stored prompt at position 0, then one-token decode steps. Every stored tensor the run
has is compared: logits, final norm, per-block outputs, routing indices (exact sets per token) and weights
(by expert, within 1e-5), caches, and MTP logits. Floats pass within |a - b| <= 2e-5 + 1e-5·|b|. Each layer is
also replayed on the stored output of the layer before it ("replay" lines), and each captured Linear call on
its stored input.
Runs with FP8 GEMMs (act_quant + fp8_gemm) are chaotic end to end: their whole-run tensors pass within 0.5 with
identical routing, their replayed layers within 1e-3 + 1e-5·|b|, and their FP8 Linear calls only bit for bit.
Float64 reference runs are listed as skipped.

  --backend NAME      one of the backends below; repeat for several (default: all of them, each that needs
                      what this machine lacks skipped, saying so)
${backendList('                        ')}
  --gemm MODE         only the runs whose Linear layers ran as dequant (f32 GEMMs) or fp8 (default: both)

Exit status: 0 when everything passes, 1 when any tensor fails or a run errors.`,
  options: { backend: { type: 'string', multiple: true }, gemm: { type: 'string' } },
  positionals: true,
  async run(values, positionals) {
    const names = (values.backend as string[] | undefined) ?? backendNames();
    const cases = positionals.length > 0 ? positionals : bundledCases();
    for (const dir of cases) if (!fs.existsSync(join(dir, 'config.json'))) throw new UsageError(`dsv3 verify: ${dir} is not a golden model case (no config.json)`);
    const gemm = values.gemm === undefined ? undefined : gemmArg(values, 'verify');
    const backends = await openBackends(names, 'verify', values.backend === undefined);
    let failures = 0;
    let checked = 0;
    try {
      for (const dir of cases) {
        const r = await verifyCase(dir, backends, gemm);
        failures += r.failures;
        checked += r.checked;
      }
    } finally {
      for (const b of backends) b.dispose();
    }
    console.log(failures === 0 ? `all ${checked} comparisons pass` : `${failures} failure(s) in ${checked} comparisons`);
    return failures === 0 ? 0 : 1;
  },
};
