// Attribute schemas: each op declares its attributes by kind, so the builder, verifier and parser check them alike.

import { isDType } from './dtype.js';
import type { AttrValue, Attrs } from './graph.js';

export type AttrSpec =
  | { readonly kind: 'int' | 'float' | 'bool' | 'string' | 'dtype' | 'ints' | 'floats'; readonly optional?: boolean }
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly optional?: boolean };

export type AttrSchema = Readonly<Record<string, AttrSpec>>;

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
