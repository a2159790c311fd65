// Every primitive's derivative rule against central finite differences, in float64 on the reference interpreter, as
// fast-check properties over random shapes and values. CI runs a quick slice (FD_RUNS per primitive); the full run:
// `FC_RUNS=500 npx vitest run test/autodiff/finite-differences.test.ts`.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { primitiveNames } from '../../src/ir/index.js';
import { gradientMismatch } from './finite-difference-check.js';
import { Draw, RULE_CASES } from './rule-cases.js';

const RUNS = Number(process.env.FC_RUNS ?? 25);

describe('derivative rules against finite differences (float64)', () => {
  it('every primitive has a case', () => {
    expect(primitiveNames().filter((op) => !RULE_CASES[op])).toEqual([]);
  });

  for (const [op, ruleCase] of Object.entries(RULE_CASES))
    it(op, () => {
      fc.assert(
        fc.property(fc.gen(), (g) => {
          const mismatch = gradientMismatch(ruleCase(new Draw(fc, g)));
          if (mismatch) throw new Error(`${op}: d/d${mismatch.target}[${mismatch.element}] = ${mismatch.analytic}, finite difference ${mismatch.numeric}`);
        }),
        { numRuns: RUNS },
      );
    });
});
