// What every WGSL kernel of this backend shares, whether rendered from kernel-IR expressions (render-wgsl.ts) or
// written as a library routine (library-*.ts): how buffers are bound, how elements of each dtype are loaded and
// stored (narrow dtypes packed in u32 words, transfers.ts), the helpers the spec's scalar semantics need, index
// checks, and the entry point that turns a linear invocation id into work.
//
// Bindings: each input slot, then each output, then the runtime parameters (a uniform struct) if any, then an
// error word if the kernel checks indices. Packed outputs are atomic words so that neighbouring lanes written by
// different invocations never race.

import { byteSize, formatNumber, type DType } from '../../ir/index.js';
import type { Kernel } from '../../compiler/kernel.js';
import { workgroupGrid, type WorkgroupGrid } from './dispatch.js';
import { packedLoad, packedStore, wgslNumerics, type WgslNumericsName } from './wgsl-numerics.js';

export interface WgslLaunchShape {
  /** Invocations per workgroup for map, reduce and library kernels. */
  readonly workgroupSize: number;
  /** Contraction outputs per invocation: rows × columns (columns a multiple of 4, computed as vec4s). */
  readonly tileRows: number;
  readonly tileCols: number;
  /** The device's maxComputeWorkgroupsPerDimension. */
  readonly maxWorkgroupsPerDimension: number;
}

export type BindingRole =
  | { readonly kind: 'input'; readonly slot: number }
  | { readonly kind: 'output'; readonly slot: number }
  | { readonly kind: 'params' }
  | { readonly kind: 'errors' };

/** What an index check guards: error code i + 1 in the error word means checks[i] failed. */
export interface IndexCheck {
  readonly what: string;
  readonly bound: number;
}

export interface RenderedKernel {
  readonly wgsl: string;
  readonly bindings: readonly BindingRole[];
  readonly grid: WorkgroupGrid;
  /** Runtime parameters in uniform-struct order. */
  readonly params: readonly string[];
  readonly checks: readonly IndexCheck[];
}

/** The body of a kernel: statements over the linear invocation `id`, run for id < count. */
export interface ShaderBody {
  readonly lines: readonly string[];
  readonly count: number;
  /** Module-scope functions the lines call. */
  readonly functions: readonly string[];
}

export const packedWidth = (d: DType): 8 | 16 | undefined => (d === 'f32' || d === 'i32' ? undefined : byteSize(d) === 2 ? 16 : 8);

