// Shadow mode (DSV3_SHADOW=1, DSV3_<NAME>_SHADOW=1, or the driver option `shadow`): every kernel of a run runs
// alone on the backend and, on copies of the very buffers it read, on the reference device (by default the compiled
// CPU backend); the first kernel whose outputs differ stops the run with its name, origin, first mismatching element
// and generated code. Each kernel gets the backend's own inputs, so a mistake is pinned on the kernel that made it
// rather than on the ones its error flows into. Like tinygrad's VALIDATE_WITH_CPU, it lives in the shared driver:
// any backend gets it.

import type { Program } from '../../compiler/kernel.js';
import { isFloat, type DType, type StorageArray, type WeightStore } from '../../ir/index.js';
import { decodeToF32 } from '../../numerics/index.js';
import { ulp } from '../../conformance/tolerance.js';
import type { BufferRead, DeviceBackend, Launch, PreparedProgram } from './device-backend.js';

/** The backend kernels are checked against by default: the compiled CPU, which the conformance suite holds exact. */
export const SHADOW_REFERENCE = 'cpu';

/**
 * How far a kernel's float output may be from the reference's: |a - b| <= abs + rel·|b|, plus one ulp of an f16 or
 * bf16 output (an f32 value a hair away may round to the neighbour). Integers, bools and fp8 (produced only by
 * casts and moves) must match bit for bit.
 */
export const SHADOW_TOLERANCE = { abs: 2e-5, rel: 1e-5 } as const;

export class ShadowMismatchError extends Error {
  override name = 'ShadowMismatchError';
}

const exactBits = (d: DType): boolean => !isFloat(d) || d === 'f8e4m3fn' || d === 'f8e5m2';

/** The first element where `got` and `want` (storage of `dtype`) differ beyond the shadow tolerance. */
export function firstMismatch(dtype: DType, got: StorageArray, want: StorageArray): { index: number; got: number; want: number } | undefined {
  if (exactBits(dtype)) {
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return { index: i, got: got[i]!, want: want[i]! };
    return undefined;
  }
  const [a, b] = [decodeToF32(got, dtype), decodeToF32(want, dtype)];
  for (let i = 0; i < b.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (Object.is(x, y) || (x !== x && y !== y)) continue;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return { index: i, got: x, want: y };
    const bound = SHADOW_TOLERANCE.abs + SHADOW_TOLERANCE.rel * Math.abs(y) + (dtype === 'f32' ? 0 : ulp(dtype, y));
    if (!(Math.abs(x - y) <= bound)) return { index: i, got: x, want: y };
  }
  return undefined;
}

/** The reference device of shadow runs: the registry's SHADOW_REFERENCE backend, and how to let it go. */
export async function openShadowReference(): Promise<{ readonly device: DeviceBackend<unknown>; dispose(): void }> {
  // Through the registry, loaded only for shadow runs: a normal run never calls across backends.
  const { openBackend } = await import('../registry.js');
  const backend = await openBackend(SHADOW_REFERENCE);
  if (!('device' in backend)) throw new Error(`shadow: the reference backend ${SHADOW_REFERENCE} runs no kernels`);
  return backend as { readonly device: DeviceBackend<unknown>; dispose(): void };
}

/** One program checked kernel by kernel against the same program prepared on the reference device. */
export class ShadowCheck<B> {
  private constructor(
    private readonly device: DeviceBackend<B>,
    private readonly program: Program,
    private readonly reference: DeviceBackend<unknown>,
    private readonly prepared: PreparedProgram<unknown>,
  ) {}

  static async create<B>(device: DeviceBackend<B>, program: Program, weights: WeightStore, reference: DeviceBackend<unknown>): Promise<ShadowCheck<B>> {
    return new ShadowCheck(device, program, reference, await reference.prepare(program, weights));
  }

  /** Runs every kernel through `launch` on `buffers`, each checked against the reference. */
  async check(launch: Launch<B>, buffers: readonly B[], params: Readonly<Record<string, number>>): Promise<void> {
    const p = this.program;
    const read = (ids: readonly number[], from: readonly B[]): BufferRead<B>[] => ids.map((id) => ({ buffer: from[id]!, dtype: p.buffers[id]!.dtype, size: p.buffers[id]!.size }));
    for (const [i, k] of p.kernels.entries()) {
      // What the kernel reads, and its outputs as they are before it runs (an in-place update writes a window only);
      // weights and constants the reference holds itself.
      const touched = [...new Set([...k.inputs, ...k.outputs].map((b) => b.buffer))].filter((id) => p.buffers[id]!.role !== 'weight' && p.buffers[id]!.role !== 'constant');
      const before = await launch.read(read(touched, buffers));
      launch.dispatch(i, buffers);
      // A failed index check of the backend rejects here: the run reports the backend's own error.
      const produced = await launch.read(read(k.outputs.map((o) => o.buffer), buffers));
      const origin = k.origin.length ? ` (from ${k.origin.join('/')})` : '';
      const source = () => this.device.kernelSource?.(k)?.text ?? '';
      let expected: StorageArray[];
      try {
        expected = await this.runOnReference(i, touched, before, params);
      } catch (e) {
        throw new ShadowMismatchError(`shadow: kernel ${k.name}${origin} failed on ${this.reference.name} (${e instanceof Error ? e.message : String(e)}) but not on ${this.device.name}\n${source()}`);
      }
      k.outputs.forEach((o, slot) => {
        const m = firstMismatch(o.dtype, produced[slot]!, expected[slot]!);
        if (m)
          throw new ShadowMismatchError(
            `shadow: kernel ${k.name}${origin} differs from ${this.reference.name} at output ${slot} (${o.dtype}[${o.size}]) element ${m.index}: ` +
              `${this.device.name} ${m.got}, ${this.reference.name} ${m.want}\n${source()}`,
          );
      });
    }
  }

  /** Kernel `index` on the reference, its buffers `touched` holding `contents`; returns its outputs. */
  private async runOnReference(index: number, touched: readonly number[], contents: readonly StorageArray[], params: Readonly<Record<string, number>>): Promise<StorageArray[]> {
    const k = this.program.kernels[index]!;
    const buffers = [...this.prepared.resident];
    const uploaded = touched.map((id, j) => (buffers[id] = this.reference.upload(contents[j]!)));
    const launch = this.prepared.launch(params);
    try {
      launch.dispatch(index, buffers);
      return await launch.read(k.outputs.map((o) => ({ buffer: buffers[o.buffer], dtype: o.dtype, size: o.size })));
    } finally {
      launch.end?.();
      for (const b of uploaded) this.reference.free(b);
    }
  }

  dispose(): void {
    this.prepared.dispose();
  }
}
