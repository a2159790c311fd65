// What the fuzzer draws, and how strictly each draw is judged. A case is a random graph (test/support/random-graph.ts)
// with random inputs and a random set of donated inputs. Three profiles share the fuzzing time:
//   anything  every op kind and dtype, empty and long axes, specials and raw NaN/subnormal codes in the inputs:
//             within the bounds the tolerance table derives (src/conformance/bounds.ts);
//   integers  integer and bool graphs: bit for bit, every element determined;
//   moves     moves, casts and constants over raw storage codes: bit for bit, NaN codes included (spec/ops.md:
//             moves are exact for every value, casts define the NaN each format gets).

import fc from 'fast-check';
import { inputName, type DType, type Graph, type TensorData } from '../../src/ir/index.js';
import type { ConformanceCase } from '../../src/conformance/case.js';
import { INTEGER_KINDS, MOVE_KINDS, OP_KINDS, randomGraphWithInputs, type RandomGraphOptions } from '../support/random-graph.js';
import type { RandomInputOptions } from '../support/random-inputs.js';

export interface FuzzCase extends ConformanceCase {
  /** Inputs the run donates: the backend may overwrite them (a cache updated in place). */
  readonly donate: readonly string[];
}

export const PROFILE_NAMES = ['anything', 'integers', 'moves'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface Profile {
  readonly name: ProfileName;
  /** Whether every compared element must match bit for bit and none may be left undetermined. */
  readonly exact: boolean;
  /** Whether NaN codes must match (f32 NaNs by sign). */
  readonly nanBits: boolean;
  /** The cases, for a backend whose float arithmetic on ±inf and NaN follows IEEE 754 or not (the registry's ieeeSpecials). */
  cases(ieeeSpecials: boolean): fc.Arbitrary<FuzzCase>;
}

const EVERY_DTYPE: Readonly<Partial<Record<DType, number>>> = { f32: 6, i32: 1, bool: 1, f16: 1, bf16: 1, f8e4m3fn: 1, f8e5m2: 1, u8: 1 };
const SHAPES = { emptyTensors: true, longAxes: true } as const;

function cases(profile: ProfileName, options: RandomGraphOptions & RandomInputOptions): fc.Arbitrary<FuzzCase> {
  return randomGraphWithInputs({ ...SHAPES, ...options }).chain(({ graph, inputs }) =>
    fc.subarray(graph.inputs.map(inputName)).map((donate) => fuzzCase(profile, graph, inputs, donate)),
  );
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  anything: {
    name: 'anything',
    exact: false,
    nanBits: false,
    // WGSL lets shader compilers assume finite values: there, special values enter only through moves (below).
    cases: (ieee) =>
      cases('anything', { kinds: OP_KINDS, inputDTypes: EVERY_DTYPE, ...(ieee ? { bitPatterns: true } : { specials: false, specialConstants: false }) }),
  },
  integers: {
    name: 'integers',
    exact: true,
    nanBits: false,
    cases: () => cases('integers', { kinds: INTEGER_KINDS, inputDTypes: { i32: 3, bool: 1, u8: 1 } }),
  },
  moves: {
    name: 'moves',
    exact: true,
    nanBits: true,
    cases: () => cases('moves', { kinds: MOVE_KINDS, inputDTypes: { f32: 2, f16: 2, bf16: 2, f8e4m3fn: 1, f8e5m2: 2, i32: 1 }, bitPatterns: true }),
  },
};

/** A case of `profile`, judged as the profile says. */
export function fuzzCase(profile: ProfileName, graph: Graph, inputs: Readonly<Record<string, TensorData>>, donate: readonly string[]): FuzzCase {
  return { name: `${profile} graph`, graph, inputs, weights: {}, nanBits: PROFILES[profile].nanBits, donate };
}

/** The profile of fuzzing round r: a quarter of the rounds each draw integers and moves, half anything (the small graphs first: they shrink fastest). */
export const profileOfRound = (r: number): Profile => PROFILES[(['integers', 'moves', 'anything', 'anything'] as const)[r % 4]!];
