// The IR: dtypes, shapes, graphs of SSA values, the closed set of primitive ops, composites, the builder,
// the verifier and the text form. Start reading at graph.ts, then primitives.ts (the op set) and builder.ts.

export * from './dtype.js';
export * from './shape.js';
export * from './errors.js';
export * from './graph.js';
export * from './attrs.js';
export type { Algebra, ElementwiseDef, Interval, OpDef, OpFamily, ScalarFn, ScalarSemantics, VjpRule } from './op.js';
export { ELEMENTWISE_OPS, elementwiseDef, evaluateElementwise, type BinaryOpName, type ElementwiseOpAccepting, type ElementwiseOpName, type UnaryOpName } from './ops/elementwise.js';
export { CAST, type CastDef } from './ops/cast.js';
export { isDifferentiable } from './ops/vjp-building.js';
export { PRIMITIVES, primitiveNames } from './primitives.js';
export { attrsOf, provideComposites, type CompositeDef, type CompositeVjpContext } from './composite.js';
export { GraphBuilder } from './builder.js';
export { verify, verifyProblems } from './verify.js';
export { printGraph } from './print.js';
export { parseGraph, ParseError } from './parse.js';
export * from './tensor-data.js';
