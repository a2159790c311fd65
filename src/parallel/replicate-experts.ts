// EPLB's `replicate_experts`: grow each row from its logical experts to `numPhysical` slots, each extra slot going
// to the expert with the largest float32 load per replica (the first such expert on equal loads, as torch's max).

export interface Replication {
  /** [rows][numPhysical]: the logical expert of each slot; slot i < E holds expert i. */
  readonly phy2log: number[][];
  /** [rows][numPhysical]: the slot's replica rank among its expert's replicas. */
  readonly rank: number[][];
  /** [rows][E]: replicas of each expert. */
  readonly logcnt: number[][];
}

export function replicateExperts(weight: readonly (readonly number[])[], numPhysical: number): Replication {
  const phy2log: number[][] = [];
  const rank: number[][] = [];
  const logcnt: number[][] = [];
  for (const row of weight) {
    if (numPhysical < row.length) throw new Error(`replicate experts: ${numPhysical} physical slots cannot hold ${row.length} logical experts`);
    const slots = row.map((_, i) => i);
    const ranks = row.map(() => 0);
    const counts = row.map(() => 1);
    for (let slot = row.length; slot < numPhysical; slot++) {
      let best = 0;
      let bestLoad = -Infinity;
      for (let e = 0; e < row.length; e++) {
        const load = Math.fround(row[e]! / counts[e]!);
        if (load > bestLoad) [best, bestLoad] = [e, load];
      }
      slots.push(best);
      ranks.push(counts[best]!);
      counts[best]!++;
    }
    phy2log.push(slots);
    rank.push(ranks);
    logcnt.push(counts);
  }
  return { phy2log, rank, logcnt };
}
