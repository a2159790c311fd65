// Host copies of a [B, positions, width] f32 tensor over a sliding range of positions [start, end): the hidden
// states one MTP module hands the next across speculative steps (mtp-drafter.ts). Writing at a position replaces
// it and everything after it (a rollback); positions no reader needs any more are dropped.

import { tensorData, type TensorData } from '../../ir/index.js';

export class PositionWindow {
  private first = 0;
  private count = 0;
  private values: Float32Array;

  constructor(
    readonly batch: number,
    readonly width: number,
  ) {
    this.values = new Float32Array(0);
  }

  /** One past the last position held. */
  get end(): number {
    return this.first + this.count;
  }

  /** Replaces positions `start` .. on with `x` [B, n, width]; `start` must be within or right after what is held. */
  write(start: number, x: TensorData): void {
    const [B, n, W] = x.shape as [number, number, number];
    if (B !== this.batch || W !== this.width || x.shape.length !== 3) throw new RangeError(`expected [${this.batch}, n, ${this.width}] hidden states, got [${x.shape.join(', ')}]`);
    const empty = this.count === 0;
    if (!empty && (start < this.first || start > this.end))
      throw new RangeError(`hidden states written at position ${start} leave a gap: positions ${this.first} .. ${this.end - 1} are held`);
    const from = empty ? start : this.first;
    const old = empty ? 0 : start - this.first;
    const next = new Float32Array(B * (old + n) * W);
    for (let b = 0; b < B; b++) {
      next.set(this.values.subarray(b * this.count * W, (b * this.count + old) * W), b * (old + n) * W);
      next.set(x.data.subarray(b * n * W, (b + 1) * n * W) as Float32Array, (b * (old + n) + old) * W);
    }
    this.first = from;
    this.count = old + n;
    this.values = next;
  }

  /** Positions [from, to) as [B, to - from, width]. */
  read(from: number, to: number): TensorData {
    if (from < this.first || to > this.end || from >= to) throw new RangeError(`hidden states at positions ${from} .. ${to - 1} are not held (held: ${this.first} .. ${this.end - 1})`);
    const { batch: B, width: W } = this;
    const n = to - from;
    const out = new Float32Array(B * n * W);
    for (let b = 0; b < B; b++) out.set(this.values.subarray((b * this.count + from - this.first) * W, (b * this.count + to - this.first) * W), b * n * W);
    return tensorData('f32', [B, n, W], out);
  }

  /** Drops the positions before `position`. */
  dropBefore(position: number): void {
    const drop = Math.min(Math.max(position - this.first, 0), this.count);
    if (drop === 0) return;
    const kept = this.count - drop;
    this.values = kept === 0 ? new Float32Array(0) : this.read(this.first + drop, this.end).data as Float32Array;
    this.first += drop;
    this.count = kept;
  }
}
