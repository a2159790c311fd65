// `dsv3 report`: a training run's folder drawn as one self-contained HTML page (src/training/run/report).

import fs from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-file.js';
import { readMetrics } from '../../training/run/metrics.js';
import { reportPage } from '../../training/run/report/report-page.js';
import { readRecipe, RECIPE_FILE } from '../../training/run/run-recipe.js';
import { EXIT, refuseExisting, UsageError, type Command } from '../command.js';

const COMMAND = 'report';
const DEFAULT_FILE = 'report.html';

export const report: Command = {
  name: COMMAND,
  summary: "draw a training run (dsv3 train's folder) as one self-contained HTML page",
  help: `Usage: dsv3 report RUN_DIR [--out FILE] [--force]

Writes one HTML page (inline SVG, no script, nothing fetched) from RUN_DIR/metrics.jsonl and run.json: the
losses (loss.total, loss.main, loss.mtp and each module's, and apart the balance losses, total and per layer),
the learning rate, the gradient norm before clipping, MaxVio_batch of every MoE layer over the steps, and per MoE
layer a heatmap of each expert's load relative to the layer's mean (rows experts, columns steps). A run still
going can be drawn: its last, unfinished line is left out.

  --out FILE          the page to write (default RUN_DIR/${DEFAULT_FILE})
  --force             replace FILE if it exists`,
  options: {
    out: { type: 'string' },
    force: { type: 'boolean', default: false },
  },
  positionals: true,
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError(`dsv3 ${COMMAND}: expected one RUN_DIR, got ${positionals.length}`);
    const dir = positionals[0]!;
    if (!fs.existsSync(join(dir, RECIPE_FILE))) throw new UsageError(`dsv3 ${COMMAND}: ${dir} is not the folder of a training run (no ${RECIPE_FILE})`);
    const out = (values.out as string | undefined) ?? join(dir, DEFAULT_FILE);
    const force = values.force === true;
    refuseExisting(COMMAND, out, force, 'file');
    const metrics = readMetrics(dir);
    writeFileAtomic(out, reportPage(`Training run ${resolve(dir)}`, readRecipe(dir), metrics), { overwrite: force });
    console.log(`wrote ${out}: ${metrics.length} steps`);
    return EXIT.ok;
  },
};
