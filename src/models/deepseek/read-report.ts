// The reading pattern of a run: the bytes read from each shard of the checkpoint, against the lazy minimum — the
// stored bytes of every tensor the run needed, each counted once: the embedding, final norm and head when the run
// computed them, every dense weight of the layers and MTP modules it ran (FP8 block scales included), and of the
// routed experts only those some token chose. A resident run on a backend that loads experts lazily (cpu) reads
// exactly the minimum; a streamed run reads each layer again at every step; a backend that binds the expert stacks
// whole (cpu-reference, webgpu, FP8 GEMMs) reads every expert of the layers it runs.

import type { TensorData } from '../../ir/index.js';
import type { Checkpoint, ShardReads } from '../../io/checkpoint.js';
import { layerTensors, type LayerWeights, type ModelLayout, type TensorSlot } from './layout.js';

const SCALE_SUFFIX = '_scale_inv';
const EXPERT = /\.mlp\.experts\.(\d+)\./;

/** What a run touched, gathered step by step. */
export class TouchedWeights {
  private ends = false;
  /** Checkpoint layer index (decoder layers, then MTP modules' blocks) -> the experts chosen there. */
  private readonly layers = new Map<number, Set<number>>();
  private readonly mtpModules = new Set<number>();

  constructor(private readonly layout: ModelLayout) {}

  /** The embedding, final norm and head ran. */
  embeddingAndHead(): void {
    this.ends = true;
  }

  /** Decoder layer `index` ran; `indices` are the experts its router chose (i32 [tokens, k]), for a MoE layer. */
  layer(index: number, indices?: TensorData): void {
    const chosen = this.layers.get(index) ?? new Set<number>();
    for (const e of indices?.data ?? []) chosen.add(Number(e));
    this.layers.set(index, chosen);
  }

  /** MTP module `k` ran, choosing experts `indices`. */
  mtp(k: number, indices: TensorData): void {
    this.mtpModules.add(k);
    this.layer(this.layout.mtp[k]!.block.index, indices);
  }

  /** Records a whole-model step from its outputs (model.ts names: gate.<i>.indices, mtp.<k>.gate.indices). */
  modelStep(outputs: Readonly<Record<string, TensorData>>): void {
    this.embeddingAndHead();
    this.layout.layers.forEach((_, i) => this.layer(i, outputs[`gate.${i}.indices`]));
    this.layout.mtp.forEach((_, k) => {
      const indices = outputs[`mtp.${k}.gate.indices`];
      if (indices !== undefined) this.mtp(k, indices);
    });
  }

  /** The checkpoint tensors the touched parts need, each once (FP8 scales aside). */
  private tensors(): TensorSlot[] {
    const { layout } = this;
    const blocks = new Map<number, LayerWeights>([...layout.layers, ...layout.mtp.map((m) => m.block)].map((l) => [l.index, l]));
    let out: TensorSlot[] = this.ends ? [layout.embed, layout.norm, layout.head] : [];
    for (const [index, chosen] of this.layers) {
      const needed = layerTensors(blocks.get(index)!).filter((t) => {
        const expert = EXPERT.exec(t.name)?.[1];
        return expert === undefined || chosen.has(Number(expert));
      });
      out = out.concat(needed);
    }
    for (const k of this.mtpModules) {
      const m = layout.mtp[k]!;
      out = out.concat([m.embed, m.enorm, m.hnorm, m.ehProj, m.headNorm, m.head]);
    }
    return out;
  }

  /** The stored bytes of the tensors the run needed, each once: the least any run of it must read. */
  lazyMinimum(ckpt: Checkpoint): number {
    let bytes = 0;
    for (const { name } of this.tensors()) {
      bytes += ckpt.info(name).byteLength;
      if (ckpt.has(name + SCALE_SUFFIX)) bytes += ckpt.info(name + SCALE_SUFFIX).byteLength;
    }
    return bytes;
  }
}

export interface ReadReport {
  /** Every shard opened, with what was read from it. */
  readonly shards: readonly ShardReads[];
  /** The shards the checkpoint has (index entries or the single file). */
  readonly shardCount: number;
  /** Tensor data read, over all shards (a tensor read twice counts twice). */
  readonly tensorBytes: number;
  /** Headers read, over all shards. */
  readonly headerBytes: number;
  readonly lazyMinimum: number;
}

export function readReport(ckpt: Checkpoint, touched: TouchedWeights): ReadReport {
  const shards = ckpt.reads();
  const tensorBytes = shards.reduce((n, s) => n + s.tensorBytes, 0);
  const headerBytes = shards.reduce((n, s) => n + s.bytesRead - s.tensorBytes, 0);
  return { shards, shardCount: ckpt.shardFiles().length, tensorBytes, headerBytes, lazyMinimum: touched.lazyMinimum(ckpt) };
}

const bytes = (n: number): string => n.toLocaleString('en-US');

/** The report as lines for stderr: the totals, then one line per shard read. */
export function formatReadReport(r: ReadReport): string {
  const ratio = r.lazyMinimum === 0 ? '' : ` (${(r.tensorBytes / r.lazyMinimum).toFixed(2)}x)`;
  const lines = [
    `reads: ${bytes(r.tensorBytes)} bytes of tensor data against a lazy minimum of ${bytes(r.lazyMinimum)}${ratio}, and ${bytes(r.headerBytes)} bytes of headers, from ${r.shards.length} of ${r.shardCount} shard(s)`,
  ];
  for (const s of r.shards) lines.push(`  ${s.file}: ${bytes(s.tensorBytes)} tensor bytes, ${bytes(s.bytesRead - s.tensorBytes)} header bytes, of ${bytes(s.byteLength)}`);
  return lines.join('\n');
}
