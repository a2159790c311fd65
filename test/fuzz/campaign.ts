// A fuzzing campaign on one backend: rounds of random cases, each round a fast-check run with its own seed (seed,
// seed + 1, ...) and profile (profiles.ts), until a number of graphs has run or the time is up. A failing round
// stops at its first failure and shrinks it to a minimal graph: that case is a finding, and the next round goes on
// with the next seed, so one campaign can find several failures. Shrinking a failure found near the end of the time
// may run up to SHRINK_GRACE_S past it.

import fc from 'fast-check';
import { printGraph } from '../../src/ir/index.js';
import type { Backend } from '../../src/backends/backend.js';
import type { BackendEntry } from '../../src/backends/registry.js';
import { checkKernels, checkOracle, type Outcome } from './check.js';
import { PROFILE_NAMES, profileOfRound, type FuzzCase, type Profile, type ProfileName } from './profiles.js';

/** Graphs per round at most; a short campaign has smaller rounds, so every profile gets some. */
const ROUND = 25;
export const SHRINK_GRACE_S = 120;

export interface Finding {
  readonly backend: string;
  readonly profile: ProfileName;
  /** The seed of the round that found it. */
  readonly seed: number;
  /** The shrunk case. */
  readonly case: FuzzCase;
  readonly failure: string;
}

export interface CampaignOptions {
  readonly seed: number;
  /** Stop after this many graphs. */
  readonly graphs?: number;
  /** Start no graph after this time (ms since the epoch). */
  readonly until?: number;
  /** Stop after this many findings. */
  readonly findings?: number;
  /** Called with each finding as it is made. */
  readonly onFinding?: (f: Finding) => void | Promise<void>;
}

export interface CampaignSummary {
  readonly backend: string;
  /** Graphs run (shrinking steps aside), per profile. */
  readonly graphs: Readonly<Record<ProfileName, number>>;
  /** Output elements compared, and left undetermined by the bounds. */
  readonly compared: number;
  readonly undetermined: number;
  readonly findings: readonly Finding[];
  /** Rounds that shrank to a failure already found. */
  readonly repeats: number;
}

export const totalGraphs = (s: CampaignSummary): number => PROFILE_NAMES.reduce((n, p) => n + s.graphs[p], 0);

/** How cases are checked on `entry`'s backend: against the oracle, or (the oracle itself) on its own. */
export function checkerFor(backend: Backend, entry: BackendEntry): (c: FuzzCase, p: Profile) => Promise<Outcome> {
  return entry.runsKernels ? (c, p) => checkKernels(backend, c, p) : (c) => checkOracle(backend, c);
}

export async function fuzzBackend(backend: Backend, entry: BackendEntry, options: CampaignOptions): Promise<CampaignSummary> {
  const check = checkerFor(backend, entry);
  const graphs: Record<ProfileName, number> = { anything: 0, integers: 0, moves: 0 };
  let [compared, undetermined, repeats] = [0, 0, 0];
  const findings: Finding[] = [];
  const found = new Set<string>();
  const limit = options.graphs ?? Infinity;
  const ran = () => PROFILE_NAMES.reduce((n, p) => n + graphs[p], 0);
  const more = () => ran() < limit && Date.now() < (options.until ?? Infinity) && findings.length < (options.findings ?? Infinity);
  const roundSize = Math.max(1, Math.min(ROUND, Math.ceil(limit / 4)));
  for (let round = 0; more(); round++) {
    const profile = profileOfRound(round);
    const seed = (options.seed + round) | 0;
    // Once a case fails, the runs that follow are fast-check shrinking it.
    let shrinking = false;
    const property = fc.asyncProperty(profile.cases(entry.ieeeSpecials ?? true), async (c) => {
      if (!shrinking) {
        if (!more()) return;
        graphs[profile.name]++;
      }
      const outcome = await check(c, profile);
      if (!shrinking) [compared, undetermined] = [compared + outcome.compared, undetermined + outcome.undetermined];
      if (outcome.failure === undefined) return;
      shrinking = true;
      throw new Error(outcome.failure);
    });
    const timeLimit = options.until === undefined ? {} : { interruptAfterTimeLimit: options.until - Date.now() + SHRINK_GRACE_S * 1000 };
    let details: fc.RunDetails<[FuzzCase]>;
    try {
      details = await fc.check(property, { seed, numRuns: Math.min(roundSize, limit - ran()), ...timeLimit });
    } catch (e) {
      throw new Error(`fuzzing ${entry.name}: the ${profile.name} generator failed in the round of seed ${seed}`, { cause: e });
    }
    if (!details.failed) continue;
    const [c] = details.counterexample!;
    const key = `${profile.name}\n${printGraph(c.graph)}`;
    if (found.has(key)) {
      repeats++;
      continue;
    }
    found.add(key);
    const finding: Finding = { backend: entry.name, profile: profile.name, seed, case: c, failure: (details.errorInstance as Error).message };
    findings.push(finding);
    await options.onFinding?.(finding);
  }
  return { backend: entry.name, graphs, compared, undetermined, findings, repeats };
}

/** A finding as text: where it was found, why it failed, and the graph. */
export const describeFinding = (f: Finding): string =>
  `${f.backend}, ${f.profile} graphs, seed ${f.seed}${f.case.donate.length ? `, donating ${f.case.donate.join(', ')}` : ''}:\n${f.failure}\n${printGraph(f.case.graph)}`;
