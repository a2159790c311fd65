// --memory-budget and --report-reads, shared by the commands that run a model (forward, generate): whether the run
// holds the whole model or streams it layer by layer (models/deepseek/session-plan.ts), said on stderr before
// the run, and what the run read from the checkpoint against the lazy minimum, said on stderr after it.

import os from 'node:os';
import type { Backend } from '../backends/backend.js';
import type { LoadedModel } from '../models/deepseek/loaded-model.js';
import { formatReadReport } from '../models/deepseek/read-report.js';
import { openSession, planSession } from '../models/deepseek/session-plan.js';
import type { ModelSession, SessionOptions } from '../models/deepseek/session.js';
import { UsageError, type Options } from './command.js';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export const MEMORY_OPTIONS: Options = { 'memory-budget': { type: 'string' }, 'report-reads': { type: 'boolean', default: false } };

export const MEMORY_HELP = `  --memory-budget SIZE
                      the memory the model's weights may take, in bytes or with a suffix K, M, G or T
                      (powers of 1024: 8G is 8 GiB; default: the machine's memory). A checkpoint larger than
                      that is streamed: each chunk runs the embedding, every layer and the head one at a time,
                      each with only its own weights loaded (a MoE layer's routed experts as its tokens choose
                      them), released before the next; the results are the same bytes
  --report-reads      print on stderr, after the run, the bytes read from each shard of the checkpoint and the
                      lazy minimum: the bytes of every tensor the run needed, once each, with only the routed
                      experts some token chose`;

const UNITS: Readonly<Record<string, number>> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** "8G", "512M", "1000000": a size in bytes. */
export function parseSize(command: string, option: string, text: string): number {
  const m = /^(\d+)([KMGT]?)$/i.exec(text);
  const n = m === null ? NaN : Number(m[1]) * UNITS[m[2]!.toUpperCase()]!;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`dsv3 ${command}: --${option} must be a positive number of bytes, optionally with K, M, G or T (8G), got "${text}"`);
  return n;
}

/** The session for the run, resident or streamed as the budget says; the choice is said on stderr unless --quiet. */
export function openPlannedSession(values: Values, command: string, model: LoadedModel, backend: Backend, options: SessionOptions): ModelSession {
  const given = values['memory-budget'] as string | undefined;
  const plan = planSession(model, given === undefined ? os.totalmem() : parseSize(command, 'memory-budget', given));
  if (plan.streamed && values.quiet !== true) {
    const bytes = (n: number) => n.toLocaleString('en-US');
    const budget = given === undefined ? "the machine's memory" : '--memory-budget';
    console.error(`dsv3 ${command}: streaming the layers: the checkpoint's ${bytes(plan.weightBytes)} bytes exceed ${budget} (${bytes(plan.memoryBudget)} bytes)`);
  }
  return openSession(model, backend, options, plan);
}

/** With --report-reads, prints on stderr what `session` read. */
export function reportReads(values: Values, command: string, session: ModelSession): void {
  if (values['report-reads'] === true) console.error(`dsv3 ${command}: ${formatReadReport(session.readReport())}`);
}
