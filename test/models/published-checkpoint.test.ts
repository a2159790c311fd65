// Checkpoints sharded as Hugging Face publishes DeepSeek-V3 (163 shards behind model.safetensors.index.json, FP8
// weights with their weight_scale_inv beside them, the embedding, the head and the MTP module's layer
// num_hidden_layers — embed_tokens, enorm, hnorm, eh_proj, shared_head.{norm,head} and a MoE block — each in shards
// of their own) load and run to the same bytes as the single file they were split from, and a run reports what it
// read per shard: on cpu exactly the lazy minimum (only the routed experts some token chose).

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import type { TensorData } from '../../src/ir/index.js';
import { INDEX_FILE, SINGLE_FILE } from '../../src/io/checkpoint.js';
import { directoryFiles, fileBytes } from '../../src/io/local-files.js';
import type { FileArray, TensorSpec } from '../../src/io/safetensors.js';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { writeSafetensors } from '../../src/io/safetensors-writer.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { formatReadReport } from '../../src/models/deepseek/read-report.js';
import { Session } from '../../src/models/deepseek/session.js';
import { tempDir } from '../io/temp-dir.js';

const backend = cpuBackend();
const reference = cpuBackend({ mode: 'reference' });
afterAll(() => {
  backend.dispose();
  reference.dispose();
});

const PROMPT = [[4, 186, 92, 167, 59]];

/**
 * `golden`'s model.safetensors split into shards as published: the embedding first, then the layers in order
 * (`perShard` layers per shard, a weight's scale with it), the final norm and head, and the MTP layers last.
 */
function publishedLayout(golden: string, perShard: number): { dir: string; shards: string[] } {
  const src = path.join('spec/golden', golden);
  const dir = tempDir();
  fs.copyFileSync(path.join(src, 'config.json'), path.join(dir, 'config.json'));
  const { num_hidden_layers: layers } = JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8')) as { num_hidden_layers: number };
  using file = SafetensorsFile.open(fileBytes(path.join(src, SINGLE_FILE)));
  const group = (name: string): number => {
    const layer = /^model\.layers\.(\d+)\./.exec(name)?.[1];
    if (name.startsWith('model.embed_tokens')) return 0;
    if (layer === undefined) return 1 + Math.ceil(layers / perShard);
    return Number(layer) >= layers ? 2 + Math.ceil(layers / perShard) : 1 + Math.floor(Number(layer) / perShard);
  };
  const count = 3 + Math.ceil(layers / perShard);
  const shardName = (g: number) => `model-${String(g + 1).padStart(5, '0')}-of-${String(count).padStart(6, '0')}.safetensors`;
  const shards = new Map<string, Record<string, TensorSpec & { data: FileArray }>>();
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (const name of file.names()) {
    const { dtype, shape, byteLength } = file.info(name);
    const shard = shardName(group(name));
    shards.set(shard, { ...shards.get(shard), [name]: { dtype, shape, data: file.read(name) } });
    weightMap[name] = shard;
    total += byteLength;
  }
  for (const [shard, tensors] of shards) writeSafetensors(path.join(dir, shard), tensors);
  fs.writeFileSync(path.join(dir, INDEX_FILE), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }));
  return { dir, shards: [...shards.keys()].sort() };
}

async function prefill(dir: string, mtp: boolean, onCpu = backend) {
  const model = loadModel(directoryFiles(dir), { maxSeqLen: PROMPT[0]!.length });
  const session = new Session(model, onCpu, { batch: 1, mtp });
  try {
    const { logits, outputs } = await session.forward(PROMPT);
    return { results: { logits, ...outputs } as Record<string, TensorData>, report: session.readReport() };
  } finally {
    session.dispose();
    model.weights.close();
  }
}

describe('a checkpoint in the published sharded layout', () => {
  it.each([
    ['v3-fp8-tiny', false],
    ['v3-tiny-mtp', true],
  ] as const)('%s split into shards runs to the same bytes and reads the lazy minimum', async (golden, mtp) => {
    const { dir, shards } = publishedLayout(golden, 1);
    expect(fs.existsSync(path.join(dir, SINGLE_FILE))).toBe(false);
    const single = await prefill(path.join('spec/golden', golden), mtp);
    const sharded = await prefill(dir, mtp);
    expect(sharded.results).toEqual(single.results);
    if (mtp) expect(Object.keys(sharded.results)).toContain('mtp.0.logits');

    const { report } = sharded;
    expect(report.shardCount).toBe(shards.length);
    expect(report.shards.map((s) => s.file)).toEqual(shards);
    expect(report.tensorBytes).toBe(report.lazyMinimum);
    expect(report.tensorBytes).toBe(single.report.tensorBytes);
    const stored = shards.reduce((n, s) => n + fs.statSync(path.join(dir, s)).size, 0);
    expect(report.tensorBytes + report.headerBytes).toBeLessThan(stored);
    expect(formatReadReport(report)).toMatch(new RegExp(`from ${shards.length} of ${shards.length} shard\\(s\\)\\n  ${shards[0]}: `));
  });

  it('puts the MTP layer in a shard of its own, which only a run of the MTP module reads', async () => {
    const { dir, shards } = publishedLayout('v3-tiny-mtp', 2);
    const mtpShard = shards.at(-1)!;
    const index = JSON.parse(fs.readFileSync(path.join(dir, INDEX_FILE), 'utf8')) as { weight_map: Record<string, string> };
    const inMtpShard = Object.entries(index.weight_map).flatMap(([name, shard]) => (shard === mtpShard ? [name] : []));
    for (const part of ['embed_tokens', 'enorm', 'hnorm', 'eh_proj', 'shared_head.norm', 'shared_head.head']) expect(inMtpShard).toContain(`model.layers.3.${part}.weight`);
    const tensorBytesOf = (r: Awaited<ReturnType<typeof prefill>>) => r.report.shards.find((s) => s.file === mtpShard)!.tensorBytes;
    expect(tensorBytesOf(await prefill(dir, false))).toBe(0);
    expect(tensorBytesOf(await prefill(dir, true))).toBeGreaterThan(0);
  });

  it('reports more than the lazy minimum on a backend that binds every expert (cpu-reference)', async () => {
    const { report } = await prefill('spec/golden/v3-tiny-f32', false, reference);
    expect(report.tensorBytes).toBeGreaterThan(report.lazyMinimum);
  });
});
