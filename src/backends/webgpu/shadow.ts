// Shadow mode (DSV3_WEBGPU_SHADOW=1, or the backend option `shadow`): every kernel runs alone on the device and,
// on copies of the very buffers it read, on the CPU; the first kernel whose outputs differ stops the run with its
// name, origin, first mismatching element and WGSL. Each kernel gets the device's own inputs, so a mistake is
// pinned on the kernel that made it rather than on the ones its error flows into.

import type { Program } from '../../compiler/kernel.js';
import { isFloat, type DType, type StorageArray, type WeightStore } from '../../ir/index.js';
import { decodeToF32 } from '../../numerics/index.js';
import { ulp } from '../../conformance/tolerance.js';
import { CpuProgramRunner } from '../cpu/program.js';
import type { WebGpuContext } from './context.js';
import { WebGpuError } from './errors.js';
import type { KernelChecker } from './executable.js';
import type { WebGpuProgram } from './program.js';
import { readStorage } from './transfers.js';

/**
 * How far a WebGPU kernel's float output may be from the CPU's: |a - b| <= abs + rel·|b|, plus one ulp of an f16
 * or bf16 output (an f32 value a hair away may round to the neighbour). Integers, bools and fp8 (produced only by
 * casts and moves) must match bit for bit.
 */
export const SHADOW_TOLERANCE = { abs: 2e-5, rel: 1e-5 } as const;

export class ShadowMismatchError extends WebGpuError {
  override name = 'ShadowMismatchError';
}

const exactBits = (d: DType): boolean => !isFloat(d) || d === 'f8e4m3fn' || d === 'f8e5m2';

/** The first element where `gpu` and `cpu` (storage of `dtype`) differ beyond the shadow tolerance. */
export function firstMismatch(dtype: DType, gpu: StorageArray, cpu: StorageArray): { index: number; gpu: number; cpu: number } | undefined {
  if (exactBits(dtype)) {
    for (let i = 0; i < cpu.length; i++) if (gpu[i] !== cpu[i]) return { index: i, gpu: gpu[i]!, cpu: cpu[i]! };
    return undefined;
  }
  const [a, b] = [decodeToF32(gpu, dtype), decodeToF32(cpu, dtype)];
  for (let i = 0; i < b.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (Object.is(x, y) || (x !== x && y !== y)) continue;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return { index: i, gpu: x, cpu: y };
    const bound = SHADOW_TOLERANCE.abs + SHADOW_TOLERANCE.rel * Math.abs(y) + (dtype === 'f32' ? 0 : ulp(dtype, y));
    if (!(Math.abs(x - y) <= bound)) return { index: i, gpu: x, cpu: y };
  }
  return undefined;
}

export class ShadowChecker implements KernelChecker {
  private readonly cpu: CpuProgramRunner;

  constructor(
    private readonly context: WebGpuContext,
    private readonly program: Program,
    weights: WeightStore,
  ) {
    this.cpu = new CpuProgramRunner(program, weights);
  }

  private read(buffer: GPUBuffer, id: number): Promise<StorageArray> {
    const b = this.program.buffers[id]!;
    return readStorage(this.context.gpu, this.context.staging, buffer, b.dtype, b.size);
  }

  async check(prepared: WebGpuProgram, buffers: readonly GPUBuffer[], errors: GPUBuffer | undefined, params: Readonly<Record<string, number>>): Promise<void> {
    const { gpu } = this.context;
    for (const [i, k] of this.program.kernels.entries()) {
      // What the kernel reads, and its outputs as they are before it runs (an in-place update writes a window only);
      // weights and constants the CPU runner holds itself.
      const host = new Map<number, StorageArray>();
      for (const { buffer } of [...k.inputs, ...k.outputs]) {
        const role = this.program.buffers[buffer]!.role;
        if (role !== 'weight' && role !== 'constant' && !host.has(buffer)) host.set(buffer, await this.read(buffers[buffer]!, buffer));
      }
      const device = gpu.use(`run kernel ${k.name} in shadow mode`);
      const encoder = device.createCommandEncoder({ label: `shadow ${k.name}` });
      const pass = encoder.beginComputePass();
      prepared.encode(pass, buffers, errors, [i]);
      pass.end();
      device.queue.submit([encoder.finish()]);
      const produced = await Promise.all(k.outputs.map((o) => this.read(buffers[o.buffer]!, o.buffer)));
      const { wgsl } = prepared.kernels[i]!.rendered;
      const origin = k.origin.length ? ` (from ${k.origin.join('/')})` : '';
      try {
        this.cpu.runKernel(i, host, params);
      } catch (e) {
        // The CPU rejected the kernel's inputs (an index out of range): the device must have flagged it too; the
        // run then reports the device's error.
        const words = errors ? new Uint32Array((await readStorage(gpu, this.context.staging, errors, 'i32', prepared.errorBytes / 4)).buffer) : undefined;
        if (words && prepared.failure(words)) return;
        throw new ShadowMismatchError(`shadow: kernel ${k.name}${origin} failed on the CPU (${e instanceof Error ? e.message : String(e)}) but not on WebGPU\n${wgsl}`);
      }
      k.outputs.forEach((o, slot) => {
        const m = firstMismatch(o.dtype, produced[slot]!, host.get(o.buffer)!);
        if (m)
          throw new ShadowMismatchError(
            `shadow: kernel ${k.name}${origin} differs from the CPU at output ${slot} (${o.dtype}[${o.size}]) element ${m.index}: ` +
              `WebGPU ${m.gpu}, CPU ${m.cpu}\n${wgsl}`,
          );
      });
    }
  }
}