/** WGSL helpers the spec's semantics need beyond builtins; emitted only when used, in this order. */
const HELPERS: Record<string, { readonly code: string; readonly uses: readonly string[] }> = {
  // WGSL lets a shader compiler assume no infinities or NaNs, and lavapipe's does: it folds x * 0.0 to 0 for an
  // infinite x. A value that can meet special values (zeros, infinities, NaN, subnormals) is therefore built at run
  // time from its bits and a zero the compiler cannot see (set by the entry point), so IEEE arithmetic decides.
  // (WGSL also rejects infinities and NaN in constant expressions outright.)
  opaque_f32: { uses: [], code: 'fn opaque_f32(bits: u32) -> f32 {\n  return bitcast<f32>(bits | opaque_zero);\n}' },
  // x unchanged, where the compiler cannot see which float operation made it (render-wgsl.ts, `rewritable`). An xor,
  // not opaque_f32's or: Mesa folds (v | z) | z to v | z, which would make x - x's two operands one value again.
  barrier_f32: { uses: ['opaque_f32'], code: 'fn barrier_f32(x: f32) -> f32 {\n  return bitcast<f32>(bitcast<u32>(x) ^ opaque_zero);\n}' },
  is_nan: { uses: [], code: 'fn is_nan(x: f32) -> bool {\n  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;\n}' },
  // max/min: NaN wins; +0 above -0 (WGSL's builtins leave both open).
  fmax: {
    uses: ['is_nan', 'opaque_f32'],
    code: 'fn fmax(a: f32, b: f32) -> f32 {\n  if (is_nan(a) || is_nan(b)) { return opaque_f32(0x7fc00000u); }\n  if (a == b) { return bitcast<f32>(bitcast<u32>(a) & bitcast<u32>(b)); }\n  return select(b, a, a > b);\n}',
  },
  fmin: {
    uses: ['is_nan', 'opaque_f32'],
    code: 'fn fmin(a: f32, b: f32) -> f32 {\n  if (is_nan(a) || is_nan(b)) { return opaque_f32(0x7fc00000u); }\n  if (a == b) { return bitcast<f32>(bitcast<u32>(a) | bitcast<u32>(b)); }\n  return select(b, a, a < b);\n}',
  },
  // Comparisons are false on NaN (ne: true) whatever the compiler assumes.
  any_nan: { uses: ['is_nan'], code: 'fn any_nan(a: f32, b: f32) -> bool {\n  return is_nan(a) || is_nan(b);\n}' },
  // Builtins of software devices may answer NaN operands with a number (SwiftShader: exp(NaN) = inf); a NaN operand
  // gives NaN, and sin/cos of an infinity too.
  nan_in_nan_out: { uses: ['is_nan'], code: 'fn nan_in_nan_out(x: f32, y: f32) -> f32 {\n  return select(y, x, is_nan(x));\n}' },
  finite_or_nan: {
    uses: ['opaque_f32'],
    code: 'fn finite_or_nan(x: f32, y: f32) -> f32 {\n  return select(y, opaque_f32(0x7fc00000u), (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u);\n}',
  },
  // float -> i32 / u8: truncate toward zero, saturate, NaN -> 0.
  f32_to_i32_sat: {
    uses: ['is_nan'],
    code: 'fn f32_to_i32_sat(x: f32) -> i32 {\n  if (is_nan(x)) { return 0i; }\n  if (x >= 2147483648.0f) { return 2147483647i; }\n  if (x <= -2147483648.0f) { return bitcast<i32>(0x80000000u); }\n  return i32(x);\n}',
  },
  f32_to_u8_sat: {
    uses: ['is_nan'],
    code: 'fn f32_to_u8_sat(x: f32) -> i32 {\n  if (is_nan(x) || x <= 0.0f) { return 0i; }\n  if (x >= 255.0f) { return 255i; }\n  return i32(x);\n}',
  },
  // i32 -> narrow float rounds once: to odd in f32 first (exact below 2^24), then to nearest even in the target.
  i32_to_f32_odd: {
    uses: [],
    code:
      'fn i32_to_f32_odd(x: i32) -> f32 {\n' +
      '  let sign = bitcast<u32>(x) & 0x80000000u;\n' +
      '  let m = select(bitcast<u32>(x), 0u - bitcast<u32>(x), x < 0i);\n' +
      '  if (m < 0x1000000u) { return f32(x); }\n' +
      '  let p = firstLeadingBit(m);\n' +
      '  let shift = p - 23u;\n' +
      '  let kept = (m >> shift) | select(0u, 1u, (m & ((1u << shift) - 1u)) != 0u);\n' +
      '  return bitcast<f32>(sign | ((p + 127u) << 23u) | (kept & 0x7fffffu));\n' +
      '}',
  },
  // An order-preserving key of an f32: larger values get larger keys, -0 = +0, every NaN the largest key.
  f32_order_key: {
    uses: [],
    code:
      'fn f32_order_key(x: f32) -> u32 {\n' +
      '  let bits = bitcast<u32>(x);\n' +
      '  let magnitude = bits & 0x7fffffffu;\n' +
      '  if (magnitude > 0x7f800000u) { return 0xffffffffu; }\n' +
      '  if (magnitude == 0u) { return 0x80000000u; }\n' +
      '  return select(bits | 0x80000000u, ~bits, (bits & 0x80000000u) != 0u);\n' +
      '}',
  },
};

const i32Literal = (v: number): string => (v === -(2 ** 31) ? 'bitcast<i32>(0x80000000u)' : v < 0 ? `(${v}i)` : `${v}i`);

const elementType = (d: DType): string => (d === 'f32' ? 'f32' : d === 'i32' ? 'i32' : 'u32');

/** Collects the WGSL helpers, numerics, packed accessors and index checks a kernel uses while it is written. */
export class ShaderUses {
  readonly helpers = new Set<string>();
  readonly numerics = new Set<WgslNumericsName>();
  readonly packedLoads = new Map<string, 8 | 16>();
  readonly packedStores = new Map<string, 8 | 16>();
  readonly checks: IndexCheck[] = [];

  helper(name: string): string {
    for (const dep of HELPERS[name]!.uses) this.helpers.add(dep);
    this.helpers.add(name);
    return name;
  }

  /** A u32 zero the shader compiler cannot see (the entry point sets it); added to a loop bound, it keeps the loop rolled. */
  opaqueZero(): string {
    this.helper('opaque_f32');
    return 'opaque_zero';
  }

  numeric(name: WgslNumericsName): string {
    this.numerics.add(name);
    return name;
  }

  /** A literal of compute type `type`. */
  literal(value: number, type: 'f32' | 'i32' | 'bool'): string {
    if (type === 'bool') return value ? 'true' : 'false';
    if (type === 'i32') return i32Literal(value);
    const bits = new Uint32Array(new Float32Array([value]).buffer)[0]!;
    const exponent = (bits >>> 23) & 0xff;
    if (exponent === 0xff || exponent === 0) return `${this.helper('opaque_f32')}(0x${bits.toString(16)}u)`;
    const text = formatNumber(value);
    const literal = /[.e]/.test(text) ? `${text}f` : `${text}.0f`;
    // Parenthesised so that negation never forms the token "--".
    return value < 0 ? `(${literal})` : literal;
  }

