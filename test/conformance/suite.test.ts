// The conformance suite on every backend of backends.ts: each case's outputs against the op-by-op oracle, within
// the bounds the tolerance table gives them (src/conformance).

import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { conformanceCases, uncovered } from '../../src/conformance/suite.js';
import { oracleDisagreements } from '../../src/conformance/run.js';
import { BACKENDS_UNDER_TEST } from './backends.js';
import { caseSuite } from './case-suite.js';

const cases = conformanceCases();

describe('the suite', () => {
  const oracle = cpuBackend({ mode: 'reference' });
  afterAll(() => oracle.dispose());

  it('covers every primitive and every composite', () => {
    expect(uncovered(cases)).toEqual([]);
  });

  it('bounds the oracle itself exactly', async () => {
    for (const c of cases) expect(await oracleDisagreements(c, oracle), c.name).toEqual([]);
  });
});

for (const target of BACKENDS_UNDER_TEST) caseSuite(target, cases);
