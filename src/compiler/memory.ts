// Memory planning: maps the fusion's logical buffers (one per stored value) onto fewer physical buffers.
// A temporary's buffer is reused once its last reader has run; a map kernel writes in place over an input
// that dies with it when it reads that input only at the element it writes.

import { needsNoWriter, type BufferDesc, type BufferId, type Kernel, type KernelBuffer } from './kernel.js';
import type { FusedProgram } from './fusion/index.js';

/** Whether `k` reads input slot `slot` only at the index each of its stores writes. */
function readsOnlyWhereItWrites(k: Kernel, slot: number): boolean {
  if (k.body.kind !== 'map' || k.body.stores.length !== 1) return false;
  const store = k.body.stores[0]!;
  const seen = new Set<unknown>();
  const ok = (e: typeof store.value): boolean => {
    if (seen.has(e)) return true;
    seen.add(e);
    if (e.kind === 'load' && e.input === slot && e.args[0] !== store.index) return false;
    return e.args.every(ok);
  };
  return ok(store.value);
}

/**
 * `inPlace`: whether a kernel may write over an input it reads (WebGPU forbids binding one buffer both read-only
 * and writable in a dispatch, so it plans without).
 */
export function planMemory(p: FusedProgram, inPlace = true): FusedProgram {
  const lastUse = new Map<BufferId, number>();
  p.kernels.forEach((k, i) => k.inputs.forEach((b) => lastUse.set(b.buffer, i)));
  for (const id of Object.values(p.outputs)) lastUse.set(id, Infinity);

  const physical: BufferDesc[] = [];
  const assigned = new Map<BufferId, BufferId>();
  const free: BufferId[] = [];
  const newBuffer = (b: BufferDesc): BufferId => {
    const id = physical.length;
    physical.push({ ...b, id });
    return id;
  };
  for (const b of p.buffers) if (needsNoWriter(b)) assigned.set(b.id, newBuffer(b));

  const kernels = p.kernels.map((k, i) => {
    for (const out of k.outputs) {
      if (assigned.has(out.buffer)) continue;
      const desc = p.buffers[out.buffer]!;
      const dying = !inPlace ? -1 : k.inputs.findIndex(
        (inp, slot) =>
          !needsNoWriter(p.buffers[inp.buffer]!) &&
          lastUse.get(inp.buffer) === i &&
          inp.dtype === out.dtype &&
          inp.size === out.size &&
          readsOnlyWhereItWrites(k, slot),
      );
      if (dying >= 0) {
        assigned.set(out.buffer, assigned.get(k.inputs[dying]!.buffer)!);
        lastUse.set(k.inputs[dying]!.buffer, -1);
        continue;
      }
      const reuse = free.findIndex((id) => physical[id]!.dtype === desc.dtype && physical[id]!.size === desc.size);
      if (reuse >= 0) {
        const id = free.splice(reuse, 1)[0]!;
        physical[id] = { ...physical[id]!, role: desc.role === 'output' ? 'output' : physical[id]!.role };
        assigned.set(out.buffer, id);
      } else {
        assigned.set(out.buffer, newBuffer(desc));
      }
    }
    for (const inp of k.inputs) {
      const desc = p.buffers[inp.buffer]!;
      if (lastUse.get(inp.buffer) === i && !needsNoWriter(desc)) free.push(assigned.get(inp.buffer)!);
    }
    const map = (b: KernelBuffer): KernelBuffer => ({ ...b, buffer: assigned.get(b.buffer)! });
    return { ...k, inputs: k.inputs.map(map), outputs: k.outputs.map(map) };
  });
  const remap = (r: Record<string, BufferId>) => Object.fromEntries(Object.entries(r).map(([k, id]) => [k, assigned.get(id)!]));
  return { ...p, kernels, buffers: physical, inputs: remap(p.inputs), outputs: remap(p.outputs) };
}
