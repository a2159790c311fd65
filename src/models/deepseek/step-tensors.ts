// A forward call's results under the names of a dump (docs/checking-a-port.md §Tensor names), the names the golden
// files use for the same tensors (spec/golden/README.md): `<phase>.<tensor>`, the phase being `prefill` or
// `decode.<step>`. `<phase>.logits` is what the official Transformer.forward returns, the last position's logits
// [B, vocab]; a prefill's logits at every position are `prefill.logits_all` [B, S, vocab]. The MTP modules run
// with the prefill only, and keep their names (mtp.<k>.*). `dsv3 forward --out` writes these; `dsv3 verify`
// compares these with the golden files.

import { tensorData, type TensorData } from '../../ir/index.js';
import type { ForwardResult } from './session.js';

/** The last position of [B, S, V] logits, [B, V]. */
export function lastPosition(logits: TensorData): TensorData {
  const [B, S, V] = logits.shape as [number, number, number];
  const out = new Float32Array(B * V);
  for (let b = 0; b < B; b++) out.set(logits.data.subarray((b * S + S - 1) * V, (b * S + S) * V) as Float32Array, b * V);
  return tensorData('f32', [B, V], out);
}

export function stepTensors(phase: string, r: ForwardResult): Record<string, TensorData> {
  const out: Record<string, TensorData> = {};
  if (phase === 'prefill') out['prefill.logits_all'] = r.logits;
  out[`${phase}.logits`] = lastPosition(r.logits);
  for (const [name, t] of Object.entries(r.outputs)) out[name.startsWith('mtp.') ? name : `${phase}.${name}`] = t;
  return out;
}
