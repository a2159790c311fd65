// `dsv3 eplb`: DeepSeek's expert-parallel load balancer (src/parallel/eplb.ts) on one case read from a JSON file.

import fs from 'node:fs';
import { fileError } from '../../io/file-error.js';
import { rebalanceExperts } from '../../parallel/eplb.js';
import { parseEplbInput } from '../../parallel/eplb-input.js';
import { EXIT, UsageError, type Command } from '../command.js';

export const eplb: Command = {
  name: 'eplb',
  summary: 'balance experts over GPUs as the official EPLB does: replicas per expert and their slots',
  help: `Usage: dsv3 eplb --input F.json

Reads one case: {"weight": [[load of each logical expert] per layer], "num_replicas": R, "num_groups": G,
"num_nodes": N, "num_gpus": P} (the golden cases' fields; others are ignored) and prints
{"phy2log": [layers][R], "log2phy": [layers][experts][max replicas, padded with -1], "logcnt": [layers][experts]}
exactly as the official rebalance_experts does, in float32, ties included. Hierarchical when G is a multiple of
N, otherwise global. The sizes must fit the official code: experts a multiple of G (hierarchical), P a multiple of
N (hierarchical), R a multiple of P, and R at least the number of experts.

  --input F.json      the case to balance`,
  options: { input: { type: 'string' } },
  async run(values) {
    const file = values.input as string | undefined;
    if (file === undefined) throw new UsageError('dsv3 eplb: --input F.json is required');
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw fileError(file, 'read the EPLB input', e);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`${file}: not JSON (${(e as Error).message})`);
    }
    const input = parseEplbInput(json, file);
    console.log(JSON.stringify(rebalanceExperts(input.weight, input.numReplicas, input.numGroups, input.numNodes, input.numGpus)));
    return EXIT.ok;
  },
};
