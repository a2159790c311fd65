// Errors raised while building or checking graphs. Messages name the op, its operands and what was expected.

export class IRError extends Error {
  override name = 'IRError';
}

/** Thrown by an op's type rule with just the reason; the builder adds the op and its operands to the message. */
export class TypeRuleError extends Error {
  override name = 'TypeRuleError';
}

export function fail(reason: string): never {
  throw new TypeRuleError(reason);
}
