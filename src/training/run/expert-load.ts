// A training run's expert loads as `dsv3 eplb --input` reads them (src/parallel/eplb-input.ts), in OUT/expert-load.json:
// the tokens routed to each expert of each MoE layer, summed over every step the metrics log holds (so a resumed
// run counts the whole checkpointed trajectory). A single-process run knows no deployment, so the sizes are the
// placement that changes nothing: one replica per expert, all on one GPU of one node, and the router's expert groups;
// `dsv3 eplb --replicas R --groups G --nodes N --gpus P` supplies the deployment to balance for.

import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-file.js';
import { routerAttrs } from '../../models/deepseek/attrs.js';
import type { ModelConfig } from '../../models/deepseek/config.js';
import { readMetrics, type StepMetrics } from './metrics.js';

export const EXPERT_LOAD_FILE = 'expert-load.json';

/** The EPLB case of a run's metrics: weight[i] sums expert_counts of layers[i] over the steps. */
export interface ExpertLoad {
  /** The MoE layers' Hugging Face indices (an MTP module's block: num_hidden_layers + k), weight's row order. */
  readonly layers: number[];
  readonly steps: number;
  readonly weight: number[][];
  readonly num_replicas: number;
  readonly num_groups: number;
  readonly num_nodes: number;
  readonly num_gpus: number;
}

/** The loads of `metrics`' steps (at least one) of a model whose routing is `config`'s. */
export function expertLoad(metrics: readonly StepMetrics[], config: ModelConfig): ExpertLoad {
  if (metrics.length === 0) throw new Error('expert loads need at least one step of metrics');
  const layers = Object.keys(metrics[0]!.expert_counts).map(Number).sort((a, b) => a - b);
  const weight = layers.map((layer) => {
    const sum = new Array<number>(config.nRoutedExperts).fill(0);
    for (const m of metrics) {
      const counts = m.expert_counts[String(layer)];
      if (counts?.length !== sum.length) throw new Error(`step ${m.step}: expert_counts of layer ${layer} should have ${sum.length} experts, got ${counts?.length ?? 'none'}`);
      counts.forEach((c, e) => (sum[e]! += c));
    }
    return sum;
  });
  return { layers, steps: metrics.length, weight, num_replicas: config.nRoutedExperts, num_groups: routerAttrs(config).groups, num_nodes: 1, num_gpus: 1 };
}

/** Writes `runDir`'s expert-load.json from its metrics log; returns its path. */
export function writeExpertLoad(runDir: string, config: ModelConfig): string {
  const path = join(runDir, EXPERT_LOAD_FILE);
  writeFileAtomic(path, `${JSON.stringify(expertLoad(readMetrics(runDir), config))}\n`, { overwrite: true });
  return path;
}
