// Attribute schemas: each op declares its attributes by kind, so the builder, verifier and parser check them alike.

import { isDType, type DType } from './dtype.js';
import type { AttrValue, Attrs } from './graph.js';

export type AttrSpec =
  | { readonly kind: keyof KindTypes; readonly optional?: boolean }
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly optional?: boolean };

export type AttrSchema = Readonly<Record<string, AttrSpec>>;

/** The value type of each attribute kind but enum (whose type is the union of its values). */
interface KindTypes {
  int: number;
  float: number;
  bool: boolean;
  string: string;
  dtype: DType;
  ints: readonly number[];
  floats: readonly number[];
}

type ValueOf<A extends AttrSpec> = A extends { readonly values: readonly (infer V)[] } ? V : KindTypes[Exclude<A['kind'], 'enum'>];

type OptionalKeys<S extends AttrSchema> = { [K in keyof S]: S[K] extends { readonly optional: true } ? K : never }[keyof S];

/**
 * The attributes `schema` describes, as a type: int and float -> number, bool -> boolean, enum -> the union of its
 * values, and so on; `optional: true` makes the attribute optional. Schemas written `as const` (or inferred through
 * a `const` type parameter) keep their enum values, so the types follow from the schema and are never restated.
 */
export type AttrsOf<S extends AttrSchema> = Flatten<
  { readonly [K in Exclude<keyof S, OptionalKeys<S>>]: ValueOf<S[K]> } & { readonly [K in OptionalKeys<S>]?: ValueOf<S[K]> }
>;

type Flatten<T> = { [K in keyof T]: T[K] };

/** Formats a number so that it parses back to the same value (-0, nan and ±inf included). */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

export function formatAttrValue(v: AttrValue): string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  return `[${v.map(formatNumber).join(', ')}]`;
}

function matches(spec: AttrSpec, v: AttrValue): boolean {
  switch (spec.kind) {
    case 'int':
      return typeof v === 'number' && Number.isSafeInteger(v);
    case 'float':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'dtype':
      return isDType(v);
    case 'enum':
      return typeof v === 'string' && spec.values.includes(v);
    case 'ints':
      return Array.isArray(v) && v.every((x) => Number.isSafeInteger(x));
    case 'floats':
      return Array.isArray(v) && v.every((x) => typeof x === 'number');
  }
}

const describe = (spec: AttrSpec): string =>
  spec.kind === 'enum' ? `one of ${spec.values.map((s) => JSON.stringify(s)).join(', ')}` : `a value of kind ${spec.kind}`;

/** Whether `attrs` fit `schema`, and so have its attribute type. */
export const fitsSchema = <S extends AttrSchema>(schema: S, attrs: Attrs): attrs is Attrs & AttrsOf<S> => checkAttrs(schema, attrs) === undefined;

/** Returns the reason `attrs` do not fit `schema`, or undefined when they do. */
export function checkAttrs(schema: AttrSchema, attrs: Attrs): string | undefined {
  for (const key of Object.keys(attrs)) {
    if (!(key in schema)) {
      const known = Object.keys(schema);
      return `unknown attribute "${key}"; expected ${known.length ? known.map((k) => `"${k}"`).join(', ') : 'no attributes'}`;
    }
  }
  for (const [key, spec] of Object.entries(schema)) {
    const v = attrs[key];
    if (v === undefined) {
      if (!spec.optional) return `missing attribute "${key}" (${describe(spec)})`;
    } else if (!matches(spec, v)) {
      return `attribute "${key}" = ${formatAttrValue(v)} is not ${describe(spec)}`;
    }
  }
  return undefined;
}
