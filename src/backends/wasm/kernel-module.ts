// One kernel as one WebAssembly module: its function `kernel(in..., out..., params...)`, the imported helpers and
// the small functions of its own it calls (integer division and the float -> u8 cast, which need branches).

import type { Kernel } from '../../compiler/kernel.js';
import { importDeclarations } from './imports.js';
import { NARROW_FLOAT_FUNCTIONS } from './narrow-floats.js';
import { KernelScope, WasmWriter } from './render-wasm.js';
import type { WasmFunction, WasmModule } from './wasm-module.js';

const i32 = (name: string) => ({ name, type: 'i32' as const });

/** Functions a kernel may call, defined in its module: the CPU's i32 division (x / 0 = x, wrapping) and float -> u8. */
const INTERNAL: Readonly<Record<string, WasmFunction>> = {
  div_i32: {
    name: 'div_i32',
    exported: false,
    params: [i32('a'), i32('b')],
    results: ['i32'],
    locals: [],
    body: [
      'local.get $b i32.eqz if local.get $a return end',
      'local.get $b i32.const -1 i32.eq if i32.const 0 local.get $a i32.sub return end',
      'local.get $a local.get $b i32.div_s',
    ].join('\n'),
  },
  rem_i32: {
    name: 'rem_i32',
    exported: false,
    params: [i32('a'), i32('b')],
    results: ['i32'],
    locals: [],
    body: 'local.get $b i32.eqz if i32.const 0 return end\nlocal.get $a local.get $b i32.rem_s',
  },
  // Truncate toward zero, saturate to 0..255, NaN -> 0.
  u8_of_f32: {
    name: 'u8_of_f32',
    exported: false,
    params: [{ name: 'x', type: 'f32' }],
    results: ['i32'],
    locals: [i32('t')],
    body: [
      'local.get $x i32.trunc_sat_f32_s local.set $t',
      'local.get $t i32.const 0 i32.lt_s if i32.const 0 return end',
      'local.get $t i32.const 255 i32.gt_s if i32.const 255 return end',
      'local.get $t',
    ].join('\n'),
  },
};

/** The module of an exported function `main`: the imports and internal functions its body calls, in order of first call. */
export function moduleOf(rendered: RenderedKernel, sharedMemory: boolean): { module: WasmModule; imports: string[] } {
  const { main } = rendered;
  const own = new Map([...Object.values(INTERNAL), ...NARROW_FLOAT_FUNCTIONS].map((f) => [f.name, f]));
  const called = [...new Set([...main.body.matchAll(/call \$(\w+)/g)].map((m) => m[1]!))];
  const internal = called.filter((name) => own.has(name)).map((name) => own.get(name)!);
  const imports = called.filter((name) => !own.has(name));
  return { module: { imports: importDeclarations(imports), functions: [main, ...internal], sharedMemory }, imports };
}

/** The rendered kernel function: its WAT body and what it needs. */
export interface RenderedKernel {
  readonly main: WasmFunction;
  /** The `what` texts of its index checks, by the index the out-of-range import receives. */
  readonly what: readonly string[];
}

/** Renders kernel `k`'s function from a writer filled by `fill`; `extraParams` (i32) follow the kernel's own. */
export function renderFunction(k: Kernel, fill: (w: WasmWriter) => void, extraParams: readonly string[] = []): RenderedKernel {
  const scope = new KernelScope(k, extraParams);
  const w = new WasmWriter(scope);
  fill(w);
  const params = scope.params();
  const main: WasmFunction = {
    name: 'kernel',
    exported: true,
    params,
    results: [],
    locals: [...scope.locals].map(([name, type]) => ({ name, type })),
    body: w.lines.join('\n'),
  };
  return { main, what: scope.what };
}
