// Shape and dtype inference of every primitive on valid operands, against results worked out independently
// (test/support/valid-op-cases.ts), and the dtype tables of the elementwise ops.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { IRError, primitiveNames, type DType } from '../../src/ir/index.js';
import { typeOf } from '../support/type-of.js';
import { ALL_DTYPES, BINARY_DTYPES, shapeOf, UNARY_DTYPES, VALID_CASES } from '../support/valid-op-cases.js';

test('every primitive has valid cases', () => {
  expect(Object.keys(VALID_CASES).sort()).toEqual(primitiveNames().sort());
});

describe.each(Object.entries(VALID_CASES))('%s', (op, cases) => {
  test('infers the independently computed type', () => {
    fc.assert(
      fc.property(cases, ({ operands, attrs, expected }) => {
        expect(typeOf(op, operands, attrs)).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });
});

describe('elementwise ops reject every dtype outside their table', () => {
  const rejected = (allowed: readonly DType[]) => fc.constantFrom(...ALL_DTYPES.filter((d) => !allowed.includes(d)));
  test.each(Object.entries(UNARY_DTYPES))('%s', (op, allowed) => {
    fc.assert(
      fc.property(rejected(allowed), shapeOf(), (dtype, shape) => {
        expect(() => typeOf(op, [{ dtype, shape }])).toThrow(IRError);
        expect(() => typeOf(op, [{ dtype, shape }])).toThrow(`dtype ${dtype} not supported; expected ${allowed.join(', ')}`);
      }),
      { numRuns: 10 },
    );
  });
  test.each(Object.entries(BINARY_DTYPES))('%s', (op, allowed) => {
    fc.assert(
      fc.property(rejected(allowed), shapeOf(), (dtype, shape) => {
        expect(() => typeOf(op, [{ dtype, shape }, { dtype, shape }])).toThrow(IRError);
        expect(() => typeOf(op, [{ dtype, shape }, { dtype, shape }])).toThrow(`dtype ${dtype} not supported; expected ${allowed.join(', ')}`);
      }),
      { numRuns: 10 },
    );
  });
});
