// The conformance cases on one backend: each case's outputs against the op-by-op oracle, within the bounds the
// tolerance table gives them (src/conformance).

import { describe, expect, it } from 'vitest';
import type { ConformanceCase } from '../../src/conformance/case.js';
import { checkCase, describeVerdict, passed } from '../../src/conformance/run.js';
import { useOptionalResource } from '../support/optional-resource.js';
import { casesFor, type BackendUnderTest } from './backends.js';

/** Every case of `cases` on `target` (the quick ones on a backend that compiles slowly), each a test. */
export function caseSuite(target: BackendUnderTest, cases: readonly ConformanceCase[]): void {
  describe(target.name, () => {
    const backend = useOptionalResource(target.resource);
    for (const c of casesFor(target, cases)) {
      it(c.name, async () => {
        const verdict = await checkCase(backend(), c);
        if (!passed(verdict)) expect.fail(describeVerdict(verdict));
        for (const o of verdict.outputs) if (o.undetermined) console.log(`${c.name} ${o.name}: ${o.undetermined}/${o.elements} undetermined`);
      });
    }
  });
}
