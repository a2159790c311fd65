// `dsv3 verify`: runs the golden cases (spec/golden) on every backend, in each attention form and GEMM mode the
// goldens have, and prints a summary line per run naming the first tensor that diverges, then every compared tensor
// in the order the model computes them (report.ts, as dsv3 diff prints). Exits 1 if anything fails.

import fs from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../../backends/backend.js';
import { inTask, type Progress } from '../../backends/progress.js';
import { directoryFiles } from '../../io/local-files.js';
import type { Comparison } from '../../models/deepseek/verify/compare.js';
import { GoldenCase, type GoldenRun } from '../../models/deepseek/verify/golden-case.js';
import type { GemmMode } from '../../models/deepseek/settings.js';
import { comparisonTable, summarize } from '../../models/deepseek/verify/report.js';
import { verifyRun } from '../../models/deepseek/verify/run-case.js';
import { formatReadReport, type ReadReport } from '../../models/deepseek/read-report.js';
import { EXIT, UsageError, type Command } from '../command.js';
import { backendList, backendNames, openBackends } from '../backends.js';
import { packageRoot } from '../package-root.js';
import { commandProgress, QUIET_HELP, QUIET_OPTION } from '../progress.js';
import { gemmArg } from './forward.js';

/** The model cases under spec/golden (folders with a config.json). */
function bundledCases(): string[] {
  const root = join(packageRoot(), 'spec', 'golden');
  return fs.readdirSync(root).sort().map((name) => join(root, name)).filter((dir) => fs.existsSync(join(dir, 'config.json')));
}

/** Whether golden run `run` uses GEMM mode `gemm` (MTP runs use f32 weights, so they count as dequant). */
const usesGemm = (run: GoldenRun, gemm: GemmMode): boolean => (run.kind === 'standard' ? run.linear.gemm : 'dequant') === gemm;

/** How a case is run and shown: --quiet, --report-reads. */
interface CaseOutput {
  readonly quiet: boolean;
  readonly reportReads: boolean;
}

