// EPLB invariants on random sizes and loads (ties common): every expert has a replica, the replica counts fill the
// slots, log2phy and phy2log describe the same placement, and the hierarchical policy keeps each group on one node.
// Also: torch's sort order is a descending order of the values.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHierarchical, rebalanceExperts } from '../../src/parallel/eplb.js';
import { torchSortDescending } from '../../src/parallel/torch-sort.js';

/** Sizes the official code accepts: hierarchical (groups a multiple of nodes) or global (not). */
const sizes = fc
  .record({ layers: fc.integer({ min: 1, max: 3 }), nodes: fc.integer({ min: 1, max: 3 }), groupsPerNode: fc.integer({ min: 1, max: 3 }), groupSize: fc.integer({ min: 1, max: 4 }), gpusPerNode: fc.integer({ min: 1, max: 3 }), extraSlotsPerGpu: fc.integer({ min: 0, max: 3 }), global: fc.boolean() })
  .filter((s) => !s.global || s.nodes > 1)
  .map((s) => {
    // Global: one group more than a multiple of the nodes, so the groups do not split over them.
    const numGroups = s.nodes * s.groupsPerNode + (s.global ? 1 : 0);
    const numExperts = numGroups * s.groupSize;
    const numGpus = s.nodes * s.gpusPerNode;
    const numReplicas = numGpus * (Math.ceil(numExperts / numGpus) + s.extraSlotsPerGpu);
    return { ...s, numGroups, numExperts, numGpus, numReplicas };
  });

/** Loads mixing small integers (ties) and arbitrary doubles (rounded to float32 by rebalanceExperts). */
const loads = (layers: number, experts: number) =>
  fc.array(fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.double({ min: 0, max: 1e6, noNaN: true })), { minLength: experts, maxLength: experts }), { minLength: layers, maxLength: layers });

const cases = sizes.chain((s) => loads(s.layers, s.numExperts).map((weight) => ({ ...s, weight })));

describe('rebalanceExperts invariants', () => {
  it('places every expert, fills every slot once and agrees between phy2log and log2phy', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const { phy2log, log2phy, logcnt } = rebalanceExperts(c.weight, c.numReplicas, c.numGroups, c.nodes, c.numGpus);
        const maxCount = Math.max(...logcnt.flat());
        for (let l = 0; l < c.layers; l++) {
          expect(phy2log[l]).toHaveLength(c.numReplicas);
          expect(logcnt[l]!.every((n) => n >= 1)).toBe(true);
          expect(logcnt[l]!.reduce((a, b) => a + b, 0)).toBe(c.numReplicas);
          const seen = new Set<number>();
          for (let e = 0; e < c.numExperts; e++) {
            const slots = log2phy[l]![e]!;
            expect(slots).toHaveLength(maxCount);
            expect(slots.slice(logcnt[l]![e]!).every((s) => s === -1)).toBe(true);
            for (const s of slots.slice(0, logcnt[l]![e]!)) {
              expect(phy2log[l]![s]).toBe(e);
              seen.add(s);
            }
          }
          expect(seen.size).toBe(c.numReplicas);
          if (isHierarchical(c.numGroups, c.nodes)) {
            // The slots of one group's experts all lie on one node.
            const slotsPerNode = c.numReplicas / c.nodes;
            const nodeOfGroup = new Map<number, number>();
            phy2log[l]!.forEach((e, s) => {
              const group = Math.floor(e / c.groupSize);
              const node = Math.floor(s / slotsPerNode);
              expect(nodeOfGroup.get(group) ?? node).toBe(node);
              nodeOfGroup.set(group, node);
            });
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('torchSortDescending', () => {
  it('is a permutation in descending value order, heapsort fallback included', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 300 }), (values) => {
        const order = torchSortDescending(values);
        expect([...order].sort((a, b) => a - b)).toEqual(values.map((_, i) => i));
        for (let i = 1; i < order.length; i++) expect(values[order[i - 1]!]!).toBeGreaterThanOrEqual(values[order[i]!]!);
      }),
      { numRuns: 300 },
    );
  });
});
