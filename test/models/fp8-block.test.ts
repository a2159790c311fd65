// FP8 blocks other than DeepSeek-V3's 128: a checkpoint quantised in 32 x 32 blocks (quantization_config
// weight_block_size [32, 32]) is dequantised with its own block scales, and under FP8 GEMMs every FP8 op of the model
// graph (act_quant tiles included) works in blocks of 32.

import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { walkNodes } from '../../src/ir/index.js';
import { Checkpoint } from '../../src/io/checkpoint.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { buildModelGraph } from '../../src/models/deepseek/model.js';
import { quantizeCheckpoint } from '../../src/models/deepseek/quantize.js';
import { Session } from '../../src/models/deepseek/session.js';
import { tempDir } from '../io/temp-dir.js';

const V3 = 'spec/golden/v3-tiny-f32';
const BLOCK = 32;
const backend = cpuBackend({ mode: 'reference' });
afterAll(() => backend.dispose());

async function quantized(): Promise<string> {
  const dir = `${tempDir()}/fp8`;
  await quantizeCheckpoint(V3, dir, { scaleFmt: 'none', block: BLOCK, force: false, backend });
  return dir;
}

describe('FP8 blocks of 32', () => {
  it('quantizes in 32 x 32 blocks and dequantizes each element with its own block scale', async () => {
    const dir = await quantized();
    const m = loadModel(directoryFiles(dir));
    expect(m.config.quantization?.blockSize).toEqual([BLOCK, BLOCK]);
    const name = 'model.layers.1.self_attn.q_b_proj.weight';
    const original = loadModel(directoryFiles(V3));
    const ckpt = Checkpoint.open(directoryFiles(dir));
    try {
      const [rows, cols] = ckpt.info(name).shape as [number, number];
      expect([rows, cols]).toEqual([96, 32]);
      expect(ckpt.info(`${name}_scale_inv`).shape).toEqual([Math.ceil(rows / BLOCK), Math.ceil(cols / BLOCK)]);
      const scales = ckpt.read(`${name}_scale_inv`) as Float32Array;
      const want = original.weights.get(name).data as Float32Array;
      const got = m.weights.float32(name);
      // e4m3fn keeps 3 mantissa bits; below 2^-6 (subnormal) its steps are 2^-9, times the block's scale.
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          const s = scales[Math.floor(r / BLOCK) * Math.ceil(cols / BLOCK) + Math.floor(c / BLOCK)]!;
          expect(Math.abs(got[r * cols + c]! - want[r * cols + c]!)).toBeLessThanOrEqual(Math.abs(want[r * cols + c]!) * 2 ** -4 + s * 2 ** -10);
        }
    } finally {
      ckpt.close();
      m.weights.close();
      original.weights.close();
    }
  });

  it('runs FP8 GEMMs on 1 x 32 activation tiles and 32 x 32 weight blocks', async () => {
    const dir = await quantized();
    const fp8 = loadModel(directoryFiles(dir), { gemm: 'fp8' });
    const dequant = loadModel(directoryFiles(dir));
    try {
      const graph = buildModelGraph(fp8.config, fp8.settings, fp8.weights.layout, { batch: 1, seqLen: 4 });
      const blocks = [...walkNodes(graph)].filter((n) => n.op.startsWith('fp8_')).map((n) => [n.op, n.attrs.block]);
      expect(new Set(blocks.map(([op]) => op))).toEqual(new Set(['fp8_quantize', 'fp8_gemm', 'fp8_gather_gemm', 'fp8_block_dequantize']));
      expect(blocks.filter(([, block]) => block !== BLOCK)).toEqual([]);

      // The first layer (dense: no routing decision yet for FP8 noise to flip) differs between the two only by the
      // activations' quantisation: 0.11-0.16 at most for blocks of 16 to 128, against block outputs up to 3.5.
      const firstBlock = async (m: typeof fp8) => {
        const session = new Session(m, backend, { batch: 1, captures: true });
        try {
          return (await session.forward([[4, 486, 292, 467]])).outputs['block.0']!.data;
        } finally {
          session.dispose();
        }
      };
      const [a, b] = [await firstBlock(fp8), await firstBlock(dequant)];
      expect(Math.max(...a.map((x, i) => Math.abs(x - b[i]!)))).toBeLessThan(0.25);
    } finally {
      fp8.weights.close();
      dequant.weights.close();
    }
  });
});
