// Turning generated JavaScript source into a function, with the scalar helpers (codec calls, casts) in scope.

import { SCALAR_HELPERS } from './scalar-js.js';

export type GeneratedKernel = (...args: unknown[]) => void;

const HELPER_NAMES = Object.keys(SCALAR_HELPERS).join(', ');

/** Compiles `function name(params) { body }`; the body may call any of SCALAR_HELPERS by name. */
export function compileKernel(name: string, params: readonly string[], body: string): GeneratedKernel {
  const source = `const { ${HELPER_NAMES} } = helpers;\nreturn function ${name}(${params.join(', ')}) {\n${body}\n};`;
  return new Function('helpers', source)(SCALAR_HELPERS) as GeneratedKernel;
}