  /** x (an i32) if 0 <= x < bound; otherwise records the failure of `what` and reads element 0 instead. */
  check(x: string, bound: number, what: string): string {
    this.checks.push({ what, bound });
    return `check_index(${x}, ${bound}i, ${this.checks.length}u)`;
  }

  /** The f32 value of an f32 `v` rounded to narrow float dtype `to`. */
  roundTo(to: DType, v: string, mode: 'saturate' | 'torch'): string {
    switch (to) {
      case 'bf16':
        return `${this.numeric('bf16_to_f32')}(${this.numeric('f32_to_bf16')}(${v}))`;
      case 'f16':
        return `${this.numeric('f16_to_f32')}(${this.numeric('f32_to_f16')}(${v}))`;
      case 'f8e4m3fn':
        return `${this.numeric('e4m3fn_to_f32')}(${this.numeric(mode === 'torch' ? 'f32_to_e4m3fn_torch' : 'f32_to_e4m3fn_sat')}(${v}))`;
      case 'f8e5m2':
        return `${this.numeric('e5m2_to_f32')}(${this.numeric(mode === 'torch' ? 'f32_to_e5m2_torch' : 'f32_to_e5m2_sat')}(${v}))`;
      default:
        return v;
    }
  }

  /** The storage code (a u32) of element `index` (an i32) of input slot `slot`, whose dtype is packed. */
  loadCode(slot: number, dtype: DType, index: string): string {
    const name = `in${slot}`;
    const width = packedWidth(dtype);
    if (width === undefined) throw new Error(`webgpu: ${dtype} elements are not stored as codes`);
    this.packedLoads.set(name, width);
    return `load_u${width}_${name}(u32(${index}))`;
  }

  /** Element `index` (an i32) of input slot `slot`, decoded to its compute type (f32, i32 or bool). */
  load(slot: number, dtype: DType, index: string): string {
    if (packedWidth(dtype) === undefined) return `in${slot}[${index}]`;
    const code = this.loadCode(slot, dtype, index);
    switch (dtype) {
      case 'bf16':
        return `${this.numeric('bf16_to_f32')}(${code})`;
      case 'f16':
        return `${this.numeric('f16_to_f32')}(${code})`;
      case 'f8e4m3fn':
        return `${this.numeric('e4m3fn_to_f32')}(${code})`;
      case 'f8e5m2':
        return `${this.numeric('e5m2_to_f32')}(${code})`;
      case 'u8':
        return `i32(${code})`;
      default:
        return `(${code} != 0u)`;
    }
  }

  /** The storage code (a u32) of compute value `value` in packed `dtype`. */
  private code(dtype: DType, value: string): string {
    return dtype === 'bf16' ? `${this.numeric('f32_to_bf16')}(${value})`
      : dtype === 'f16' ? `${this.numeric('f32_to_f16')}(${value})`
      // Stored values are already rounded (or ±inf/NaN), which the non-saturating encoders keep.
      : dtype === 'f8e4m3fn' ? `${this.numeric('f32_to_e4m3fn_torch')}(${value})`
      : dtype === 'f8e5m2' ? `${this.numeric('f32_to_e5m2_torch')}(${value})`
      : dtype === 'u8' ? `u32(${value})`
      : `select(0u, 1u, ${value})`;
  }

  /** A statement writing compute value `value` as element `index` of output `output`, encoded exactly in `dtype`. */
  store(output: number, dtype: DType, index: string, value: string): string {
    if (packedWidth(dtype) === undefined) return `out${output}[${index}] = ${value};`;
    return this.storeCode(output, dtype, index, this.code(dtype, value));
  }

  /** The storage code of element `index` of input slot `slot`, of a float dtype, as an i32 (f32: its bits). */
  loadBits(slot: number, dtype: DType, index: string): string {
    return packedWidth(dtype) === undefined ? `bitcast<i32>(in${slot}[${index}])` : `i32(${this.loadCode(slot, dtype, index)})`;
  }

  /** The storage code of compute value `value` in float `dtype`, as an i32 (f32: its bits). */
  encode(dtype: DType, value: string): string {
    return packedWidth(dtype) === undefined ? `bitcast<i32>(${value})` : `i32(${this.code(dtype, value)})`;
  }

  /** A statement writing storage code `code` (an i32 of float `dtype`) unchanged as element `index` of output `output`. */
  storeBits(output: number, dtype: DType, index: string, code: string): string {
    if (packedWidth(dtype) === undefined) return `out${output}[${index}] = bitcast<f32>(${code});`;
    return this.storeCode(output, dtype, index, `u32(${code})`);
  }

