// Every elementwise primitive, in every dtype its entry accepts (src/ir/ops/elementwise.ts), has what each backend
// and the conformance suite state per op: a JavaScript template (src/backends/reference/scalar-js.ts, for the op-by-op
// kernels and the compiled ones), a WGSL case (src/backends/webgpu/render-wgsl.ts) and, on floats, an error bound
// (src/conformance/element-bounds.ts). A missing entry is a type error where the table is keyed by op name; this
// test also catches one that is there but misses a dtype. Each op is rendered as its own expression node, so no
// simplification of the expression builder hides it.

import { describe, expect, it } from 'vitest';
import { ELEMENTWISE_OPS, evaluateElementwise, isFloat, type DType, type ElementwiseDef } from '../../src/ir/index.js';
import { computeType, ExprContext, type Expr } from '../../src/compiler/expr.js';
import type { Kernel, Program } from '../../src/compiler/kernel.js';
import { programProblems } from '../../src/compiler/verify-kernels.js';
import { ELEMENTWISE as JS_TEMPLATES, elementwiseTemplate } from '../../src/backends/reference/scalar-js.js';
import { renderKernel } from '../../src/backends/cpu/program.js';
import { renderWgsl } from '../../src/backends/webgpu/render-wgsl.js';
import { binaryBound, unaryBound } from '../../src/conformance/element-bounds.js';

const N = 8;
const LAUNCH = { workgroupSize: 64, tileRows: 4, tileCols: 4, maxWorkgroupsPerDimension: 65535 };

/** The operand dtypes of `def` on `dtype`: where selects between two values under a bool condition. */
const operandDTypes = (def: ElementwiseDef, dtype: DType): DType[] => (def.family === 'ternary' ? ['bool', dtype, dtype] : new Array<DType>(def.operands as number).fill(dtype));

/** A program of one map kernel storing `def` of loads of its operands: the op's own expression node. */
function opProgram(def: ElementwiseDef, dtype: DType): Program {
  const c = new ExprContext([N]);
  const operands = operandDTypes(def, dtype);
  const args = operands.map((d, slot) => c.load(slot, d, c.idx(0)));
  const result: DType = def.result === 'bool' ? 'bool' : dtype;
  const value = { kind: def.name, id: -1, type: computeType(result), args, min: -Infinity, max: Infinity } as Expr;
  const buffers = [...operands, result].map((d, id) => ({ id, dtype: d, size: N, role: id < operands.length ? ('input' as const) : ('output' as const), ...(id < operands.length ? { name: `x${id}` } : {}) }));
  const kernel: Kernel = {
    name: `k0_${def.name}`,
    origin: [],
    inputs: operands.map((d, slot) => ({ buffer: slot, dtype: d, size: N })),
    outputs: [{ buffer: operands.length, dtype: result, size: N }],
    params: [],
    body: { kind: 'map', shape: [N], stores: [{ output: 0, index: c.idx(0), value }] },
  };
  return {
    name: def.name,
    buffers,
    kernels: [kernel],
    inputs: Object.fromEntries(operands.map((_, slot) => [`x${slot}`, slot])),
    params: [],
    outputs: { y: operands.length },
    inputShapes: Object.fromEntries(operands.map((_, slot) => [`x${slot}`, [N]])),
    outputShapes: { y: [N] },
  };
}

describe.each(ELEMENTWISE_OPS.map((def) => ({ def, name: def.name })))('$name', ({ def }) => {
  it.each(def.dtypes)(`on %s renders as JavaScript and WGSL`, (dtype) => {
    const program = opProgram(def, dtype);
    expect(programProblems(program)).toEqual([]);
    const kernel = program.kernels[0]!;
    expect(renderKernel(kernel).source).toContain('out0[');
    expect(renderWgsl(kernel, LAUNCH).wgsl).toContain('@compute');
    if (def.family !== 'ternary') expect(() => elementwiseTemplate(def.name, dtype)).not.toThrow();
  });

  it.each(def.family === 'ternary' ? [] : def.dtypes.filter(isFloat))('on %s has a conformance bound', (dtype) => {
    // An exact operand gives the op's own allowance; an operand off by a little, a propagated bound.
    for (const e of [0, 2 ** -20]) {
      const args = def.family === 'unary' ? [0.75] : [0.75, 0.5];
      const y = evaluateElementwise(def, dtype, args);
      const [a, b] = args.map((x) => ({ x, e }));
      const bound = def.family === 'unary' ? unaryBound(def.name, dtype, a!, y) : binaryBound(def.name, dtype, a!, b!, y);
      expect(bound, `${def.name}(${args}) ± ${e}`).toBeGreaterThanOrEqual(0);
    }
  });
});

it('the JavaScript table has one entry per unary and binary elementwise primitive, and no other', () => {
  const names = ELEMENTWISE_OPS.filter((d) => d.family !== 'ternary').map((d) => d.name);
  expect(Object.keys(JS_TEMPLATES).sort()).toEqual(names.sort());
});
