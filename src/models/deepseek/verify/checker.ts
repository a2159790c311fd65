// Collects the comparisons of one golden run: float tensors within the run's tolerance, routing indices as sets
// and routing weights by expert. Keys name golden tensors; a label can tell repeated checks of a key apart.

import type { TensorData } from '../../../ir/index.js';
import { compareF32, compareGateWeights, compareIndices, type Comparison } from './compare.js';
import type { GoldenCase } from './golden-case.js';
import type { CheckTolerance } from './tolerance.js';

export class Checker {
  readonly results: Comparison[] = [];
  constructor(
    private readonly golden: GoldenCase,
    private readonly tolerance: CheckTolerance,
    /** Put before each comparison's name. */
    private readonly label = '',
  ) {}

  f32(key: string, got: TensorData | undefined): void {
    if (got !== undefined && this.golden.has(key)) this.results.push(compareF32(this.label + key, got, this.golden.tensor(key), this.tolerance.values));
  }

  /** Expert indices (as sets per token) and routing weights (by expert) against `<prefix>.indices` / `.weights`. */
  gate(prefix: string, indices: TensorData | undefined, weights: TensorData | undefined): void {
    const [ki, kw] = [`${prefix}.indices`, `${prefix}.weights`];
    if (indices === undefined || weights === undefined || !this.golden.has(ki)) return;
    const wantIdx = this.golden.tensor(ki);
    this.results.push(compareIndices(this.label + ki, indices, wantIdx));
    if (this.golden.has(kw))
      this.results.push(compareGateWeights(this.label + kw, weights, indices, this.golden.tensor(kw), wantIdx, { abs: this.tolerance.gateWeights, rel: 0 }));
  }
}
