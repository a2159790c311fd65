// The conformance suite: every primitive and composite as cases, run on each backend and compared with the oracle.

import { compositeNames } from '../composites/index.js';
import { primitiveNames } from '../ir/index.js';
import { coveredOps, type ConformanceCase } from './case.js';
import { CAST_CASES } from './cases/casts.js';
import { COMPOSITE_CASES } from './cases/composites.js';
import { ELEMENTWISE_CASES } from './cases/elementwise.js';
import { FP8_CASES } from './cases/fp8.js';
import { GRADIENT_CASES } from './cases/gradients.js';
import { modelCases } from './cases/model.js';
import { STRUCTURAL_CASES } from './cases/structural.js';

/** The cases that need no files: every primitive, the op library's composites and gradient graphs. */
export const OP_CASES: readonly ConformanceCase[] = [...ELEMENTWISE_CASES, ...CAST_CASES, ...STRUCTURAL_CASES, ...COMPOSITE_CASES, ...FP8_CASES, ...GRADIENT_CASES];

/** Every case: the op cases and the tiny model's (which read its checkpoint from `spec/golden`). */
export const conformanceCases = (): ConformanceCase[] => [...OP_CASES, ...modelCases()];

/** Primitives and registered composites that no case exercises directly. */
export function uncovered(cases: readonly ConformanceCase[]): string[] {
  const covered = new Set(cases.flatMap((c) => [...coveredOps(c)]));
  return [...primitiveNames(), ...compositeNames()].filter((op) => !covered.has(op));
}
