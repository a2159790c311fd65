// Suite `load`: a synthetic sharded bf16 checkpoint of several GB at DeepSeek-V2-Lite's widths (fewer layers), written
// to a temporary directory, loaded by a fresh process that runs one prefill and one decode step on the CPU backend,
// and deleted. Reported next to the checkpoint's size: load and run times, peak resident memory, the bytes read, and
// the bytes a lazy load must read (every tensor but the routed experts, plus the experts the tokens selected).

import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseModelConfig } from '../src/models/deepseek/config.js';
import { checkpointTensors, modelLayout } from '../src/models/deepseek/layout.js';
import { printTable } from './harness.js';
import type { LoadRunRequest, LoadRunResult } from './load-run.js';
import { benchConfig } from './scale-checkpoints.js';
import { writeSyntheticCheckpoint } from './synthetic-checkpoint.js';

/** DeepSeek-V2-Lite's config.json with 4 of its 27 layers (1 dense + 3 MoE). */
const V2_LITE_4_LAYERS = { ...benchConfig('deepseek-v2-lite.config.json'), num_hidden_layers: 4 };

const PROMPT = [17, 4242, 31337, 99];
const SHARD_BYTES = 1 << 30;
const EXPERT = /\.mlp\.experts\.\d+\./;

function runChild(request: LoadRunRequest): Promise<LoadRunResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./load-run.js', import.meta.url)));
    child.once('message', (m: { result?: LoadRunResult; error?: string }) => (m.result ? resolve(m.result) : reject(new Error(`load run failed: ${m.error}`))));
    child.once('exit', (code) => code !== 0 && reject(new Error(`load run exited with code ${code}`)));
    child.send(request);
  });
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

export async function loadSuite(): Promise<void> {
  const free = os.freemem();
  const tmp = fs.mkdtempSync(join(os.tmpdir(), 'dsv3-bench-load-'));
  try {
    let start = performance.now();
    const ckpt = await writeSyntheticCheckpoint(join(tmp, 'checkpoint'), V2_LITE_4_LAYERS, 'bf16', SHARD_BYTES);
    const writeSeconds = (performance.now() - start) / 1000;
    console.log(
      `checkpoint: ${gb(ckpt.bytes)} bf16 (DeepSeek-V2-Lite widths, 4 of its 27 layers: 1 dense + 3 MoE of 64 routed + 2 shared experts), ` +
        `${ckpt.tensors} tensors in ${ckpt.shards} shards, written in ${writeSeconds.toFixed(1)} s; machine memory free before: ${gb(free)}`,
    );
    const config = parseModelConfig(V2_LITE_4_LAYERS);
    const tensors = checkpointTensors(modelLayout(config));
    const bytesOf = (shape: readonly number[]) => 2 * shape.reduce((a, b) => a * b, 1);
    const nonExpert = tensors.filter((t) => !EXPERT.test(t.name)).reduce((n, t) => n + bytesOf(t.shape), 0);
    const expertBytes = 3 * 2 * config.hiddenSize * config.moeIntermediateSize;
    const routedTotal = (config.numHiddenLayers - config.firstKDenseReplace) * config.nRoutedExperts;
    console.log(`one prefill of ${PROMPT.length} tokens and one decode step, batch 1, in a fresh process per row (peak RSS is that process's)`);

    const rows = [];
    for (const claims of [true, false]) {
      start = performance.now();
      const r = await runChild({ dir: ckpt.dir, claims, prompt: PROMPT, maxSeqLen: 64 });
      const experts = Object.values(r.selected).reduce((n, e) => n + e.length, 0);
      const lazyBytes = nonExpert + experts * expertBytes;
      rows.push([
        claims ? 'cpu (compiled, moe claimed)' : 'cpu (compiled, no claims)',
        r.open,
        r.prefill,
        r.decode,
        `${experts} of ${routedTotal}`,
        r.bytesRead === null ? 'n/a' : gb(r.bytesRead),
        gb(lazyBytes),
        gb(r.peakRss),
        gb(r.baselineRss),
        gb(2 * lazyBytes),
      ]);
    }
    printTable(['backend', 'open s', 'prefill s', 'decode s', 'experts selected', 'bytes read', 'lazy minimum', 'peak RSS', 'RSS before open', 'f32 of that minimum'], rows);
    console.log(
      `checkpoint ${gb(ckpt.bytes)}: routed experts ${gb(routedTotal * expertBytes)}, everything else ${gb(nonExpert)}. ` +
        'bytes read: read(2) bytes while loading and running (/proc/self/io rchar). lazy minimum: all non-expert tensors plus the selected experts. ' +
        'Weights are served as f32 (bf16 widened), so resident weights are twice the bytes read; prefill s includes compiling, reading and widening.',
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
