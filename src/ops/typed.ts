// The typed-function instance behind the public op API: overloads on Tensor / number / arrays, and a clear
// TypeError (expected vs actual type, argument index) when an op is called with the wrong arguments.

import typedFunction from 'typed-function';
import { Tensor } from './tensor.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Implementation = (...args: any[]) => unknown;

/**
 * The intersection of the implementations' types. The function typed() returns dispatches to the implementation
 * whose signature matches, so TypeScript checks each call against the implementations as overloads, and the
 * public types cannot drift from them.
 */
export type Overloads<S extends Record<string, Implementation>> = (S[keyof S] extends infer F ? (F extends unknown ? (f: F) => void : never) : never) extends (
  f: infer I,
) => void
  ? I
  : never;

const instance = typedFunction.create();
instance.addTypes([{ name: 'Tensor', test: (x) => x instanceof Tensor }], 'Object');

/** An op named `name` from its implementations by typed-function signature ('Tensor, number', ...). */
export const typed = <S extends Record<string, Implementation>>(name: string, signatures: S): Overloads<S> => instance(name, signatures) as Overloads<S>;
