// EPLB, DeepSeek's expert-parallel load balancer (`rebalance_experts` of github.com/deepseek-ai/EPLB, eplb.py):
// given each layer's load per logical expert, choose how many replicas each expert gets and which GPU slot holds
// each replica. Hierarchical when the expert groups split evenly over the nodes (groups packed to nodes, replicas
// made inside each node, replicas packed to the node's GPUs); otherwise the same routine with one group and one
// node (global). Everything is float32, as in the official code: its output is reproduced exactly, ties included.

import { balancedPacking } from './balanced-packing.js';
import { replicateExperts } from './replicate-experts.js';

export interface ExpertPlacement {
  /** [layers][replicas]: the logical expert of each physical slot; slots are GPU-major, GPUs node-major. */
  readonly phy2log: number[][];
  /** [layers][experts][max replicas]: each expert's slots in replica-rank order, padded with -1. */
  readonly log2phy: number[][][];
  /** [layers][experts]: replicas of each expert. */
  readonly logcnt: number[][];
}

const inverse = (perm: readonly number[]) => {
  const inv = new Array<number>(perm.length);
  perm.forEach((to, from) => (inv[to] = from));
  return inv;
};

/** Whether `rebalanceExperts` takes the hierarchical path for these sizes (else the global one). */
export const isHierarchical = (numGroups: number, numNodes: number) => numGroups % numNodes === 0;

function checkArguments(weight: readonly (readonly number[])[], sizes: Record<string, number>): void {
  for (const [name, value] of Object.entries(sizes)) if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  if (weight.length === 0) throw new Error('weight must have at least one layer (shape [layers, experts])');
  const experts = weight[0]!.length;
  if (experts === 0) throw new Error('weight must have at least one expert per layer');
  weight.forEach((row, l) => {
    if (row.length !== experts) throw new Error(`weight layer ${l} has ${row.length} experts, layer 0 has ${experts}`);
    const bad = row.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`weight[${l}][${bad}] must be a finite number, got ${row[bad]}`);
  });
}

/** The official `rebalance_experts_hierarchical` on float32 loads. */
function rebalanceHierarchical(weight: number[][], numPhysical: number, numGroups: number, numNodes: number, numGpus: number) {
  const numLogical = weight[0]!.length;
  if (numLogical % numGroups !== 0) throw new Error(`num_logical_experts (${numLogical}) must be a multiple of num_groups (${numGroups})`);
  if (numGpus % numNodes !== 0) throw new Error(`num_gpus (${numGpus}) must be a multiple of num_nodes (${numNodes})`);
  if (numPhysical % numGpus !== 0) throw new Error(`num_replicas (${numPhysical}) must be a multiple of num_gpus (${numGpus})`);
  if (numPhysical < numLogical) throw new Error(`num_replicas (${numPhysical}) must be at least num_logical_experts (${numLogical})`);
  const groupSize = numLogical / numGroups;
  const groupsPerNode = numGroups / numNodes;
  const perGpu = numPhysical / numGpus;
  const expertsPerNode = numLogical / numNodes;

  // Step 1: groups to nodes; experts renumbered node-major ("mlog").
  const groupLoad = weight.map((row) => Array.from({ length: numGroups }, (_, g) => row.slice(g * groupSize, (g + 1) * groupSize).reduce((s, v) => Math.fround(s + v), 0)));
  const groups = balancedPacking(groupLoad, numNodes);
  const log2mlog = groups.pack.map((packs, l) => Array.from({ length: numLogical }, (_, e) => {
    const g = Math.floor(e / groupSize);
    return (packs[g]! * groupsPerNode + groups.rankInPack[l]![g]!) * groupSize + (e % groupSize);
  }));
  const mlog2log = log2mlog.map(inverse);

  // Step 2: replicas inside each node; rows are (layer, node).
  const nodeLoad = weight.flatMap((row, l) => Array.from({ length: numNodes }, (_, n) => mlog2log[l]!.slice(n * expertsPerNode, (n + 1) * expertsPerNode).map((e) => row[e]!)));
  const replicas = replicateExperts(nodeLoad, numPhysical / numNodes);

  // Step 3: each node's replicas to its GPUs by load per replica.
  const replicaLoad = replicas.phy2log.map((slots, r) => slots.map((m) => Math.fround(nodeLoad[r]![m]! / replicas.logcnt[r]![m]!)));
  const gpus = balancedPacking(replicaLoad, numGpus / numNodes);
  const phy2log: number[][] = [];
  const phyrank: number[][] = [];
  for (let l = 0; l < weight.length; l++) {
    const slots: number[] = [];
    const ranks: number[] = [];
    for (let n = 0; n < numNodes; n++) {
      const r = l * numNodes + n;
      const slotOf = inverse(gpus.pack[r]!.map((gpu, s) => gpu * perGpu + gpus.rankInPack[r]![s]!));
      for (const s of slotOf) {
        slots.push(mlog2log[l]![replicas.phy2log[r]![s]! + n * expertsPerNode]!);
        ranks.push(replicas.rank[r]![s]!);
      }
    }
    phy2log.push(slots);
    phyrank.push(ranks);
  }
  const logcnt = log2mlog.map((mlogOf, l) => mlogOf.map((m) => replicas.logcnt[l * numNodes + Math.floor(m / expertsPerNode)]![m % expertsPerNode]!));
  return { phy2log, phyrank, logcnt };
}

/**
 * The official `rebalance_experts(weight, num_replicas, num_groups, num_nodes, num_gpus)`: `weight` [layers][experts]
 * is each expert's load (rounded to float32 first, as the official code does); throws naming the official code's
 * condition when the sizes do not fit it.
 */
export function rebalanceExperts(weight: readonly (readonly number[])[], numReplicas: number, numGroups: number, numNodes: number, numGpus: number): ExpertPlacement {
  checkArguments(weight, { num_replicas: numReplicas, num_groups: numGroups, num_nodes: numNodes, num_gpus: numGpus });
  const load = weight.map((row) => row.map(Math.fround));
  const { phy2log, phyrank, logcnt } = isHierarchical(numGroups, numNodes)
    ? rebalanceHierarchical(load, numReplicas, numGroups, numNodes, numGpus)
    : rebalanceHierarchical(load, numReplicas, 1, 1, numGpus);
  const maxCount = Math.max(...logcnt.flat());
  const log2phy = logcnt.map((counts) => counts.map(() => new Array<number>(maxCount).fill(-1)));
  phy2log.forEach((slots, l) => slots.forEach((e, s) => (log2phy[l]![e]![phyrank[l]![s]!] = s)));
  return { phy2log, log2phy, logcnt };
}
