// Checking a port with dsv3 as a library, everything imported from the package's Node entry (src/index.ts): a
// Session's captures under the dump names, written as a safetensors file, a port's dump compared with it as
// `dsv3 diff` compares them, and the report with the first divergence in the order the model computes the tensors.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  comparisonTable,
  cpuBackend,
  diffDumps,
  directoryFiles,
  F32_TOLERANCE,
  fileBytes,
  firstDivergence,
  inLayerOrder,
  loadModel,
  SafetensorsFile,
  Session,
  stepTensors,
  summarize,
  writeSafetensors,
  type FileArray,
  type TensorData,
} from '../../src/index.js';
import { tempDir } from '../io/temp-dir.js';

const PROMPT = [
  [4, 486, 292, 467],
  [328, 362, 388, 297],
];

/** The prefill's tensors of the tiny V3 model, every layer's included. */
async function capture(): Promise<Record<string, TensorData>> {
  const model = loadModel(directoryFiles('spec/golden/v3-tiny-f32'), { maxSeqLen: PROMPT[0]!.length });
  const session = new Session(model, cpuBackend(), { batch: PROMPT.length, captures: true });
  try {
    return stepTensors('prefill', await session.forward(PROMPT));
  } finally {
    session.dispose();
    model.weights.close();
  }
}

function write(tensors: Record<string, TensorData>): string {
  const file = path.join(tempDir(), 'dump.safetensors');
  writeSafetensors(file, Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, { dtype: t.dtype === 'i32' ? 'I32' : 'F32', shape: t.shape, data: t.data as FileArray }])));
  return file;
}

const open = (file: string) => SafetensorsFile.open(fileBytes(file));

describe('the library entry, for checking a port', () => {
  it('names a Session’s captures as forward --capture does', async () => {
    const names = Object.keys(await capture());
    expect(inLayerOrder(names, (n) => n)).toEqual([
      'prefill.embed',
      ...['attn.0', 'ffn.0', 'block.0'].map((n) => `prefill.${n}`),
      ...[1, 2].flatMap((i) => [`attn.${i}`, `gate.${i}.input`, `gate.${i}.scores`, `gate.${i}.indices`, `gate.${i}.weights`, `ffn.${i}`, `block.${i}`].map((n) => `prefill.${n}`)),
      'prefill.final_norm',
      'prefill.logits_all',
      'prefill.logits',
    ]);
  });

  it('compares a port’s dump with dsv3’s and names the first divergence before the rest', async () => {
    const tensors = await capture();
    const reference = write(tensors);
    // The port's layer-1 attention is off by 1e-3 in one element ([0, 1, 6] of [B, S, D] = [2, 4, 64]); the rest is dsv3's.
    const attn = tensors['prefill.attn.1']!;
    const wrong = Float32Array.from(attn.data as Float32Array);
    wrong[70] = wrong[70]! + 1e-3;
    const port = write({ ...tensors, 'prefill.attn.1': { ...attn, data: wrong } });

    using a = open(port);
    using b = open(reference);
    const diff = diffDumps(a, b, { tolerance: F32_TOLERANCE });
    expect(diff.onlyInA).toEqual([]);
    expect(firstDivergence(diff.comparisons)?.name).toBe('prefill.attn.1');
    expect(summarize(diff.comparisons)).toMatch(/^1 of 21 fail; first divergence: prefill\.attn\.1: 1\/512 out of tolerance, max \|Δ\| 1\.00e-3, worst \[0,1,6\]: /);
    const table = comparisonTable(diff.comparisons, 'A vs B');
    expect(table[0]).toMatch(/^\s+tensor\s+max \|Δ\|\s+rel\s+out of tol\s+tolerance\s+worst element \(A vs B\)$/);
    expect(table.slice(1).map((row) => row.split(/\s+/).slice(0, 2).join(' ')).slice(0, 6)).toEqual([
      'pass prefill.embed',
      'pass prefill.attn.0',
      'pass prefill.ffn.0',
      'pass prefill.block.0',
      'FAIL prefill.attn.1',
      'pass prefill.gate.1.input',
    ]);
  });
});
