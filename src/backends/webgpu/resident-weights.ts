// Weights live on the device once per weight store: the executables of one model (a prefill graph and a decode
// graph, say) bind the same buffers. Each executable counts as a user; the last one to let go frees the buffer.

import type { BufferDesc } from '../../compiler/kernel.js';
import type { WeightStore } from '../../ir/index.js';
import { weightStorage } from '../sdk/program-storage.js';
import type { WebGpuContext } from './context.js';
import { uploadStorage } from './transfers.js';

interface Resident {
  readonly buffer: GPUBuffer;
  users: number;
}

export class ResidentWeights {
  private readonly stores = new Map<WeightStore, Map<string, Resident>>();

  constructor(private readonly context: WebGpuContext) {}

  /** The device buffer of weight `desc` from `store`, uploaded on first use; give it back with `release`. */
  acquire(store: WeightStore, desc: BufferDesc): GPUBuffer {
    const name = desc.name!;
    let byName = this.stores.get(store);
    if (byName === undefined) this.stores.set(store, (byName = new Map()));
    let resident = byName.get(name);
    if (resident === undefined) {
      resident = { buffer: uploadStorage(this.context.gpu, this.context.storage, weightStorage(desc, store.get(name))), users: 0 };
      byName.set(name, resident);
    }
    resident.users++;
    return resident.buffer;
  }

  release(store: WeightStore, name: string): void {
    const byName = this.stores.get(store);
    const resident = byName?.get(name);
    if (byName === undefined || resident === undefined) throw new Error(`webgpu: weight "${name}" released but not resident`);
    if (--resident.users > 0) return;
    this.context.storage.release(resident.buffer);
    byName.delete(name);
    if (byName.size === 0) this.stores.delete(store);
  }
}
