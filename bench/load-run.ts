// The child process of suite `load`: loads a checkpoint, runs one prefill and one decode step on the CPU backend,
// and sends back its timings, its peak resident memory and the bytes it read. A process of its own, so that the
// peak is this model's alone (not the writer's, nor another run's).

import fs from 'node:fs';
import { openBackend } from '../src/backends/registry.js';
import { loadModel } from '../src/models/deepseek/loaded-model.js';
import { Session } from '../src/models/deepseek/session.js';
import { directoryFiles } from '../src/io/local-files.js';
import { answerRequest, lapTimer, peakRss } from './child-run.js';

export interface LoadRunRequest {
  readonly dir: string;
  readonly claims: boolean;
  readonly prompt: readonly number[];
  readonly maxSeqLen: number;
}

export interface LoadRunResult {
  /** Seconds: opening the checkpoint (config, index, headers), the first prefill (compiling, reading weights, running), the decode step. */
  readonly open: number;
  readonly prefill: number;
  readonly decode: number;
  /** Peak resident set of the process, and before the model was opened (Node and the modules), in bytes. */
  readonly peakRss: number;
  readonly baselineRss: number;
  /** Bytes the process read through read(2) while loading and running (/proc/self/io rchar), or null elsewhere. */
  readonly bytesRead: number | null;
  /** Per MoE layer, the routed experts the prefill and the decode step selected. */
  readonly selected: Readonly<Record<string, readonly number[]>>;
}

/** Bytes read by read(2) so far, from /proc/self/io (Linux); null where it does not exist. */
function readSyscallBytes(): number | null {
  try {
    const line = fs.readFileSync('/proc/self/io', 'utf8').split('\n').find((l) => l.startsWith('rchar:'));
    return line === undefined ? null : Number(line.split(/\s+/)[1]);
  } catch {
    return null;
  }
}

async function loadAndRun(r: LoadRunRequest): Promise<LoadRunResult> {
  // Opened first, so that loading the backend's modules counts in the baseline, as a static import would.
  const backend = await openBackend('cpu', { claims: r.claims });
  const baselineRss = peakRss();
  const readBefore = readSyscallBytes();
  const lap = lapTimer();
  const model = loadModel(directoryFiles(r.dir), { maxSeqLen: r.maxSeqLen });
  const open = lap();
  const session = new Session(model, backend, { batch: 1 });
  const steps = [await session.forward([r.prompt])];
  const prefill = lap();
  steps.push(await session.forward([[r.prompt[0]!]]));
  const decode = lap();
  const readAfter = readSyscallBytes();
  const selected: Record<string, number[]> = {};
  for (const { outputs } of steps)
    for (const [name, t] of Object.entries(outputs)) {
      const layer = /^gate\.(\d+)\.indices$/.exec(name)?.[1];
      if (layer !== undefined) selected[layer] = [...new Set([...(selected[layer] ?? []), ...t.data])].sort((a, b) => a - b);
    }
  session.dispose();
  backend.dispose();
  model.weights.close();
  return { open, prefill, decode, peakRss: peakRss(), baselineRss, bytesRead: readBefore === null || readAfter === null ? null : readAfter - readBefore, selected };
}

answerRequest(loadAndRun);
