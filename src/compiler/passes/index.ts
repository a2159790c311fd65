// The graph passes, in the order the compiler runs them. Each is a pure function graph -> graph.

import type { Graph } from '../../ir/index.js';
import { commonSubexpressions } from './cse.js';
import { deadCodeElimination } from './dce.js';
import { decompose } from './decompose.js';
import { foldConstants } from './fold.js';
import { simplify } from './simplify.js';

export interface GraphPass {
  readonly name: string;
  readonly run: (g: Graph) => Graph;
}

/** The ordered graph passes for a backend that claims the composites in `claimed`. */
export const graphPasses = (claimed: ReadonlySet<string>): readonly GraphPass[] => [
  { name: 'decompose', run: (g) => decompose(g, claimed) },
  { name: 'fold-constants', run: foldConstants },
  { name: 'simplify', run: simplify },
  { name: 'cse', run: commonSubexpressions },
  { name: 'dce', run: deadCodeElimination },
];

export { commonSubexpressions, deadCodeElimination, decompose, foldConstants, simplify };
