// Two dumps (safetensors files) compared tensor by tensor, for `dsv3 diff`: tensors of the same name, after an
// optional prefix is taken off each side's names, are compared elementwise, B being the reference
// (|A - B| <= atol + rtol·|B|); integer tensors must be equal; a pair X.indices / X.weights (routing choices) is
// compared as expert sets per token and weights matched by expert, as `dsv3 verify` does. Any dtype is read as
// numbers, so an F64 or BF16 dump compares with an F32 one.

import type { SafetensorsFile } from '../../../io/safetensors.js';
import { decodeToF32 } from '../../../numerics/index.js';
import { compareF32, compareGateWeights, compareIndices, type Comparison, type Values } from './compare.js';
import type { Tolerance } from './tolerance.js';

export interface DiffOptions {
  readonly tolerance: Tolerance;
  /** Compare only the names (with prefixes removed) that match one of these globs (`*` any characters, `?` one). */
  readonly only?: readonly string[];
  /** Compare only A's tensors whose names start with this, under the name without it (and likewise for B). */
  readonly prefixA?: string;
  readonly prefixB?: string;
}

export interface DumpDiff {
  readonly comparisons: readonly Comparison[];
  /** Names (with prefixes removed, and selected by `only`) found in one file only; they are not compared. */
  readonly onlyInA: readonly string[];
  readonly onlyInB: readonly string[];
}

const INTEGER_DTYPES: ReadonlySet<string> = new Set(['I64', 'I32', 'I16', 'I8', 'U8', 'BOOL']);

/** Tensor `name` of `file` as numbers, whatever its dtype. */
function readValues(file: SafetensorsFile, name: string): Values {
  const { dtype, shape } = file.info(name);
  if (dtype === 'F16' || dtype === 'BF16' || dtype === 'F8_E4M3' || dtype === 'F8_E5M2') {
    const t = file.readIR(name);
    return { shape, data: decodeToF32(t.data, t.dtype) };
  }
  const data = file.read(name);
  return { shape, data: data instanceof BigInt64Array ? Float64Array.from(data, Number) : (data as Exclude<typeof data, BigInt64Array>) };
}

function globPattern(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** The names of `file` that start with `prefix`, by the name without it. */
function namesUnder(file: SafetensorsFile, prefix: string): Map<string, string> {
  return new Map(file.names().flatMap((n) => (n.startsWith(prefix) ? [[n.slice(prefix.length), n] as const] : [])));
}

export function diffDumps(a: SafetensorsFile, b: SafetensorsFile, o: DiffOptions): DumpDiff {
  const patterns = (o.only ?? []).map(globPattern);
  const selected = (name: string): boolean => patterns.length === 0 || patterns.some((p) => p.test(name));
  const [inA, inB] = [namesUnder(a, o.prefixA ?? ''), namesUnder(b, o.prefixB ?? '')];
  const names = new Set([...inA.keys()].filter((n) => selected(n) && inB.has(n)));
  const integer = (name: string): boolean => INTEGER_DTYPES.has(a.info(inA.get(name)!).dtype) || INTEGER_DTYPES.has(b.info(inB.get(name)!).dtype);
  const read = (name: string): [Values, Values] => [readValues(a, inA.get(name)!), readValues(b, inB.get(name)!)];
  const routingOf = (weights: string): string | undefined => {
    const indices = weights.replace(/\.weights$/, '.indices');
    return weights.endsWith('.weights') && names.has(indices) && integer(indices) ? indices : undefined;
  };
  const comparisons = [...names].map((name): Comparison => {
    const indices = routingOf(name);
    if (indices !== undefined) {
      const [[w, wantW], [i, wantI]] = [read(name), read(indices)];
      return compareGateWeights(name, w, i, wantW, wantI, o.tolerance);
    }
    const [got, want] = read(name);
    if (name.endsWith('.indices') && routingOf(name.replace(/\.indices$/, '.weights')) === name) return compareIndices(name, got, want);
    if (integer(name)) return { ...compareF32(name, got, want, { abs: 0, rel: 0 }), tolerance: 'exact' };
    return compareF32(name, got, want, o.tolerance);
  });
  const only = (from: Map<string, string>, other: Map<string, string>) => [...from.keys()].filter((n) => selected(n) && !other.has(n));
  return { comparisons, onlyInA: only(inA, inB), onlyInB: only(inB, inA) };
}
