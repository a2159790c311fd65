// The synthetic checkpoints of suite `scale`, at real size: DeepSeek-V2-Lite's config as published (bf16, 31.4 GB
// in 4 shards of at most 8 GiB) and DeepSeek-V3's dimensions with its first 4 layers (3 dense, 1 MoE of 256
// experts; FP8 weights in 128x128 blocks, the other tensors f32 as `dsv3 init --dtype fp8` writes them; about
// 21 GB in shards of at most 4.3 GB, the size of the published V3 shards). The configs are bench/*.config.json
// (Hugging Face's config.json of each model). Written once (synthetic-checkpoint.ts: pooled draws, which a
// benchmark of reading and memory does not mind) and kept under the bench data folder, $DSV3_BENCH_DATA or
// ~/.cache/dsv3-bench: never in the repository, and not in CI.

import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { InitDType } from '../src/models/deepseek/random-checkpoint.js';
import { writeSyntheticCheckpoint } from './synthetic-checkpoint.js';

export interface ScaleCheckpoint {
  readonly name: string;
  readonly what: string;
  readonly config: Record<string, unknown>;
  readonly dtype: InitDType;
  readonly shardBytes: number;
}

/** A config.json kept in bench/. */
export const benchConfig = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(new URL(`../../bench/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;

export const SCALE_CHECKPOINTS: readonly ScaleCheckpoint[] = [
  {
    name: 'deepseek-v2-lite-bf16',
    what: "DeepSeek-V2-Lite's config (27 layers, 64 routed experts), bf16",
    config: benchConfig('deepseek-v2-lite.config.json'),
    dtype: 'bf16',
    shardBytes: 8 * 2 ** 30,
  },
  {
    name: 'deepseek-v3-4-layers-fp8',
    what: "DeepSeek-V3's dimensions, its first 4 layers (3 dense, 1 MoE of 256 experts), FP8 128x128",
    config: { ...benchConfig('deepseek-v3.config.json'), num_hidden_layers: 4, num_nextn_predict_layers: 0 },
    dtype: 'fp8',
    shardBytes: 4_300_000_000,
  },
];

export const benchDataFolder = (): string => process.env.DSV3_BENCH_DATA ?? join(os.homedir(), '.cache', 'dsv3-bench');

/** The checkpoint's folder, written first if it is not there (a folder appears only once complete). */
export async function ensureCheckpoint(c: ScaleCheckpoint): Promise<{ dir: string; seconds?: number }> {
  const dir = join(benchDataFolder(), c.name);
  if (fs.existsSync(dir)) return { dir };
  console.log(`writing ${dir} (once): ${c.what}`);
  const start = performance.now();
  await writeSyntheticCheckpoint(dir, c.config, c.dtype, c.shardBytes);
  return { dir, seconds: (performance.now() - start) / 1000 };
}

/** The bytes of the checkpoint's tensor files. */
export const checkpointFileBytes = (dir: string): number =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.safetensors'))
    .reduce((n, f) => n + fs.statSync(join(dir, f)).size, 0);
