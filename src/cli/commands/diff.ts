// `dsv3 diff A B`: two dumps compared tensor by tensor (the tensors of `forward --capture` and a port's dump of the
// same names, docs/checking-a-port.md), printed as verify prints its comparisons, with the first divergence in
// layer order. Exits 1 when any tensor is out of tolerance or nothing could be compared.

import fs from 'node:fs';
import { fileBytes } from '../../io/local-files.js';
import { SafetensorsFile } from '../../io/safetensors.js';
import { diffDumps, type DumpDiff } from '../../models/deepseek/verify/dump-diff.js';
import { comparisonTable, summarize } from '../../models/deepseek/verify/report.js';
import { describeTolerance, F32_TOLERANCE, type Tolerance } from '../../models/deepseek/verify/tolerance.js';
import { CheckFailure, EXIT, numberOption, UsageError, type Command } from '../command.js';

type Args = Parameters<Command['run']>[0];

function toleranceArgs(values: Args): Tolerance {
  const read = (option: 'atol' | 'rtol', fallback: number): number => {
    const text = values[option] as string | undefined;
    if (text === undefined) return fallback;
    const x = numberOption('diff', option, text);
    if (x < 0) throw new UsageError(`dsv3 diff: --${option} must be >= 0, got "${text}"`);
    return x;
  };
  return { abs: read('atol', F32_TOLERANCE.abs), rel: read('rtol', F32_TOLERANCE.rel) };
}

function openDump(path: string): SafetensorsFile {
  if (!fs.existsSync(path)) throw new UsageError(`dsv3 diff: ${path} does not exist`);
  if (fs.statSync(path).isDirectory()) throw new UsageError(`dsv3 diff: ${path} is a directory; expected a .safetensors file`);
  return SafetensorsFile.open(fileBytes(path));
}

/** "3 tensors: a, b, c" (the first few names). */
function nameList(names: readonly string[]): string {
  const shown = names.slice(0, 6).join(', ');
  return `${names.length} tensor${names.length === 1 ? '' : 's'}: ${shown}${names.length > 6 ? ', ...' : ''}`;
}

/** Why nothing was compared, when nothing was. */
function nothingCompared(d: DumpDiff, values: Args): string | undefined {
  if (d.comparisons.length > 0) return undefined;
  const only = values.only as string[] | undefined;
  if (only !== undefined && d.onlyInA.length === 0 && d.onlyInB.length === 0) return `no tensor name matches --only ${only.join(' --only ')}`;
  const prefixes = values['prefix-a'] !== undefined || values['prefix-b'] !== undefined ? ' (after the prefixes are removed)' : '';
  return `the two files share no tensor name${prefixes}; A has ${nameList(d.onlyInA)}; B has ${nameList(d.onlyInB)}`;
}

export const diff: Command = {
  name: 'diff',
  summary: 'compare two dumps tensor by tensor and name the first divergence',
  help: `Usage: dsv3 diff A.safetensors B.safetensors [--atol X] [--rtol X] [--only GLOB]... [--prefix-a P] [--prefix-b P] [--quiet]

Compares the tensors of the same name in two safetensors files, B being the reference: an element passes when
|A - B| <= atol + rtol·|B| (equal infinities and NaN against NaN match). Any dtype is read as numbers (F64, F32,
BF16, F16, FP8, integers); integer tensors must be equal; routing choices (a pair X.indices / X.weights) compare
as expert sets per token, with weights matched by expert. Shapes must agree up to size-1 dimensions.
Prints, in the order the model computes them (docs/checking-a-port.md §Tensor names), each tensor's largest
|A - B|, that relative to the largest |B|, how many elements are out of tolerance and the worst element (its index
and both values); then the tensors found in one file only, and a summary naming the first tensor that diverges.

  --atol X            absolute tolerance (default ${F32_TOLERANCE.abs})
  --rtol X            relative tolerance, times |B| (default ${F32_TOLERANCE.rel}); the defaults are the golden f32
                      tolerance of dsv3 verify
  --only GLOB         compare only the names matching GLOB (* any characters, ? one); repeat for several
  --prefix-a P        compare only A's tensors named P..., under the name without P (likewise --prefix-b for B);
                      e.g. --prefix-b naive. compares a forward dump with run "naive" of a golden expected file
  --quiet             print only the summary line

Exit status: 0 when every compared tensor is within tolerance, 1 when one is not, when shapes differ, or when
nothing was compared (no shared name, or --only matched none), 2 on bad usage or an unreadable file.`,
  options: {
    atol: { type: 'string' },
    rtol: { type: 'string' },
    only: { type: 'string', multiple: true },
    'prefix-a': { type: 'string' },
    'prefix-b': { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
  positionals: true,
  async run(values, positionals) {
    if (positionals.length !== 2) throw new UsageError(`dsv3 diff: expected two files A and B, got ${positionals.length}\nRun 'dsv3 diff --help' for usage.`);
    const tolerance = toleranceArgs(values);
    const [pathA, pathB] = positionals as [string, string];
    using a = openDump(pathA);
    using b = openDump(pathB);
    const d = diffDumps(a, b, {
      tolerance,
      ...(values.only === undefined ? {} : { only: values.only as string[] }),
      ...(values['prefix-a'] === undefined ? {} : { prefixA: values['prefix-a'] as string }),
      ...(values['prefix-b'] === undefined ? {} : { prefixB: values['prefix-b'] as string }),
    });
    const nothing = nothingCompared(d, values);
    if (nothing !== undefined) throw new CheckFailure(`nothing compared: ${nothing}`);
    if (values.quiet !== true) {
      console.log(`A: ${pathA}\nB: ${pathB} (the reference)\ntolerance: |A - B| <= ${describeTolerance(tolerance).replace('|b|', '|B|')}`);
      for (const line of comparisonTable(d.comparisons, 'A vs B')) console.log(line);
      if (d.onlyInA.length > 0) console.log(`only in A (not compared): ${nameList(d.onlyInA)}`);
      if (d.onlyInB.length > 0) console.log(`only in B (not compared): ${nameList(d.onlyInB)}`);
    }
    const shapes = d.comparisons.filter((c) => c.tolerance === 'shape').length;
    console.log(`${summarize(d.comparisons)}${shapes > 0 ? ` (${shapes} with different shapes)` : ''}`);
    return d.comparisons.every((c) => c.pass) ? EXIT.ok : EXIT.checkFailed;
  },
};
