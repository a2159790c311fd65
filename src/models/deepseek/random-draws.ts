// The normal draws of a random checkpoint (random-checkpoint.ts), handed out a band of rows at a time so that no
// tensor is held whole:
// - independent (dsv3 init): each tensor draws from its own stream, seeded by the seed and a name, so its values do
//   not depend on the other tensors; a tensor's bands come in order and continue its stream;
// - pooled (checkpoints at real size, for benchmarks): one pool of draws per row width, drawn once, and every band
//   a window of it at an offset picked at random, a whole number of bands in. Drawing 15.7 billion values for
//   DeepSeek-V2-Lite's size takes hours on a small machine; windows of a pool take the disk's time, and a quantised
//   window is quantised once (TensorSource.repeatsViews). Tensors then share values: no use for research.

import { encodeBf16, mulberry32 } from '../../numerics/index.js';
import type { FileArray, FileDType } from '../../io/safetensors.js';
import type { RowRange } from './checkpoint-writer.js';
import type { CheckpointTensor } from './layout.js';

export type DrawKind = 'independent' | 'pooled';

/** Bands of draws for a tensor: `from` names the stream (the tensor's own, or the one it copies). */
export interface Draws {
  /** The band as f32. */
  f32(t: CheckpointTensor, from: string, rows: RowRange): Float32Array;
  /** The band in the stored dtype (F32 or BF16). */
  data(t: CheckpointTensor, from: string, rows: RowRange): FileArray;
  /** Whether the same band of values may be handed out again, as the same view (TensorSource.repeatsViews). */
  readonly repeatsViews: boolean;
}

/** Elements per row: the product of the axes after the first (1 for a vector). */
export const rowWidth = (t: CheckpointTensor): number => t.shape.slice(1).reduce((a, b) => a * b, 1);

/** A 32-bit FNV-1a hash of `text`, mixed with `seed`. */
function streamSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Draws from N(0, std²) (Box–Muller on the stream of `seed` and `name`), rounded to f32, as many at a time as asked. */
class NormalStream {
  private readonly uniform: () => number;
  /** The second value of the last pair, when a band ended between the two. */
  private spare: number | undefined;

  constructor(
    private readonly std: number,
    seed: number,
    name: string,
  ) {
    this.uniform = mulberry32(streamSeed(seed, name));
  }

  next(n: number): Float32Array {
    const out = new Float32Array(n);
    let i = 0;
    if (this.spare !== undefined && n > 0) {
      out[i++] = this.spare;
      this.spare = undefined;
    }
    for (; i < n; i += 2) {
      const radius = this.std * Math.sqrt(-2 * Math.log(1 - this.uniform()));
      const angle = 2 * Math.PI * this.uniform();
      out[i] = radius * Math.cos(angle);
      if (i + 1 < n) out[i + 1] = radius * Math.sin(angle);
      else this.spare = radius * Math.sin(angle);
    }
    return out;
  }
}

const encode = (values: Float32Array, stored: FileDType): FileArray => (stored === 'BF16' ? encodeBf16(values) : values);

/** Each tensor's own stream, continued band after band. */
function independentDraws(std: number, seed: number, stored: FileDType): Draws {
  const open = new Map<string, { stream: NormalStream; next: number }>();
  const f32 = (t: CheckpointTensor, from: string, rows: RowRange): Float32Array => {
    let s = open.get(t.name);
    if (rows.start === 0 || s === undefined) open.set(t.name, (s = { stream: new NormalStream(std, seed, from), next: 0 }));
    if (rows.start !== s.next) throw new RangeError(`tensor "${t.name}": rows from ${rows.start} asked for, but its stream is at row ${s.next}; bands come in order`);
    s.next += rows.count;
    if (s.next >= t.shape[0]!) open.delete(t.name);
    return s.stream.next(rows.count * rowWidth(t));
  };
  return { f32, data: (t, from, rows) => encode(f32(t, from, rows), stored), repeatsViews: false };
}

/** Elements in each pool: 32 MB of f32. */
const POOL_ELEMENTS = 1 << 23;

/** One pool of draws per row width (in f32 and in the stored dtype), each band a window of it. */
function pooledDraws(std: number, seed: number, stored: FileDType): Draws {
  const pools = new Map<number, { rows: number; f32: Float32Array; stored: FileArray }>();
  const pick = mulberry32(seed);
  /** Where the band's window starts in its pool, and the pool. */
  const window = (t: CheckpointTensor, rows: RowRange) => {
    const width = rowWidth(t);
    let pool = pools.get(width);
    if (pool === undefined) {
      const poolRows = Math.max(1, Math.floor(POOL_ELEMENTS / width));
      const f32 = new NormalStream(std, seed, `pool of width ${width}`).next(poolRows * width);
      pools.set(width, (pool = { rows: poolRows, f32, stored: encode(f32, stored) }));
    }
    if (rows.count > pool.rows) throw new RangeError(`tensor "${t.name}": a band of ${rows.count} rows is longer than the pool of ${pool.rows} rows of width ${width}`);
    const start = Math.floor(pick() * Math.floor(pool.rows / rows.count)) * rows.count * width;
    return { pool, start, end: start + rows.count * width };
  };
  return {
    f32(t, _from, rows) {
      const { pool, start, end } = window(t, rows);
      return pool.f32.subarray(start, end);
    },
    data(t, _from, rows) {
      const { pool, start, end } = window(t, rows);
      return pool.stored.subarray(start, end);
    },
    repeatsViews: true,
  };
}

/** The draws of `kind` for weights of standard deviation `std`, stored as `stored`. */
export function normalDraws(kind: DrawKind, std: number, seed: number, stored: FileDType): Draws {
  return kind === 'pooled' ? pooledDraws(std, seed, stored) : independentDraws(std, seed, stored);
}
