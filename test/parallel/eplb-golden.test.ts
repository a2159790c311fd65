// EPLB against the official code's outputs (spec/golden/eplb/): every case equal element for element, ties
// included, and torch's CPU sort order on 300 arrays (the tie order EPLB inherits).

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isHierarchical, rebalanceExperts } from '../../src/parallel/eplb.js';
import { torchSortDescending } from '../../src/parallel/torch-sort.js';

const GOLDEN = path.join(__dirname, '../../spec/golden/eplb');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(GOLDEN, file), 'utf8'));

interface GoldenCase {
  name: string;
  policy: 'hierarchical' | 'global';
  num_replicas: number;
  num_groups: number;
  num_nodes: number;
  num_gpus: number;
  weight: number[][];
  phy2log: number[][];
  log2phy: number[][][];
  logcnt: number[][];
}

const cases: GoldenCase[] = [read('readme_example.json').case, ...read('cases.json').cases];

describe('rebalanceExperts matches the official EPLB', () => {
  it('has all 13 golden cases', () => expect(cases).toHaveLength(13));

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(isHierarchical(c.num_groups, c.num_nodes)).toBe(c.policy === 'hierarchical');
    const out = rebalanceExperts(c.weight, c.num_replicas, c.num_groups, c.num_nodes, c.num_gpus);
    expect(out.phy2log).toEqual(c.phy2log);
    expect(out.logcnt).toEqual(c.logcnt);
    expect(out.log2phy).toEqual(c.log2phy);
  });

  it('reproduces the documented README output', () => {
    const example = read('readme_example.json').case;
    expect(example.matches_documented).toBe(true);
    expect(rebalanceExperts(example.weight, example.num_replicas, example.num_groups, example.num_nodes, example.num_gpus).phy2log).toEqual(example.documented_phy2log);
  });
});

describe('torchSortDescending', () => {
  const arrays: { values: number[]; indices: number[] }[] = read('torch_sort_desc.json').arrays;

  it('gives torch.sort(descending=True) order on all 300 arrays', () => {
    expect(arrays).toHaveLength(300);
    for (const a of arrays) expect(torchSortDescending(a.values), `values ${JSON.stringify(a.values)}`).toEqual(a.indices);
  });
});
