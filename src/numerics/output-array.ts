// The destination of a bulk conversion: the caller's array when given (it must match the source length), else a new one.

interface TypedArrayOf<T> {
  new (n: number): T;
  readonly name: string;
}

export function outputArray<T extends { readonly length: number }>(
  out: T | undefined,
  n: number,
  type: TypedArrayOf<T>,
  what: string,
): T {
  if (out === undefined) return new type(n);
  if (out.length !== n) throw new RangeError(`${what}: output ${type.name} has length ${out.length}; expected ${n} (the source length)`);
  return out;
}