  /** A statement writing storage code `code` (a u32) as element `index` of output `output`, whose dtype is packed. */
  storeCode(output: number, dtype: DType, index: string, code: string): string {
    const name = `out${output}`;
    const width = packedWidth(dtype);
    if (width === undefined) throw new Error(`webgpu: ${dtype} elements are not stored as codes`);
    this.packedStores.set(name, width);
    return `store_u${width}_${name}(u32(${index}), ${code});`;
  }
}

/** `let` lines splitting the linear id into loop variables over `shape` (axes of extent 1 are left out). */
export function unflattenLines(id: string, shape: readonly number[], names: readonly string[], indent: string): string[] {
  const lines: string[] = [];
  let stride = 1;
  for (let a = shape.length - 1; a >= 0; a--) {
    if (shape[a]! > 1) lines.push(`${indent}let ${names[a]} = i32((${id} / ${stride}u) % ${shape[a]}u);`);
    stride *= shape[a]!;
  }
  return lines;
}

/**
 * The pipeline cache key of a shader: all but its first line, which names the kernel, so that identical kernels of
 * different layers and graphs share one pipeline.
 */
export const pipelineKey = (wgsl: string): string => wgsl.slice(wgsl.indexOf('\n') + 1);

/**
 * The whole shader of kernel `k`: its bindings, the helpers `uses` collected, the body's functions and the entry
 * point, which runs `body.lines` for every linear invocation id below `body.count`.
 */
export function assembleShader(k: Kernel, uses: ShaderUses, body: ShaderBody, workgroupSize: number, shape: WgslLaunchShape, title: string): RenderedKernel {
  const bindings: BindingRole[] = [];
  const decls: string[] = [];
  k.inputs.forEach((b, slot) => {
    decls.push(`@group(0) @binding(${bindings.length}) var<storage, read> in${slot}: array<${elementType(b.dtype)}>;`);
    bindings.push({ kind: 'input', slot });
  });
  k.outputs.forEach((b, slot) => {
    const type = packedWidth(b.dtype) ? 'atomic<u32>' : elementType(b.dtype);
    decls.push(`@group(0) @binding(${bindings.length}) var<storage, read_write> out${slot}: array<${type}>;`);
    bindings.push({ kind: 'output', slot });
  });
  if (k.params.length) {
    decls.push(`struct Params {\n${k.params.map((p, i) => `  p${i}: i32, // ${p}\n`).join('')}}`);
    decls.push(`@group(0) @binding(${bindings.length}) var<uniform> params: Params;`);
    bindings.push({ kind: 'params' });
  }
  const helpers: string[] = [];
  const opaque = uses.helpers.has('opaque_f32');
  if (opaque) decls.push('var<private> opaque_zero: u32;');
  if (uses.checks.length) {
    decls.push(`@group(0) @binding(${bindings.length}) var<storage, read_write> errors: array<atomic<u32>>;`);
    bindings.push({ kind: 'errors' });
    // The highest failing check site is reported after the run; the read goes to element 0 meanwhile.
    helpers.push('fn check_index(x: i32, bound: i32, site: u32) -> i32 {\n  if (x < 0i || x >= bound) {\n    atomicMax(&errors[0], site);\n    return 0i;\n  }\n  return x;\n}');
  }
  for (const [name, h] of Object.entries(HELPERS)) if (uses.helpers.has(name)) helpers.push(h.code);
  for (const [name, width] of uses.packedLoads) helpers.push(packedLoad(name, width).trim());
  for (const [name, width] of uses.packedStores) helpers.push(packedStore(name, width).trim());
  const numerics = uses.numerics.size ? [wgslNumerics(uses.numerics).trim()] : [];

  const entry = [
    `@compute @workgroup_size(${workgroupSize})`,
    'fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {',
    `  let id = ((wid.z * nwg.y + wid.y) * nwg.x + wid.x) * ${workgroupSize}u + lid;`,
    // Every binding is used, so that the pipeline's derived layout has all of them (a kernel may not read an input).
    ...bindings.map((b) => `  _ = &${b.kind === 'input' ? `in${b.slot}` : b.kind === 'output' ? `out${b.slot}` : b.kind};`),
    // At least one workgroup runs, so this is 0; the compiler cannot know it.
    ...(opaque ? ['  opaque_zero = min(nwg.x, 1u) - 1u;'] : []),
    `  if (id >= ${body.count}u) { return; }`,
    ...body.lines,
    '}',
  ];
  const origin = k.origin.length ? ` (from ${k.origin.join('/')})` : '';
  const wgsl = [`// ${k.name}: ${title}${origin}`, ...decls, ...numerics, ...helpers, ...body.functions, entry.join('\n')].join('\n\n') + '\n';
  const workgroups = Math.ceil(body.count / workgroupSize);
  return { wgsl, bindings, grid: workgroupGrid(workgroups, shape.maxWorkgroupsPerDimension), params: k.params, checks: uses.checks };
}
