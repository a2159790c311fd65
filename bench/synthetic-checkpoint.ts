// Synthetic checkpoints for the model benchmarks: a config.json and random weights in the Hugging Face layout
// (sharded safetensors with model.safetensors.index.json), streamed to disk chunk by chunk so that checkpoints of
// several GB are written in little memory. Projections are uniform in ±sqrt(3 / in_features) (unit-variance
// outputs), norm weights 1, router biases 0. Chunks are random slices of a pool of random values per scale:
// different tensors differ, and writing is bound by the disk, not the random number generator.

import fs from 'node:fs';
import { join } from 'node:path';
import { INDEX_FILE } from '../src/io/checkpoint.js';
import type { FileArray } from '../src/io/safetensors.js';
import { SafetensorsWriter } from '../src/io/safetensors-writer.js';
import { parseModelConfig } from '../src/models/deepseek/config.js';
import { checkpointTensors, modelLayout, type CheckpointTensor } from '../src/models/deepseek/layout.js';
import { encodeBf16, mulberry32 } from '../src/numerics/index.js';

export type SyntheticDType = 'F32' | 'BF16';

export interface SyntheticCheckpoint {
  readonly dir: string;
  /** Bytes of the safetensors shards. */
  readonly bytes: number;
  readonly shards: number;
  readonly tensors: number;
}

const POOL = 1 << 23;
const CHUNK = 1 << 22;


class ValuePools {
  private readonly pools = new Map<number, FileArray>();
  constructor(
    private readonly dtype: SyntheticDType,
    private readonly rand: () => number,
  ) {}

  /** `count` (<= CHUNK) values uniform in ±scale. */
  chunk(count: number, scale: number): FileArray {
    let pool = this.pools.get(scale);
    if (pool === undefined) {
      const values = new Float32Array(POOL).map(() => scale * (2 * this.rand() - 1));
      pool = this.dtype === 'F32' ? values : encodeBf16(values);
      this.pools.set(scale, pool);
    }
    const start = Math.floor(this.rand() * (POOL - count));
    return pool.subarray(start, start + count);
  }

  constant(count: number, value: number): FileArray {
    const values = new Float32Array(count).fill(value);
    return this.dtype === 'F32' ? values : encodeBf16(values);
  }
}

const elements = (t: CheckpointTensor) => t.shape.reduce((a, b) => a * b, 1);

function writeTensor(writer: SafetensorsWriter, t: CheckpointTensor, values: ValuePools): void {
  const n = elements(t);
  const isNorm = t.shape.length === 1;
  const isBias = t.name.endsWith('e_score_correction_bias');
  const scale = Math.sqrt(3 / t.shape[t.shape.length - 1]!);
  for (let done = 0; done < n; done += CHUNK) {
    const count = Math.min(CHUNK, n - done);
    writer.write(t.name, isNorm ? values.constant(count, isBias ? 0 : 1) : values.chunk(count, scale));
  }
}

/** Tensors grouped into shards of at most about `shardBytes` (a tensor is never split), in layout order. */
function planShards(tensors: readonly CheckpointTensor[], bytesPer: number, shardBytes: number): CheckpointTensor[][] {
  const shards: CheckpointTensor[][] = [[]];
  let size = 0;
  for (const t of tensors) {
    const bytes = elements(t) * bytesPer;
    if (size > 0 && size + bytes > shardBytes) {
      shards.push([]);
      size = 0;
    }
    shards[shards.length - 1]!.push(t);
    size += bytes;
  }
  return shards;
}

/** Writes config.json (`config`, with torch_dtype set) and random weights for it into the empty or new `dir`. */
export function writeSyntheticCheckpoint(dir: string, config: Record<string, unknown>, dtype: SyntheticDType, shardBytes: number, seed = 1): SyntheticCheckpoint {
  const json = { ...config, torch_dtype: dtype === 'F32' ? 'float32' : 'bfloat16' };
  const tensors = checkpointTensors(modelLayout(parseModelConfig(json)));
  const bytesPer = dtype === 'F32' ? 4 : 2;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(join(dir, 'config.json'), JSON.stringify(json, null, 2));
  const shards = planShards(tensors, bytesPer, shardBytes);
  const values = new ValuePools(dtype, mulberry32(seed));
  const weightMap: Record<string, string> = {};
  let bytes = 0;
  shards.forEach((shard, i) => {
    const file = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
    const writer = SafetensorsWriter.create(join(dir, file), Object.fromEntries(shard.map((t) => [t.name, { dtype, shape: t.shape }])));
    try {
      for (const t of shard) {
        writeTensor(writer, t, values);
        weightMap[t.name] = file;
        bytes += elements(t) * bytesPer;
      }
    } catch (e) {
      writer.abort();
      throw e;
    }
    writer.close();
  });
  fs.writeFileSync(join(dir, INDEX_FILE), JSON.stringify({ metadata: { total_size: bytes }, weight_map: weightMap }, null, 2));
  return { dir, bytes, shards: shards.length, tensors: tensors.length };
}
