// The parameters DeepSeek-V3 shares between the main model and the MTP modules (spec/techniques.md §Training): each
// module's embed_tokens is the main embedding and its shared_head.head the output head. A checkpoint stores the
// copies under the module's own names; training treats each pair as one parameter: its gradient is the sum of both
// uses, the optimizer updates the main tensor once, and the copy is then set equal to it.

import type { ModelLayout } from '../models/deepseek/layout.js';

export interface TiedParameter {
  /** The MTP module's tensor (model.layers.<L>.embed_tokens.weight, model.layers.<L>.shared_head.head.weight). */
  readonly copy: string;
  /** The main model's tensor it is tied to (model.embed_tokens.weight, lm_head.weight). */
  readonly main: string;
}

export const tiedParameters = (layout: ModelLayout): TiedParameter[] =>
  layout.mtp.flatMap((m) => [
    { copy: m.embed.name, main: layout.embed.name },
    { copy: m.head.name, main: layout.head.name },
  ]);

/** The gradients with each copy's gradient added (in f32) into its main tensor's and the copy left out. */
export function tieGradients(grads: ReadonlyMap<string, Float32Array>, ties: readonly TiedParameter[]): Map<string, Float32Array> {
  const out = new Map(grads);
  for (const { copy, main } of ties) {
    const [c, g] = [out.get(copy), out.get(main)];
    if (c === undefined || g === undefined) throw new RangeError(`tieGradients: no gradient for ${c === undefined ? copy : main}`);
    if (c.length !== g.length) throw new RangeError(`tieGradients: ${copy} has ${c.length} elements, ${main} ${g.length}`);
    const sum = new Float32Array(g.length);
    for (let i = 0; i < sum.length; i++) sum[i] = g[i]! + c[i]!;
    out.set(main, sum);
    out.delete(copy);
  }
  return out;
}

/** Sets every copy equal to its main tensor (after an optimizer step that updated the main tensors only). */
export function copyTiedParameters(params: ReadonlyMap<string, Float32Array>, ties: readonly TiedParameter[]): void {
  for (const { copy, main } of ties) {
    const [c, p] = [params.get(copy), params.get(main)];
    if (c === undefined || p === undefined) throw new RangeError(`copyTiedParameters: no parameter ${c === undefined ? copy : main}`);
    if (c.length !== p.length) throw new RangeError(`copyTiedParameters: ${copy} has ${c.length} elements, ${main} ${p.length}`);
    c.set(p);
  }
}
