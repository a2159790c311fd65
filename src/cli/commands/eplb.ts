// `dsv3 eplb`: DeepSeek's expert-parallel load balancer (src/parallel/eplb.ts) on one case read from a JSON file.

import fs from 'node:fs';
import { fileError } from '../../io/file-error.js';
import { rebalanceExperts } from '../../parallel/eplb.js';
import { parseEplbInput } from '../../parallel/eplb-input.js';
import { EXIT, integerOption, UsageError, type Command } from '../command.js';

/** The options that replace the file's sizes, and the fields they replace. */
const SIZE_OPTIONS = { replicas: 'num_replicas', groups: 'num_groups', nodes: 'num_nodes', gpus: 'num_gpus' } as const;

export const eplb: Command = {
  name: 'eplb',
  summary: 'balance experts over GPUs as the official EPLB does: replicas per expert and their slots',
  help: `Usage: dsv3 eplb --input F.json [--replicas R] [--groups G] [--nodes N] [--gpus P]

Reads one case: {"weight": [[load of each logical expert] per layer], "num_replicas": R, "num_groups": G,
"num_nodes": N, "num_gpus": P} (the golden cases' fields; others are ignored) and prints
{"phy2log": [layers][R], "log2phy": [layers][experts][max replicas, padded with -1], "logcnt": [layers][experts]}
exactly as the official rebalance_experts does, in float32, ties included. Hierarchical when G is a multiple of
N, otherwise global. The sizes must fit the official code: experts a multiple of G (hierarchical), P a multiple of
N (hierarchical), R a multiple of P, and R at least the number of experts. \`dsv3 train\` writes its run's loads
as OUT/expert-load.json in this format, sized for one GPU; give the deployment to balance for with the options.

  --input F.json      the case to balance
  --replicas R        num_replicas, replacing the file's (likewise --groups G, --nodes N, --gpus P)`,
  options: { input: { type: 'string' }, replicas: { type: 'string' }, groups: { type: 'string' }, nodes: { type: 'string' }, gpus: { type: 'string' } },
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
    const overrides = Object.fromEntries(
      Object.entries(SIZE_OPTIONS).flatMap(([option, field]) => (values[option] === undefined ? [] : [[field, integerOption('eplb', option, values[option] as string, 1)]])),
    );
    const input = parseEplbInput(json, file, overrides);
    console.log(JSON.stringify(rebalanceExperts(input.weight, input.numReplicas, input.numGroups, input.numNodes, input.numGpus)));
    return EXIT.ok;
  },
};
