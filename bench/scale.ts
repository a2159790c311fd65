// Suite `scale` (`npm run bench -- scale`; not in CI): checkpoints at real size on one small machine. For each
// synthetic checkpoint of scale-checkpoints.ts (written once), a fresh process runs a 16-token prefill and 4
// decode steps on the CPU backend (scale-run.ts) under a memory budget ($DSV3_BENCH_MEMORY_BUDGET bytes, default
// 8 GB: a checkpoint larger than that streams its layers), and the suite reports the peak resident memory, the
// tensor bytes read against the lazy minimum, the time of each part (embedding, layer, head) split into reading and
// the rest, and what a resident run of the same tokens would hold. It closes with the time a whole DeepSeek-V3
// prefill of 16 tokens would take here, from the per-layer times of the V3-dimension run. A run is stopped when its
// resident memory passes $DSV3_BENCH_RSS_LIMIT bytes (default three quarters of the machine's);
// $DSV3_BENCH_CHECKPOINTS (names, comma-separated) runs only those checkpoints.

import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../src/numerics/index.js';
import { printTable } from './harness.js';
import { checkpointFileBytes, ensureCheckpoint, SCALE_CHECKPOINTS, type ScaleCheckpoint } from './scale-checkpoints.js';
import type { PartTime, ScaleRunRequest, ScaleRunResult } from './scale-run.js';

const PROMPT_TOKENS = 16;
const DECODE_STEPS = 4;
const DEEPSEEK_V3_LAYERS = { dense: 3, moe: 58 };

/** The resident memory a run may reach before it is stopped, so that it never takes the machine it shares. */
const RSS_LIMIT = Number(process.env.DSV3_BENCH_RSS_LIMIT ?? 0.75 * os.totalmem());

/** A process's resident memory in bytes, from /proc (Linux); 0 where it cannot be read. */
function residentMemory(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

function runChild(request: ScaleRunRequest): Promise<ScaleRunResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./scale-run.js', import.meta.url)), { execArgv: ['--max-old-space-size=16384'] });
    let done = 'nothing';
    const watch = setInterval(() => {
      const rss = residentMemory(child.pid!);
      if (rss <= RSS_LIMIT) return;
      child.kill('SIGKILL');
      reject(new Error(`stopped when its resident memory reached ${gb(rss)} GB, over the limit of ${gb(RSS_LIMIT)} GB ($DSV3_BENCH_RSS_LIMIT), after ${done}`));
    }, 200);
    child.on('message', (m: { result?: ScaleRunResult; error?: string; done?: string }) => {
      if (m.done !== undefined) done = m.done;
      else if (m.result) resolve(m.result);
      else reject(new Error(m.error));
    });
    child.once('exit', (code, signal) => {
      clearInterval(watch);
      if (code !== 0 || signal !== null) reject(new Error(`the run process ended with ${signal ?? `exit code ${code}`}`));
    });
    child.send(request);
  });
}

const gb = (bytes: number) => (bytes / 1e9).toFixed(2);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Token ids drawn below the vocabulary size. */
function tokens(config: Record<string, unknown>, n: number, seed: number): number[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => Math.floor(rand() * (config.vocab_size as number)));
}

/** A part's name for the table: embed, layer 3, head, or the whole-model graph of a resident run. */
const partName = (graph: string): string => graph.replace(/^deepseek_layer_(\d+)$/, 'layer $1').replace(/^deepseek_/, '');

function partTable(parts: readonly PartTime[]): void {
  const names = [...new Set(parts.filter((p) => p.step !== 'open').map((p) => p.part))];
  const of = (part: string, decode: boolean) => parts.filter((p) => p.part === part && (p.step === 'prefill') !== decode);
  printTable(
    ['part', 'prefill s', 'reading s', 'read GB', 'rest s', `decode s (${DECODE_STEPS} steps)`, 'reading s', 'read GB'],
    names.map((part) => {
      const [pre, dec] = [of(part, false), of(part, true)];
      const s = (ps: PartTime[]) => sum(ps.map((p) => p.seconds));
      const r = (ps: PartTime[]) => sum(ps.map((p) => p.readSeconds));
      const b = (ps: PartTime[]) => gb(sum(ps.map((p) => p.readBytes)));
      return [partName(part), s(pre), r(pre), b(pre), s(pre) - r(pre), s(dec), r(dec), b(dec)];
    }),
  );
}

