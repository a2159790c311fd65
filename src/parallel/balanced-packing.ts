// EPLB's `balanced_packing`: n weighted items into m packs of n/m items each, per row, greedily: items from the
// heaviest down (torch's unstable sort order) each go to the lightest pack with room, the lowest index on equal
// weights. Pack weights accumulate in float32 as the official code's tensor sums do.

import { torchSortDescending } from './torch-sort.js';

export interface Packing {
  /** [rows][items]: the pack of each item. */
  readonly pack: number[][];
  /** [rows][items]: the item's position inside its pack, in the order items were added. */
  readonly rankInPack: number[][];
}

export function balancedPacking(weight: readonly (readonly number[])[], numPacks: number): Packing {
  const numItems = weight[0]?.length ?? 0;
  if (numItems % numPacks !== 0) throw new Error(`balanced packing: ${numItems} items do not split evenly into ${numPacks} packs`);
  const perPack = numItems / numPacks;
  // One item per pack: the official code returns the identity without looking at the weights.
  if (perPack === 1) return { pack: weight.map((row) => row.map((_, i) => i)), rankInPack: weight.map((row) => row.map(() => 0)) };
  const pack: number[][] = [];
  const rankInPack: number[][] = [];
  for (const row of weight) {
    const packOf = new Array<number>(numItems).fill(-1);
    const rankOf = new Array<number>(numItems).fill(-1);
    const packWeight = new Array<number>(numPacks).fill(0);
    const packItems = new Array<number>(numPacks).fill(0);
    for (const item of torchSortDescending(row)) {
      let best = -1;
      for (let p = 0; p < numPacks; p++) if (packItems[p]! < perPack && (best < 0 || packWeight[p]! < packWeight[best]!)) best = p;
      packOf[item] = best;
      rankOf[item] = packItems[best]!;
      packWeight[best] = Math.fround(packWeight[best]! + row[item]!);
      packItems[best]!++;
    }
    pack.push(packOf);
    rankInPack.push(rankOf);
  }
  return { pack, rankInPack };
}
