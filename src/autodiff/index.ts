// Reverse-mode automatic differentiation of IR graphs (spec/autodiff.md). The derivative rules live in the primitives'
// own entries (OpDef.vjp, src/ir/ops); this folder turns a graph into its gradient graph.

export { cotangentName, grad, gradName, type GradOptions, type GradTargets } from './grad.js';
