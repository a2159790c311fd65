// The per-Linear golden check (v3-fp8-tiny): every Linear call of decode step 0, captured as
// `<run>.decode.0.linear.<official module path>.{x,y}`, replayed on its stored input. FP8 layers under FP8 GEMMs
// must match bit for bit, with the scale format the official module class gets (quirk 10 of
// spec/golden/README.md §Quirks); dequantised and f32 layers (the head) within the f32 tolerance.

import { tensorData, weightMap, type TensorData } from '../../../ir/index.js';
import { Checkpoint } from '../../../io/checkpoint.js';
import type { Backend } from '../../../backends/backend.js';
import { fp8BlockDequantize, linear, Trace, type Tensor } from '../../../ops/index.js';
import { ATTENTION_LINEAR_CLASS, project, scaleOperand, type LinearClass } from '../../../composites/projection.js';
import { projectionAttrs } from '../attrs.js';
import { loadModelConfig } from '../config.js';
import { fp8Block } from '../layout.js';
import { compareBits, compareF32, type Comparison } from './compare.js';
import type { GoldenCase, GoldenGemm } from './golden-case.js';

const SCALE_SUFFIX = '_scale_inv';

/**
 * The class of an official Linear module by its path in the official module tree, e.g. `layers.1.attn.wq_a` or
 * `layers.1.ffn.experts.3.w2`: routed experts are plain Linear, the dense MLP and the shared experts parallel.
 */
function officialLinearClass(path: string): LinearClass {
  const attention = /^layers\.\d+\.attn\.(\w+)$/.exec(path);
  if (attention) {
    const cls = ATTENTION_LINEAR_CLASS[attention[1]!];
    if (cls === undefined) throw new RangeError(`officialLinearClass: ${path} is not an attention projection`);
    return cls;
  }
  if (/^layers\.\d+\.ffn\.experts\.\d+\.w[123]$/.test(path)) return 'linear';
  if (/^layers\.\d+\.ffn\.(shared_experts\.)?w[123]$/.test(path)) return 'parallel';
  throw new RangeError(`officialLinearClass: ${path} is not a Linear of an official decoder layer`);
}

/** y for x through Linear `path`, whose weight is checkpoint tensor `hf`, as the run's settings run it. */
async function replay(ckpt: Checkpoint, path: string, hf: string, x: TensorData, gemm: GoldenGemm, block: number, backend: Backend): Promise<TensorData> {
  const w = ckpt.readIR(hf);
  const store: Record<string, TensorData> = { w: tensorData(w.dtype, w.shape, w.data) };
  const t = new Trace('linear_replay');
  const input = t.input('x', 'f32', x.shape);
  const weight = t.weight('w', w.dtype, w.shape);
  let y: Tensor;
  if (w.dtype === 'f8e4m3fn') {
    const s = ckpt.readIR(hf + SCALE_SUFFIX);
    store.s = tensorData(s.dtype, s.shape, s.data);
    const scale = t.weight('s', s.dtype, s.shape);
    const named = gemm.gemm === 'fp8' ? { w: weight, [scaleOperand('w')]: scale } : { w: fp8BlockDequantize(weight, scale, block) };
    y = project(input, named, 'w', officialLinearClass(path), projectionAttrs(gemm, block));
  } else {
    y = linear(input, weight);
  }
  const exe = await backend.compile(t.build({ y }), weightMap(store));
  try {
    return (await exe.run({ x })).outputs.y!;
  } finally {
    exe.dispose();
  }
}

export async function replayLinears(golden: GoldenCase, run: string, gemm: GoldenGemm, backend: Backend): Promise<Comparison[]> {
  const paths = golden.linearCaptures(run);
  if (paths.length === 0) return [];
  const hfOf = golden.officialToHf();
  const block = fp8Block(loadModelConfig(golden.files));
  const ckpt = Checkpoint.open(golden.files);
  const results: Comparison[] = [];
  try {
    for (const path of paths) {
      const hf = hfOf.get(`${path}.weight`);
      if (hf === undefined) throw new Error(`${golden.files.pathOf('manifest.json')}: no Hugging Face name for the official weight ${path}.weight`);
      const key = `${run}.decode.0.linear.${path}`;
      const got = await replay(ckpt, path, hf, golden.tensor(`${key}.x`), gemm, block, backend);
      const fp8 = gemm.gemm === 'fp8' && ckpt.info(hf).dtype === 'F8_E4M3';
      results.push(fp8 ? compareBits(`${key}.y`, got, golden.tensor(`${key}.y`)) : compareF32(`${key}.y`, got, golden.tensor(`${key}.y`)));
    }
  } finally {
    ckpt.close();
  }
  return results;
}