async function verifyCase(dir: string, backends: readonly Backend[], gemm: GemmMode | undefined, progress: Progress, { quiet, reportReads }: CaseOutput): Promise<{ failures: number; checked: number }> {
  const golden = GoldenCase.open(directoryFiles(dir));
  let failures = 0;
  let checked = 0;
  try {
    const { runs, skipped } = golden.runs();
    console.log(`${golden.name}`);
    if (!quiet) for (const s of skipped) console.log(`  skip ${s.name}: ${s.reason}`);
    const selected = runs.filter((r) => gemm === undefined || usesGemm(r, gemm));
    if (selected.length === 0) {
      // A case that compares nothing fails, so that a wrong --gemm or an empty manifest never reads as a pass.
      console.log(`  FAIL nothing to compare: ${runs.length === 0 ? 'the manifest lists no run this implementation reproduces' : `no run used --gemm ${gemm} (${[...new Set(runs.map((r) => r.name))].join(', ')} did not)`}`);
      failures++;
    }
    for (const backend of backends) {
      for (const run of selected) {
        const title = `  ${backend.name} ${run.name} (${run.attention}${run.kind === 'standard' && run.linear.gemm === 'fp8' ? ', fp8 GEMMs' : ''})`;
        let results: Comparison[];
        const reads = reportReads ? (r: ReadReport) => console.error(`${title}: ${formatReadReport(r)}`) : undefined;
        try {
          results = await inTask(progress, `${golden.name}: ${title.trim()}`, undefined, () => verifyRun(golden, run, backend, reads));
        } catch (e) {
          console.log(`${title}: ERROR ${e instanceof Error ? e.message : String(e)}`);
          failures++;
          continue;
        }
        const failed = results.filter((c) => !c.pass).length + (results.length === 0 ? 1 : 0);
        console.log(`${title}: ${results.length === 0 ? 'FAIL nothing compared' : summarize(results)}`);
        if (!quiet && results.length > 0) for (const line of comparisonTable(results, 'got vs expected', '    ')) console.log(line);
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
  help: `Usage: dsv3 verify [CASE_DIR...] [--backend NAME]... [--gemm MODE] [--report-reads] [--quiet]

Runs each golden case (default: every model case bundled in spec/golden) the way the official outputs were
made: a prefill of the stored prompt at position 0, then one-token decode steps. Every stored tensor the run
has is compared: logits, final norm, per-block outputs, routing indices (exact sets per token) and weights
(by expert, within 1e-5), caches, and MTP logits. Floats pass within |a - b| <= 2e-5 + 1e-5·|b|. Each layer is
also replayed on the stored output of the layer before it ("replay" lines), and each captured Linear call on
its stored input.
Runs with FP8 GEMMs (act_quant + fp8_gemm) are chaotic end to end: their whole-run tensors pass within 0.5 with
identical routing, their replayed layers within 1e-3 + 1e-5·|b|, and their FP8 Linear calls only bit for bit.
Float64 reference runs are listed as skipped.
A training case (a manifest with hyperparameters: v3-tiny-train) is one run, "train": one training step with
the case's hyperparameters (dsv3 train-step), then the forward after it, within the tolerances of
spec/golden/README.md §The training case: losses, routing, every gradient (per tensor and their global rms),
the balance loss's own gate gradients, clipping, every parameter after AdamW, and the bias update.
Each run prints a summary line: "N/N pass", or how many fail and the first tensor that diverges in the order
the model computes them (the embedding, then layer by layer attention, router input and choices, MoE or MLP
output, block output, then the final norm and the logits, prefill before decode steps), since every tensor after
it inherits its error. A table follows, in that order: each tensor's largest |got - expected|, that relative to
the largest |expected|, the elements out of tolerance, the tolerance and the worst element (index, both values).

  --backend NAME      one of the backends below; repeat for several (default: all of them, each that needs
                      what this machine lacks skipped, saying so)
${backendList('                        ')}
  --gemm MODE         only the runs whose Linear layers ran as dequant (f32 GEMMs) or fp8 (default: both)
  --report-reads      print on stderr, per run, the bytes its prefill and decode steps read from each shard
                      and the lazy minimum (the tensors they needed, once each, only the chosen experts)
${QUIET_HELP};
                      and print only the summary line of each run, without the tables and skipped runs

A case that compares nothing (no run with the asked --gemm, a manifest without runs this implementation
reproduces) fails, and so does a verification that compares nothing at all.

Exit status: 0 when everything passes, 1 when any tensor fails, a run errors or nothing is compared, 2 on bad
usage or input.`,
  options: { backend: { type: 'string', multiple: true }, gemm: { type: 'string' }, 'report-reads': { type: 'boolean', default: false }, ...QUIET_OPTION },
  positionals: true,
  async run(values, positionals) {
    const names = (values.backend as string[] | undefined) ?? backendNames();
    const cases = positionals.length > 0 ? positionals : bundledCases();
    for (const dir of cases) if (!fs.existsSync(join(dir, 'config.json'))) throw new UsageError(`dsv3 verify: ${dir} is not a golden model case (no config.json)`);
    const gemm = values.gemm === undefined ? undefined : gemmArg(values, 'verify');
    const progress = commandProgress(values);
    const backends = await openBackends(names, 'verify', values.backend === undefined, progress);
    let failures = 0;
    let checked = 0;
    try {
      for (const dir of cases) {
        const r = await verifyCase(dir, backends, gemm, progress, { quiet: values.quiet === true, reportReads: values['report-reads'] === true });
        failures += r.failures;
        checked += r.checked;
      }
    } finally {
      for (const b of backends) b.dispose();
    }
    if (checked === 0) {
      console.log('nothing was compared: a verification that compares nothing fails');
      return EXIT.checkFailed;
    }
    console.log(failures === 0 ? `all ${checked} comparisons pass` : `${failures} failure(s) in ${checked} comparisons`);
    return failures === 0 ? EXIT.ok : EXIT.checkFailed;
  },
};
