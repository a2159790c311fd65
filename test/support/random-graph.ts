// Random small valid graphs for property tests. A graph is generated as a recipe — input types, a list of op
// recipes made of integer choices, output picks — and built from it deterministically, so fast-check shrinks
// the recipe (fewer ops, choices towards 0) and a failure comes back as a small graph. Built graphs print as
// their text form in counterexamples.

import fc from 'fast-check';
import { GraphBuilder, numel, printGraph, type DType, type Graph, type TensorData } from '../../src/ir/index.js';
import { FP8_RECIPES } from './fp8-recipes.js';
import { Choices, MAX_RANK, Workspace } from './graph-workspace.js';
import { MODEL_RECIPES } from './model-recipes.js';
import { OP_RECIPES } from './op-recipes.js';
import { randomInputs, type RandomInputOptions } from './random-inputs.js';

const RECIPES = { ...OP_RECIPES, ...FP8_RECIPES, ...MODEL_RECIPES };

/** One kind per primitive family or composite: what a recipe adds. */
export type OpKind = keyof typeof RECIPES;

export const OP_KINDS = Object.keys(RECIPES) as OpKind[];

/**
 * What random graphs contain unless told otherwise: the primitives and the op library's composites. The FP8 block
 * composites and the model's composites are asked for by name (the fuzzer asks for all): they compile into many
 * kernels, which a software GPU compiles slowly.
 */
export const DEFAULT_KINDS = Object.keys(OP_RECIPES) as OpKind[];

/** Kinds that keep integer and bool values integer and bool (no casts, no float sources, no float arithmetic). */
export const INTEGER_KINDS: readonly OpKind[] = ['binary', 'unary', 'where', 'reduce', 'cumsum', 'reshape', 'permute', 'broadcast', 'slice', 'concat', 'pad', 'take', 'gather', 'scatter_add', 'topk', 'dynamic_slice', 'dynamic_update_slice'];

/**
 * Kinds whose float results are input elements moved, or values the spec defines bit for bit (casts, constants):
 * every NaN code in their results is determined.
 */
export const MOVE_KINDS: readonly OpKind[] = ['where', 'reshape', 'permute', 'broadcast', 'slice', 'concat', 'pad', 'take', 'gather', 'dynamic_slice', 'dynamic_update_slice', 'cast', 'source'];

export interface InputRecipe {
  readonly dtype: DType;
  /** One entry per axis (1 to 5 each, or as the options allow); an empty list is a scalar. */
  readonly dims: readonly number[];
}

export interface OpRecipe {
  readonly kind: OpKind;
  readonly choices: readonly number[];
}

export interface GraphRecipe {
  readonly inputs: readonly InputRecipe[];
  readonly ops: readonly OpRecipe[];
  /** Each output is a value picked counting back from the newest (0 = the last value made). */
  readonly outputs: readonly number[];
}

export interface RandomGraphOptions {
  /** 1 to maxInputs inputs (default 3). */
  readonly maxInputs?: number;
  /** 0 to maxOps op recipes (default 8); composites and index helpers add a few nodes each. */
  readonly maxOps?: number;
  /** Relative weights of input dtypes (default mostly f32, some i32, bool, f16, bf16); the first shrinks best. */
  readonly inputDTypes?: Readonly<Partial<Record<DType, number>>>;
  /** The op kinds drawn from (default DEFAULT_KINDS); the first is what a shrunk recipe falls back to. */
  readonly kinds?: readonly OpKind[];
  /** Whether constants in the graph may be -0, ±inf or NaN (default true). */
  readonly specialConstants?: boolean;
  /** Whether inputs and op results may have zero-size axes (default false). */
  readonly emptyTensors?: boolean;
  /** Whether input axes may be 127, 128 or 129 long, around a power of two (default false). */
  readonly longAxes?: boolean;
}

/** Enough integer choices for any recipe; a recipe that asks for more gets 0s. */
const CHOICES = 24;

const DEFAULT_INPUT_DTYPES: Readonly<Partial<Record<DType, number>>> = { f32: 6, i32: 1, bool: 1, f16: 1, bf16: 1 };

/** Inputs larger than this are not drawn (two long axes); op results are held to a similar budget. */
const MAX_INPUT_ELEMENTS = 1024;

/** The length of an input axis: mostly 1 to 5, shrinking towards them. */
function axisLength(options: RandomGraphOptions): fc.Arbitrary<number> {
  const small = { arbitrary: fc.integer({ min: 1, max: 5 }), weight: 8 };
  const empty = options.emptyTensors ? [{ arbitrary: fc.constant(0), weight: 1 }] : [];
  const long = options.longAxes ? [{ arbitrary: fc.constantFrom(127, 128, 129), weight: 1 }] : [];
  return empty.length + long.length ? fc.oneof(small, ...empty, ...long) : small.arbitrary;
}

export function graphRecipe(options: RandomGraphOptions = {}): fc.Arbitrary<GraphRecipe> {
  const weights = Object.entries(options.inputDTypes ?? DEFAULT_INPUT_DTYPES) as [DType, number][];
  const dtype = fc.oneof(...weights.map(([d, weight]) => ({ arbitrary: fc.constant(d), weight })));
  const dims = fc.array(axisLength(options), { maxLength: MAX_RANK }).filter((d) => numel(d) <= MAX_INPUT_ELEMENTS);
  const input = fc.record({ dtype, dims });
  const op = fc.record({ kind: fc.constantFrom(...(options.kinds ?? DEFAULT_KINDS)), choices: fc.array(fc.noBias(fc.nat(1000)), { minLength: CHOICES, maxLength: CHOICES }) });
  return fc.record({
    inputs: fc.array(input, { minLength: 1, maxLength: options.maxInputs ?? 3 }),
    ops: fc.array(op, { maxLength: options.maxOps ?? 8 }),
    outputs: fc.array(fc.nat(1000), { minLength: 1, maxLength: 3 }),
  });
}

/** Builds the graph a recipe describes. Inputs are named x0, x1, ... (`start` for dynamic slices, w0, w1, ... for operands recipes add). */
export function buildGraph(recipe: GraphRecipe, options: Pick<RandomGraphOptions, 'specialConstants' | 'emptyTensors'> = {}): Graph {
  const ws = new Workspace(new GraphBuilder('random'), { specialConstants: options.specialConstants ?? true, emptyTensors: options.emptyTensors ?? false });
  recipe.inputs.forEach((t, i) => ws.record(ws.b.input(`x${i}`, { dtype: t.dtype, shape: t.dims })));
  for (const op of recipe.ops) RECIPES[op.kind](ws, new Choices(op.choices));
  const outputs = recipe.outputs.map((pick) => ws.values[ws.values.length - 1 - (pick % ws.values.length)]!);
  const graph = ws.b.build(outputs);
  return Object.assign(graph, { [fc.toStringMethod]: () => printGraph(graph) });
}

export const randomGraph = (options: RandomGraphOptions = {}): fc.Arbitrary<Graph> => graphRecipe(options).map((r) => buildGraph(r, options));

/** A random graph with random data for its inputs, keyed by input name. */
export const randomGraphWithInputs = (
  options: RandomGraphOptions & RandomInputOptions = {},
): fc.Arbitrary<{ graph: Graph; inputs: Record<string, TensorData> }> =>
  randomGraph(options).chain((graph) => randomInputs(graph, options).map((inputs) => ({ graph, inputs })));
