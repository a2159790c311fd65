// MTP depth D > 1: the modules chain as the report writes (§2.2): module k takes module k-1's hidden state (the block
// output, before shared_head.norm) and the embedding of the token k+1 ahead, over positions 0 .. S-2-k. Checked on
// the golden v3-tiny-mtp model with a second module (a copy of the first, layer 4): module 0 reproduces the golden
// MTP logits, and module 1 equals the MTP block run on its own from the golden module-0 block output and the
// tokens two ahead.

import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { mlaCacheTypes } from '../../src/composites/mla.js';
import { mtpBlock } from '../../src/composites/mtp.js';
import { tensorData, type TensorData } from '../../src/ir/index.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { mlaAttrs, moeAttrs } from '../../src/models/deepseek/attrs.js';
import { loadModel, type LoadedModel } from '../../src/models/deepseek/loaded-model.js';
import { Session } from '../../src/models/deepseek/session.js';
import { GoldenCase } from '../../src/models/deepseek/verify/golden-case.js';
import { compareF32 } from '../../src/models/deepseek/verify/compare.js';
import { bindWeights, mtpWeightSlots } from '../../src/models/deepseek/weight-operands.js';
import { full, slice, Trace } from '../../src/ops/index.js';
import { twoModuleCheckpoint } from '../support/two-module-checkpoint.js';

const GOLDEN = 'spec/golden/v3-tiny-mtp';
const backend = cpuBackend({ mode: 'reference' });
afterAll(() => backend.dispose());

/** MTP module `k` of `m` on its own: `hidden` [B, n, D] and `tokens` [B, n] at positions 0 .. n-1. */
async function mtpModule(m: LoadedModel, k: number, hidden: TensorData, tokens: TensorData): Promise<TensorData> {
  const [B, n] = tokens.shape as [number, number];
  const t = new Trace('mtp_module');
  const h = t.input('hidden', 'f32', hidden.shape);
  const { ropeCos, ropeSin } = m.weights.layout;
  const mla = mlaAttrs(m.config, m.settings);
  const caches = Object.values(mlaCacheTypes(mla, B, n)).map((shape) => full(h, 0, shape));
  const r = mtpBlock(
    {
      tokens: t.input('tokens', 'i32', tokens.shape),
      hidden: h,
      cos: slice(t.weight(ropeCos.name, 'f32', ropeCos.shape), 0, 0, n),
      sin: slice(t.weight(ropeSin.name, 'f32', ropeSin.shape), 0, 0, n),
      startPos: t.input('start_pos', 'i32', []),
      caches: [caches[0]!, caches[1]!],
    },
    bindWeights(t, mtpWeightSlots(m.weights.layout.mtp[k]!), 'dequant', 128),
    { ...mla, ...moeAttrs(m.config, m.settings) },
  );
  const exe = await backend.compile(t.build({ logits: r.logits }), m.weights);
  try {
    return (await exe.run({ hidden, tokens, start_pos: tensorData('i32', [], Int32Array.of(0)) })).outputs.logits!;
  } finally {
    exe.dispose();
  }
}

/** Positions [0, n) of x [B, S, ...] along axis 1. */
function firstPositions(x: TensorData, n: number): TensorData {
  const [B, S] = x.shape as [number, number];
  const inner = x.data.length / (B * S);
  const out = new Float32Array(B * n * inner);
  for (let b = 0; b < B; b++) out.set(x.data.subarray(b * S * inner, (b * S + n) * inner), b * n * inner);
  return tensorData('f32', [B, n, ...x.shape.slice(2)], out);
}

describe('MTP depth 2', () => {
  it('chains module 1 on module 0: its hidden state and the tokens two ahead', async () => {
    const golden = GoldenCase.open(directoryFiles(GOLDEN));
    const m = loadModel(directoryFiles(twoModuleCheckpoint()));
    const session = new Session(m, backend, { batch: 2, mtp: true });
    try {
      const prompt = golden.tokens('prefill');
      const S = prompt[0]!.length;
      const { outputs } = await session.forward(prompt);
      expect(outputs['mtp.0.logits']!.shape).toEqual([2, S - 1, 512]);
      expect(outputs['mtp.1.logits']!.shape).toEqual([2, S - 2, 512]);
      // Module 0 takes the main model's output after its final norm (the default wiring, as vLLM and SGLang).
      expect(compareF32('mtp.0.logits', outputs['mtp.0.logits']!, golden.tensor('mtp_hpost.logits')).pass).toBe(true);

      const twoAhead = tensorData('i32', [2, S - 2], Int32Array.from(prompt.flatMap((row) => row.slice(2))));
      const want = await mtpModule(m, 1, firstPositions(golden.tensor('mtp_hpost.block_out'), S - 2), twoAhead);
      expect(compareF32('mtp.1.logits', outputs['mtp.1.logits']!, want).pass).toBe(true);
      // The chain matters: module 1 fed the main model's hidden state instead predicts something else.
      const unchained = await mtpModule(m, 1, firstPositions(golden.tensor('main.final_norm'), S - 2), twoAhead);
      expect(compareF32('mtp.1.logits', outputs['mtp.1.logits']!, unchained).pass).toBe(false);
    } finally {
      session.dispose();
      m.weights.close();
      golden.close();
    }
  });

  it('runs only the modules that have a position to predict from', async () => {
    const m = loadModel(directoryFiles(twoModuleCheckpoint()));
    const session = new Session(m, backend, { batch: 1, mtp: true });
    try {
      const { outputs } = await session.forward([[4, 486]]);
      expect(outputs['mtp.0.logits']!.shape).toEqual([1, 1, 512]);
      expect(Object.keys(outputs).filter((name) => name.startsWith('mtp.1.'))).toEqual([]);
    } finally {
      session.dispose();
      m.weights.close();
    }
  });
});
