// npm run fuzz -- [--seconds N] [--graphs N] [--backend NAME]... [--seed S] [--out DIR]
// npm run fuzz -- --replay FILE.graph [--backend NAME]
//
// Runs random graphs on every registered backend (or the named ones) with fresh seeds until the time is up (the
// seconds are shared by the backends) or each has run --graphs graphs, prints the graphs run per backend and
// every failure, and writes each shrunk failure as FILE.graph with its inputs beside it (reproducer.ts). --replay
// runs one such file again on its backend. The exit code is 1 when anything failed or compared nothing.

import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Backend } from '../../src/backends/backend.js';
import { BackendUnavailableError, backendEntries, backendEntry, openBackend, type BackendEntry } from '../../src/backends/registry.js';
import { ensureRuntimeDir } from '../support/runtime-dir.js';
import { checkerFor, describeFinding, fuzzBackend, SHRINK_GRACE_S, totalGraphs, type CampaignSummary, type Finding } from './campaign.js';
import { PROFILE_NAMES, PROFILES } from './profiles.js';
import { readReproducer, writeReproducer } from './reproducer.js';

const USAGE = `usage: npm run fuzz -- [--seconds N] [--graphs N] [--backend NAME]... [--seed S] [--out DIR]
       npm run fuzz -- --replay FILE.graph [--backend NAME]
  --seconds N   fuzzing time, shared by the backends (default 60; shrinking a late failure may add up to ${SHRINK_GRACE_S} s)
  --graphs N    stop each backend after N graphs
  --backend     a registered backend (${backendEntries().map((e) => e.name).join(', ')}); default all
  --seed S      the first round's seed (default random); round r uses S + r
  --out DIR     where shrunk failures are written (default tmp/fuzz)
  --replay F    runs the failure saved as F (and F's .safetensors) again`;

function positiveNumber(flag: string, text: string | undefined, fallback?: number): number | undefined {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${flag} must be a positive number, got ${JSON.stringify(text)}\n${USAGE}`);
  return n;
}

/** Opens `entry`'s backend; undefined (said loudly) when the machine lacks what it needs and nothing requires it. */
async function open(entry: BackendEntry): Promise<Backend | undefined> {
  ensureRuntimeDir();
  try {
    return await openBackend(entry.name);
  } catch (e) {
    if (!(e instanceof BackendUnavailableError) || process.env[entry.needs!.requireEnv] === '1') throw e;
    console.warn(`${'='.repeat(100)}\n${entry.name}: SKIPPED: ${e.message}\n  set ${entry.needs!.requireEnv}=1 to make this a failure\n${'='.repeat(100)}`);
    return undefined;
  }
}

function summaryLine(s: CampaignSummary): string {
  const perProfile = PROFILE_NAMES.map((p) => `${p} ${s.graphs[p]}`).join(', ');
  const repeats = s.repeats ? ` (and ${s.repeats} repeat${s.repeats === 1 ? '' : 's'})` : '';
  return `${s.backend}: ${totalGraphs(s)} graphs (${perProfile}), ${s.compared} elements compared, ${s.undetermined} undetermined, ${s.findings.length} failure${s.findings.length === 1 ? '' : 's'}${repeats}`;
}

async function report(f: Finding, out: string, backend: Backend, entry: BackendEntry): Promise<void> {
  const file = writeReproducer(out, f);
  const replayed = readReproducer(file);
  const again = await checkerFor(backend, entry)(replayed.case, PROFILES[replayed.profile]);
  const replay = again.failure === undefined ? 'WARNING: the saved case passes when replayed' : 'the saved case fails again when replayed';
  console.log(`\nFAIL ${describeFinding(f)}written to ${file} (${replay}); replay: npm run fuzz -- --replay ${file}\n`);
}

async function fuzz(names: readonly string[], seconds: number, graphs: number | undefined, seed: number, out: string): Promise<boolean> {
  const entries = names.length ? names.map(backendEntry) : backendEntries();
  const limits = [Number.isFinite(seconds) ? `${seconds} s` : '', graphs ? `${graphs} graphs each` : ''].filter(Boolean).join(' or ');
  console.log(`fuzzing ${entries.map((e) => e.name).join(', ')} for ${limits} from seed ${seed}; failures go to ${out}`);
  const end = Date.now() + seconds * 1000;
  let ok = true;
  for (const [i, entry] of entries.entries()) {
    const backend = await open(entry);
    if (!backend) continue;
    try {
      const until = Number.isFinite(end) ? Date.now() + (end - Date.now()) / (entries.length - i) : undefined;
      const summary = await fuzzBackend(backend, entry, { seed, graphs, until, onFinding: (f) => report(f, out, backend, entry) });
      console.log(summaryLine(summary));
      if (summary.findings.length) ok = false;
      if (totalGraphs(summary) > 0 && summary.compared === 0) {
        console.log(`FAIL ${entry.name}: ${totalGraphs(summary)} graphs compared no element`);
        ok = false;
      }
    } finally {
      backend.dispose();
    }
  }
  return ok;
}

async function replay(file: string, backendName: string | undefined): Promise<boolean> {
  const saved = readReproducer(file);
  const entry = backendEntry(backendName ?? saved.backend);
  const backend = await open(entry);
  if (!backend) return false;
  try {
    const outcome = await checkerFor(backend, entry)(saved.case, PROFILES[saved.profile]);
    const what = `${file} (${saved.profile} graph, seed ${saved.seed}) on ${entry.name}`;
    console.log(outcome.failure === undefined ? `PASS ${what}: ${outcome.compared} elements compared` : `FAIL ${what}:\n${outcome.failure}`);
    return outcome.failure === undefined;
  } finally {
    backend.dispose();
  }
}

async function main(): Promise<boolean> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      graphs: { type: 'string' },
      backend: { type: 'string', multiple: true },
      seed: { type: 'string' },
      out: { type: 'string' },
      replay: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return true;
  }
  if (values.replay !== undefined) return replay(values.replay, values.backend?.[0]);
  const seed = values.seed === undefined ? (Math.random() * 2 ** 31) | 0 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${JSON.stringify(values.seed)}\n${USAGE}`);
  const graphs = positiveNumber('--graphs', values.graphs);
  const seconds = positiveNumber('--seconds', values.seconds, graphs === undefined ? 60 : Infinity)!;
  return fuzz(values.backend ?? [], seconds, graphs, seed, path.resolve(values.out ?? 'tmp/fuzz'));
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (e: unknown) => {
    // Bad arguments say what was expected; anything else comes with where it happened.
    console.error(e instanceof Error && e.cause === undefined ? e.message : e);
    process.exit(1);
  },
);
