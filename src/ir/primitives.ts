// The closed set of primitive ops. Everything else in dsv3 (composites, models) is built from these.

import type { OpDef, OpFamily } from './op.js';
import { SOURCE_OPS } from './ops/source.js';
import { BINARY_OPS, TERNARY_OPS, UNARY_OPS } from './ops/elementwise.js';
import { CAST_OPS } from './ops/cast.js';
import { REDUCE_OPS } from './ops/reduce.js';
import { CONTRACTION_OPS } from './ops/contraction.js';
import { MOVEMENT_OPS } from './ops/movement.js';
import { INDEX_OPS } from './ops/indexing.js';
import { SORT_OPS } from './ops/sort.js';

const ALL: readonly OpDef[] = [
  ...SOURCE_OPS,
  ...UNARY_OPS,
  ...BINARY_OPS,
  ...TERNARY_OPS,
  ...CAST_OPS,
  ...REDUCE_OPS,
  ...CONTRACTION_OPS,
  ...MOVEMENT_OPS,
  ...INDEX_OPS,
  ...SORT_OPS,
];

export const PRIMITIVES: ReadonlyMap<string, OpDef> = new Map(ALL.map((d) => [d.name, d]));

export const primitiveNames = (family?: OpFamily): string[] => ALL.filter((d) => !family || d.family === family).map((d) => d.name);
