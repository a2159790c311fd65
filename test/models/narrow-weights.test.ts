// Weights served in their stored dtype (bf16, e4m3fn with block scales) give the same bits as the same values
// served as f32, on every backend: the graph's widening is exact. The f32-served checkpoint holds the stored values
// widened on the host (bf16 decoded, FP8 dequantised as the official weight_dequant does), which is how every weight
// was served before. And no compiled CPU kernel writes an f32 copy of a narrow weight: the widening is fused into
// the kernels that read it, or done block by block by the claimed MLA and MoE kernels and by gather_matmul.

import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backends/backend.js';
import { cpuBackend, cpuDeviceBackend } from '../../src/backends/cpu/backend.js';
import { webgpuBackend } from '../../src/backends/webgpu/index.js';
import { compile } from '../../src/compiler/compile.js';
import { claimableComposites } from '../../src/backends/cpu/claims/index.js';
import type { TensorData } from '../../src/ir/index.js';
import { directoryFiles } from '../../src/io/local-files.js';
import type { FileArray } from '../../src/io/safetensors.js';
import { decodeBf16, encodeBf16 } from '../../src/numerics/index.js';
import { dequantizeFp8 } from '../../src/models/deepseek/dequant.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { buildModelGraph } from '../../src/models/deepseek/model.js';
import { Session } from '../../src/models/deepseek/session.js';
import { editedCheckpoint, type CheckpointTensors } from '../support/edited-checkpoint.js';
import { useWebGpu } from '../support/webgpu.js';

/** Token ids within both checkpoints' vocabularies. */
const PROMPT = [4, 186, 92, 167, 59];
const DECODE = 17;
const SCALE = '_scale_inv';

/** v3-tiny-f32 with every weight rounded to bf16: stored as BF16 (narrow) or as the same values in F32. */
function bf16Pair(): { narrow: string; wide: string } {
  const rounded = (t: CheckpointTensors) => {
    for (const s of Object.values(t)) Object.assign(s, { dtype: 'BF16', data: encodeBf16(s.data as Float32Array) });
  };
  const narrow = editedCheckpoint('spec/golden/v3-tiny-f32', { tensors: rounded });
  const wide = editedCheckpoint(narrow, { tensors: widened(1) });
  return { narrow, wide };
}

/** Every BF16 tensor decoded and every F8_E4M3 one dequantised (blocks of `block`), all stored as F32. */
const widened = (block: number) => (t: CheckpointTensors) => {
  for (const [name, s] of Object.entries(t)) {
    if (s.dtype === 'BF16') Object.assign(s, { dtype: 'F32', data: decodeBf16(s.data as Uint16Array) });
    if (s.dtype !== 'F8_E4M3') continue;
    const [rows, cols] = s.shape as [number, number];
    Object.assign(s, { dtype: 'F32', data: dequantizeFp8(s.data as Uint8Array, t[name + SCALE]!.data as Float32Array, rows, cols, block) as FileArray });
    delete t[name + SCALE];
  }
};

function fp8Pair(): { narrow: string; wide: string } {
  const narrow = 'spec/golden/v3-fp8-tiny';
  const block = loadModel(directoryFiles(narrow)).config.quantization!.blockSize[0];
  return { narrow, wide: editedCheckpoint(narrow, { tensors: widened(block) }) };
}

/** A prefill of PROMPT and, with `decode`, one decode step: every output, by name. */
async function run(dir: string, backend: Backend, decode = true): Promise<Record<string, TensorData>> {
  const model = loadModel(directoryFiles(dir), { maxSeqLen: PROMPT.length + 1 });
  const session = new Session(model, backend, { batch: 1, captures: true });
  try {
    const prefill = await session.forward([PROMPT]);
    const named = (prefix: string, r: typeof prefill) => Object.entries({ logits: r.logits, ...r.outputs }).map(([n, t]) => [`${prefix}.${n}`, t] as const);
    const steps = [...named('prefill', prefill), ...(decode ? named('decode', await session.forward([[DECODE]])) : [])];
    return Object.fromEntries(steps);
  } finally {
    session.dispose();
    model.weights.close();
  }
}

/** The outputs' bits, by name, for a bit-for-bit comparison that NaN payloads and -0 cannot fool. */
const bits = (outputs: Record<string, TensorData>) =>
  Object.fromEntries(Object.entries(outputs).map(([n, t]) => [n, Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))]));

const PAIRS = { bf16: bf16Pair, fp8: fp8Pair };

function sameBitsOn(name: string, backend: () => Backend): void {
  describe(`narrow weights on ${name}`, () => {
    for (const [kind, pair] of Object.entries(PAIRS)) {
      it(`serves a ${kind} checkpoint with the bits of its f32-served values`, async () => {
        const { narrow, wide } = pair();
        const [a, b] = [await run(narrow, backend()), await run(wide, backend())];
        expect(Object.keys(a).length).toBeGreaterThan(10);
        expect(bits(a)).toEqual(bits(b));
      });
    }
  });
}

const cpu = cpuBackend();
const reference = cpuBackend({ mode: 'reference' });
afterAll(() => {
  cpu.dispose();
  reference.dispose();
});
sameBitsOn('cpu', () => cpu);
sameBitsOn('cpu-reference', () => reference);

describe('narrow weights on webgpu', () => {
  const device = useWebGpu();
  let backend: Backend | undefined;
  afterAll(() => backend?.dispose());
  it('serves the bf16 and fp8 checkpoints with the bits of their f32-served values', async () => {
    backend ??= await webgpuBackend({ device: device() });
    for (const pair of Object.values(PAIRS)) {
      const { narrow, wide } = pair();
      expect(bits(await run(narrow, backend, false))).toEqual(bits(await run(wide, backend, false)));
    }
    // Prefills only: lavapipe compiles shaders slowly, and four cold graphs take minutes.
  }, 1_500_000);
});

describe('narrow weights in compiled CPU programs', () => {
  const compiled = (dir: string) => {
    const model = loadModel(directoryFiles(dir));
    const graph = buildModelGraph(model.config, model.settings, model.weights.layout, { batch: 1, seqLen: PROMPT.length });
    const claimed = claimableComposites(graph);
    const program = compile(graph, { ...cpuDeviceBackend().compileOptions, claimed });
    model.weights.close();
    return { claimed, program };
  };

  it('never writes an f32 copy of a bf16 or FP8 weight, and claims MLA and MoE over bf16 weights', () => {
    for (const [kind, pair] of Object.entries(PAIRS)) {
      const { claimed, program } = compiled(pair().narrow);
      const narrow = program.buffers.filter((b) => b.role === 'weight' && b.dtype !== 'f32');
      expect(narrow.length).toBeGreaterThan(10);
      for (const w of narrow) {
        const readers = program.kernels.filter((k) => k.inputs.some((i) => i.buffer === w.id));
        const copies = readers.filter((k) => k.outputs.some((o) => program.buffers[o.buffer]!.role === 'temp' && program.buffers[o.buffer]!.size === w.size));
        expect(copies.map((k) => `${kind}: ${k.name} copies ${w.name}`)).toEqual([]);
      }
      // The claimed kernels read bf16 weights as stored (the routed experts among them); FP8 ones are decomposed.
      if (kind === 'bf16') {
        expect([...claimed].sort()).toEqual(['mla_attention', 'moe']);
        expect(narrow.filter((w) => w.name!.includes('.experts.')).map((w) => w.dtype)).toContain('bf16');
      }
    }
  });
});
