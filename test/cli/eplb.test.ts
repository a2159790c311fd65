// dsv3 eplb: a golden case's outputs printed as JSON, sizes from flags over the file's, and bad input refused with exit 2 naming what is wrong.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../io/temp-dir.js';
import { runCli } from '../support/cli.js';

const GOLDEN = path.join(__dirname, '../../spec/golden/eplb');
const golden = JSON.parse(fs.readFileSync(path.join(GOLDEN, 'cases.json'), 'utf8')).cases as Record<string, unknown>[];

function inputFile(fields: Record<string, unknown>): string {
  const file = path.join(tempDir(), 'case.json');
  fs.writeFileSync(file, JSON.stringify(fields));
  return file;
}

const example = JSON.parse(fs.readFileSync(path.join(GOLDEN, 'readme_example.json'), 'utf8')).case;
/** The README example's arguments alone (12 experts, 2 layers), the base the bad inputs change. */
const readme = { weight: example.weight, num_replicas: example.num_replicas, num_groups: example.num_groups, num_nodes: example.num_nodes, num_gpus: example.num_gpus };

describe('dsv3 eplb', () => {
  it('prints phy2log, log2phy and logcnt of a golden case file as the official code gives them', async () => {
    const c = golden.find((g) => g.kind === 'global-ties')!;
    const { code, out, err } = await runCli('eplb', '--input', inputFile(c));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ phy2log: c.phy2log, log2phy: c.log2phy, logcnt: c.logcnt });
  });

  it.each([
    ['a missing field', { ...readme, num_gpus: undefined }, 'missing field num_gpus'],
    ['a missing weight', { ...readme, weight: undefined }, 'missing field weight'],
    ['a weight that is not numbers', { ...readme, weight: [['a']] }, 'weight must be a [layers][experts] array of numbers'],
    ['ragged layers', { ...readme, weight: [[1, 2], [3]] }, 'weight layer 1 has 1 experts, layer 0 has 2'],
    ['a shape field that disagrees', { ...readme, num_layers: 3 }, 'num_layers is 3 but weight has 2'],
    ['replicas not a multiple of the GPUs', { ...readme, num_replicas: 20 }, 'num_replicas (20) must be a multiple of num_gpus (8)'],
    ['fewer replicas than experts', { ...readme, num_replicas: 8 }, 'num_replicas (8) must be at least num_logical_experts (12)'],
    ['experts not a multiple of the groups', { ...readme, num_groups: 8, num_nodes: 4 }, 'num_logical_experts (12) must be a multiple of num_groups (8)'],
    ['GPUs not a multiple of the nodes', { ...readme, num_gpus: 3, num_replicas: 15 }, 'num_gpus (3) must be a multiple of num_nodes (2)'],
    ['a size that is not a positive integer', { ...readme, num_nodes: 0 }, 'num_nodes must be a positive integer, got 0'],
  ])('refuses %s with exit 2', async (_, fields, message) => {
    const { code, out, err } = await runCli('eplb', '--input', inputFile(fields));
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(message);
  });

  it('takes the sizes from --replicas, --groups, --nodes and --gpus over the file\'s, and refuses one that is not a positive integer', async () => {
    const c = golden.find((g) => g.kind === 'global-ties')!;
    const sized = { weight: c.weight, num_replicas: c.num_replicas, num_groups: c.num_groups, num_nodes: c.num_nodes, num_gpus: c.num_gpus };
    const flags = Object.entries({ replicas: 'num_replicas', groups: 'num_groups', nodes: 'num_nodes', gpus: 'num_gpus' }).flatMap(([o, f]) => [`--${o}`, String(c[f])]);
    const fromFlags = await runCli('eplb', '--input', inputFile({ weight: c.weight, num_replicas: 1, num_groups: 1 }), ...flags);
    expect(fromFlags.err).toBe('');
    expect(fromFlags.out).toBe((await runCli('eplb', '--input', inputFile(sized))).out);
    expect(await runCli('eplb', '--input', inputFile(sized), '--gpus', '0')).toMatchObject({ code: 2, err: expect.stringContaining('--gpus must be an integer >= 1, got "0"') });
  });

  it('refuses a file that is not JSON, and a missing --input', async () => {
    const file = path.join(tempDir(), 'bad.json');
    fs.writeFileSync(file, '{"weight": [');
    expect(await runCli('eplb', '--input', file)).toMatchObject({ code: 2, err: expect.stringContaining(`${file}: not JSON`) });
    expect(await runCli('eplb')).toMatchObject({ code: 2, err: expect.stringContaining('--input F.json is required') });
  });
});
