// The typed-function instance behind the public op API: overloads on Tensor / number / arrays, and a clear
// TypeError (expected vs actual type, argument index) when an op is called with the wrong arguments.

import typedFunction from 'typed-function';
import { Tensor } from './tensor.js';

export const typed = typedFunction.create();
typed.addTypes([{ name: 'Tensor', test: (x) => x instanceof Tensor }], 'Object');
