import { it } from 'vitest';
import fc from 'fast-check';
import { COMPOSITE_CASES } from '/work/main/test/autodiff/composite-cases.js';
import { Draw } from '/work/main/test/autodiff/rule-cases.js';
import { grad } from '/work/main/src/autodiff/index.js';
import { printGraph } from '/work/main/src/ir/index.js';
import '/work/main/src/composites/index.js';
it('dbg', () => {
  fc.assert(fc.property(fc.gen(), (g) => {
    const c = COMPOSITE_CASES.rms_norm!(new Draw(fc, g));
    console.log(c.wrt, c.graph.inputs.map(v=>v.shape));
    console.log(printGraph(grad(c.graph, ['out'], c.wrt, {seed:'input'})));
  }), { numRuns: 1 });
});
