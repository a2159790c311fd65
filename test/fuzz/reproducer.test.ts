// A finding written to disk reads back as the same case (graph text, input codes, donations, backend, profile),
// and writing never replaces a file that is already there.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { printGraph } from '../../src/ir/index.js';
import { codeMismatch } from '../support/compare.js';
import type { Finding } from './campaign.js';
import { PROFILES } from './profiles.js';
import { inputsPath, readReproducer, writeReproducer } from './reproducer.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsv3-fuzz-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const findings = (profile: keyof typeof PROFILES) =>
  fc.sample(PROFILES[profile].cases(true), { numRuns: 20, seed: 3 }).map((c, i): Finding => ({ backend: 'cpu', profile, seed: i - 10, case: c, failure: `failure ${i}` }));

describe('reproducer files', () => {
  it('read back as the case that was written, for cases of every profile', () => {
    for (const f of [...findings('anything'), ...findings('moves'), ...findings('integers')]) {
      const file = writeReproducer(dir, f);
      const r = readReproducer(file);
      expect([r.backend, r.profile, r.seed, r.failure]).toEqual([f.backend, f.profile, f.seed, f.failure]);
      expect(printGraph(r.case.graph)).toBe(printGraph(f.case.graph));
      expect(r.case.donate).toEqual(f.case.donate);
      expect(r.case.nanBits).toBe(PROFILES[f.profile].nanBits);
      expect(Object.keys(r.case.inputs).sort()).toEqual(Object.keys(f.case.inputs).sort());
      for (const [name, t] of Object.entries(f.case.inputs)) expect(codeMismatch(r.case.inputs[name]!, t), name).toBeUndefined();
    }
  });

  it('never replace an existing file, and leave no temporary file behind', () => {
    const [f] = findings('moves');
    const taken = path.join(dir, `${f!.backend}-${f!.profile}-${f!.seed >>> 0}.graph`);
    fs.rmSync(dir, { recursive: true });
    fs.mkdirSync(dir);
    fs.writeFileSync(taken, 'a file of the user');
    const written = [writeReproducer(dir, f!), writeReproducer(dir, f!)];
    expect(new Set([taken, ...written]).size).toBe(3);
    expect(fs.readFileSync(taken, 'utf8')).toBe('a file of the user');
    const expected = [taken, ...written, ...written.map(inputsPath)].map((file) => path.basename(file));
    expect(fs.readdirSync(dir).sort()).toEqual(expected.sort());
  });
});