/** What a whole DeepSeek-V3 prefill of the same tokens would take here, from the V3-dimension run's layers. */
function v3Estimate(parts: readonly PartTime[]): string {
  const prefill = parts.filter((p) => p.step === 'prefill');
  const layer = (i: number) => prefill.find((p) => p.part === `deepseek_layer_${i}`);
  const dense = [0, 1, 2].map(layer);
  const moe = layer(3);
  const ends = prefill.filter((p) => p.part === 'deepseek_embed' || p.part === 'deepseek_head');
  if (dense.some((p) => p === undefined) || moe === undefined) return 'no per-layer times (the run was resident, one graph): no estimate';
  const per = (f: (p: PartTime) => number) => (DEEPSEEK_V3_LAYERS.dense * sum(dense.map((p) => f(p!)))) / 3 + DEEPSEEK_V3_LAYERS.moe * f(moe) + sum(ends.map(f));
  const total = per((p) => p.seconds);
  const reading = per((p) => p.readSeconds);
  const bytes = per((p) => p.readBytes);
  return (
    `a whole DeepSeek-V3 prefill of ${PROMPT_TOKENS} tokens (${DEEPSEEK_V3_LAYERS.dense} dense + ${DEEPSEEK_V3_LAYERS.moe} MoE layers like these, the embedding and head): ` +
    `about ${(total / 60).toFixed(1)} min, of which reading ${gb(bytes)} GB takes ${(reading / 60).toFixed(1)} min (${((100 * reading) / total).toFixed(0)}%): ` +
    `${reading > total - reading ? 'bound by the disk' : 'bound by compute (decoding weights, computing)'}`
  );
}

async function scaleOne(c: ScaleCheckpoint, memoryBudget: number): Promise<void> {
  const { dir, seconds } = await ensureCheckpoint(c);
  const disk = checkpointFileBytes(dir);
  console.log(`\n${c.name}: ${c.what}; ${gb(disk)} GB in ${dir}${seconds === undefined ? '' : `, written in ${seconds.toFixed(0)} s`}`);
  let r: ScaleRunResult;
  try {
    r = await runChild({ dir, memoryBudget, prompt: tokens(c.config, PROMPT_TOKENS, 1), decode: tokens(c.config, DECODE_STEPS, 2) });
  } catch (e) {
    console.log(`the run failed: ${(e as Error).message}`);
    return;
  }
  printTable(
    ['session', 'open s', 'prefill s', 'decode s/step', 'peak RSS GB', 'RSS before GB', 'tensor GB read', 'lazy minimum GB', 'resident f32 GB', 'resident stored GB'],
    [[r.streamed ? 'streamed' : 'resident', r.open, r.steps[0]!, sum(r.steps.slice(1)) / DECODE_STEPS, gb(r.peakRss), gb(r.baselineRss), gb(r.tensorBytes), gb(r.lazyMinimum), gb(r.residentF32), gb(r.residentStored)]],
  );
  partTable(r.parts);
  if (c.name.startsWith('deepseek-v3')) console.log(v3Estimate(r.parts));
}

export async function scaleSuite(): Promise<void> {
  const memoryBudget = Number(process.env.DSV3_BENCH_MEMORY_BUDGET ?? 8e9);
  console.log(
    `${PROMPT_TOKENS}-token prefill and ${DECODE_STEPS} decode steps, batch 1, cpu backend, a fresh process per checkpoint; memory budget ${gb(memoryBudget)} GB ` +
      '(streamed: the weights exceed it). lazy minimum: the stored bytes of every tensor the run needed, each once (a streamed run reads a layer again at every step). ' +
      'resident: the weights a resident run of the same tokens holds (the tensors it touched), widened to f32 as today and as stored. ' +
      'reading s: time inside read(2) of the checkpoint; rest s: compiling, decoding weights and computing.',
  );
  const only = process.env.DSV3_BENCH_CHECKPOINTS?.split(',');
  for (const c of SCALE_CHECKPOINTS.filter((c) => only === undefined || only.includes(c.name))) await scaleOne(c, memoryBudget);
}
