// Renders a map, reduce or contraction kernel of the kernel IR as a WGSL compute shader: a pure function of the
// kernel and the launch shape, so it is testable without a device. Loop nests and hoisting come from the shared
// skeleton (compiler/nest-writer.ts); this file only states WGSL's syntax and the spec's scalar semantics in it.
//
// Bindings: each input slot, then each output, then the runtime parameters (a uniform struct) if any, then an
// error word if the kernel checks indices. Narrow dtypes are packed in u32 words (transfers.ts); packed outputs
// are atomic words so that neighbouring lanes written by different invocations never race.

import { byteSize, formatNumber, type DType } from '../../ir/index.js';
import type { Expr } from '../../compiler/expr.js';
import type { Accumulator, ContractionBody, Kernel, MapBody, ReduceBody, Store } from '../../compiler/kernel.js';
import { accName, loops, loopVarName, NestWriter, type Syntax } from '../../compiler/nest-writer.js';
import { workgroupGrid, type WorkgroupGrid } from './dispatch.js';
import { packedLoad, packedStore, wgslNumerics, type WgslNumericsName } from './wgsl-numerics.js';

export interface WgslLaunchShape {
  /** Invocations per workgroup for map and reduce kernels. */
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

export interface RenderedKernel {
  readonly wgsl: string;
  readonly bindings: readonly BindingRole[];
  readonly grid: WorkgroupGrid;
  /** Runtime parameters in uniform-struct order. */
  readonly params: readonly string[];
  /** What each checked index read guards: error code i + 1 in the error word means checks[i] failed. */
  readonly checks: readonly string[];
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const packedWidth = (d: DType): 8 | 16 | undefined => (d === 'f32' || d === 'i32' ? undefined : byteSize(d) === 2 ? 16 : 8);
const wgslType = (e: Expr): string => e.type;

/** WGSL helpers the spec's semantics need beyond builtins; emitted only when used. */
const HELPERS: Record<string, string> = {
  is_nan: 'fn is_nan(x: f32) -> bool {\n  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;\n}',
  // max/min: NaN wins; +0 above -0 (WGSL's builtins leave both open).
  fmax: 'fn fmax(a: f32, b: f32) -> f32 {\n  if (is_nan(a) || is_nan(b)) { return bitcast<f32>(0x7fc00000u); }\n  if (a == b) { return bitcast<f32>(bitcast<u32>(a) & bitcast<u32>(b)); }\n  return select(b, a, a > b);\n}',
  fmin: 'fn fmin(a: f32, b: f32) -> f32 {\n  if (is_nan(a) || is_nan(b)) { return bitcast<f32>(0x7fc00000u); }\n  if (a == b) { return bitcast<f32>(bitcast<u32>(a) | bitcast<u32>(b)); }\n  return select(b, a, a < b);\n}',
  // float -> i32 / u8: truncate toward zero, saturate, NaN -> 0.
  f32_to_i32_sat: 'fn f32_to_i32_sat(x: f32) -> i32 {\n  if (is_nan(x)) { return 0i; }\n  if (x >= 2147483648.0f) { return 2147483647i; }\n  if (x <= -2147483648.0f) { return bitcast<i32>(0x80000000u); }\n  return i32(x);\n}',
  f32_to_u8_sat: 'fn f32_to_u8_sat(x: f32) -> i32 {\n  if (is_nan(x) || x <= 0.0f) { return 0i; }\n  if (x >= 255.0f) { return 255i; }\n  return i32(x);\n}',
};
const HELPER_DEPS: Record<string, readonly string[]> = { fmax: ['is_nan'], fmin: ['is_nan'], f32_to_i32_sat: ['is_nan'], f32_to_u8_sat: ['is_nan'] };

function f32Literal(x: number): string {
  const bits = new Uint32Array(new Float32Array([x]).buffer)[0]!;
  const exponent = (bits >>> 23) & 0xff;
  // Specials, -0 and subnormals are written as bits: WGSL has no inf/NaN literals and may flush subnormal ones.
  if (exponent === 0 || exponent === 0xff) return bits === 0 ? '0.0f' : `bitcast<f32>(0x${bits.toString(16)}u)`;
  const text = formatNumber(x);
  return /[.e]/.test(text) ? `${text}f` : `${text}.0f`;
}

const i32Literal = (v: number): string => (v === -(2 ** 31) ? 'bitcast<i32>(0x80000000u)' : `${v}i`);

/** Collects the WGSL helpers and numerics a kernel uses while rendering it. */
class Uses {
  readonly helpers = new Set<string>();
  readonly numerics = new Set<WgslNumericsName>();
  readonly packedLoads = new Map<string, 8 | 16>();
  readonly packedStores = new Map<string, 8 | 16>();
  readonly checks: string[] = [];

  helper(name: string): string {
    for (const dep of HELPER_DEPS[name] ?? []) this.helpers.add(dep);
    this.helpers.add(name);
    return name;
  }
  numeric(name: WgslNumericsName): string {
    this.numerics.add(name);
    return name;
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

  load(slot: number, dtype: DType, index: string): string {
    const name = `in${slot}`;
    const width = packedWidth(dtype);
    if (width === undefined) return `${name}[${index}]`;
    this.packedLoads.set(name, width);
    const code = `load_u${width}_${name}(u32(${index}))`;
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

  store(output: number, dtype: DType, index: string, value: string): string {
    const name = `out${output}`;
    const width = packedWidth(dtype);
    if (width === undefined) return `${name}[${index}] = ${value};`;
    this.packedStores.set(name, width);
    const code =
      dtype === 'bf16' ? `${this.numeric('f32_to_bf16')}(${value})`
      : dtype === 'f16' ? `${this.numeric('f32_to_f16')}(${value})`
      // Stored values are already rounded (or ±inf/NaN), which the non-saturating encoders keep.
      : dtype === 'f8e4m3fn' ? `${this.numeric('f32_to_e4m3fn_torch')}(${value})`
      : dtype === 'f8e5m2' ? `${this.numeric('f32_to_e5m2_torch')}(${value})`
      : dtype === 'u8' ? `u32(${value})`
      : `select(0u, 1u, ${value})`;
    return `store_u${width}_${name}(u32(${index}), ${code});`;
  }

  cast(e: Expr & { kind: 'cast' }, x: string): string {
    const { to } = e;
    const source = e.args[0]!.type;
    if (to === 'bool') return source === 'f32' ? `((bitcast<u32>(${x}) & 0x7fffffffu) != 0u)` : source === 'bool' ? x : `(${x} != 0i)`;
    if (to === 'i32') return source === 'f32' ? `${this.helper('f32_to_i32_sat')}(${x})` : `i32(${x})`;
    if (to === 'u8') return source === 'f32' ? `${this.helper('f32_to_u8_sat')}(${x})` : source === 'bool' ? `i32(${x})` : `(${x} & 255i)`;
    const value = source === 'f32' ? x : source === 'bool' ? `select(0.0f, 1.0f, ${x})` : `f32(${x})`;
    return to === 'f32' ? value : this.roundTo(to, value, e.mode ?? 'saturate');
  }

  expr(e: Expr, a: readonly string[]): string {
    const [x, y, z] = a;
    switch (e.kind) {
      case 'load':
        return this.load(e.input, e.dtype, x!);
      case 'checked':
        this.checks.push(e.what);
        this.helpers.add('check_index');
        return `check_index(${x}, ${e.bound}i, ${this.checks.length}u)`;
      case 'cast':
        return this.cast(e, x!);
      case 'where':
        return `select(${z}, ${y}, ${x})`;
      case 'neg':
        return `(-${x})`;
      case 'abs':
      case 'exp':
      case 'exp2':
      case 'log':
      case 'log2':
      case 'sqrt':
      case 'sin':
      case 'cos':
      case 'floor':
      case 'ceil':
        return `${e.kind}(${x})`;
      case 'recip':
        return `(1.0f / ${x})`;
      case 'not':
        return `(!${x})`;
      case 'max':
      case 'min':
        return e.type === 'f32' ? `${this.helper(e.kind === 'max' ? 'fmax' : 'fmin')}(${x}, ${y})` : `${e.kind}(${x}, ${y})`;
      default: {
        const op = { add: '+', sub: '-', mul: '*', div: '/', mod: '%', lt: '<', le: '<=', eq: '==', ne: '!=', and: '&', or: '|' }[e.kind as string];
        if (!op) throw new Error(`render-wgsl: no WGSL for ${e.kind}`);
        return `(${x} ${op} ${y})`;
      }
    }
  }
}

const literal = (e: Expr & { kind: 'const' }): string => (e.type === 'f32' ? f32Literal(e.value) : e.type === 'bool' ? (e.value ? 'true' : 'false') : i32Literal(e.value));

function syntax(uses: Uses, paramField: (name: string) => string): Syntax {
  return {
    expr: (e, a) => uses.expr(e, a),
    literal,
    declare: (name, value, e) => `let ${name}: ${wgslType(e)} = ${value};`,
    loop: (v, extent) => `for (var ${v}: i32 = 0i; ${v} < ${extent}i; ${v}++) {`,
    param: (name) => `params.${paramField(name)}`,
  };
}

const accInit = (a: Accumulator): string =>
  a.op === 'sum' ? (a.type === 'f32' ? '0.0f' : '0i')
  : a.op === 'max' ? (a.type === 'f32' ? 'bitcast<f32>(0xff800000u)' : 'bitcast<i32>(0x80000000u)')
  : a.type === 'f32' ? 'bitcast<f32>(0x7f800000u)' : '2147483647i';

const accStep = (a: Accumulator, s: string, x: string, uses: Uses): string =>
  a.op === 'sum' ? `${s} + ${x}` : a.type === 'f32' ? `${uses.helper(a.op === 'max' ? 'fmax' : 'fmin')}(${s}, ${x})` : `${a.op}(${s}, ${x})`;

/** `let` lines splitting the linear id into loop variables over `shape` (axes of extent 1 are constant 0). */
function unflattenLines(id: string, shape: readonly number[], names: readonly string[], indent: string): string[] {
  const lines: string[] = [];
  let stride = 1;
  for (let a = shape.length - 1; a >= 0; a--) {
    if (shape[a]! > 1) lines.push(`${indent}let ${names[a]} = i32((${id} / ${stride}u) % ${shape[a]}u);`);
    stride *= shape[a]!;
  }
  return lines;
}

function storeLines(w: NestWriter, uses: Uses, stores: readonly Store[], dtypes: readonly DType[]): void {
  w.declare(stores.flatMap((s) => [s.index, s.value]));
  for (const s of stores) w.line(uses.store(s.output, dtypes[s.output]!, w.name(s.index), w.name(s.value)));
}

function mapBody(k: Kernel, b: MapBody, uses: Uses, sx: Syntax): { lines: string[]; count: number } {
  const w = new NestWriter(sx, '  ', b.shape.map((_, i) => `idx${i}`));
  storeLines(w, uses, b.stores, k.outputs.map((o) => o.dtype));
  return { lines: [...unflattenLines('id', b.shape, b.shape.map((_, i) => loopVarName(`idx${i}`)), '  '), ...w.lines], count: numel(b.shape) };
}

function reduceBody(k: Kernel, b: ReduceBody, uses: Uses, sx: Syntax): { lines: string[]; count: number } {
  const w = new NestWriter(sx, '  ', b.shape.map((_, i) => `idx${i}`));
  const dtypes = k.outputs.map((o) => o.dtype);
  b.accumulators.forEach((acc, j) => {
    w.declare([acc.value]);
    w.line(`var s${j}: ${acc.type} = ${accInit(acc)};`);
    w.nest(loops('ridx', b.rshape), [acc.value], () => w.line(`s${j} = ${accStep(acc, `s${j}`, w.name(acc.value), uses)};`));
    w.line(`let ${accName(j)} = s${j};`);
    w.definedAcc(j);
  });
  storeLines(w, uses, b.stores, dtypes);
  if (b.rowStores.length) {
    const roots = b.rowStores.flatMap((s) => [s.index, s.value]);
    w.declare(roots);
    w.nest(loops('ridx', b.rshape), roots, () => storeLines(w, uses, b.rowStores, dtypes));
  }
  return { lines: [...unflattenLines('id', b.shape, b.shape.map((_, i) => loopVarName(`idx${i}`)), '  '), ...w.lines], count: numel(b.shape) };
}

/** A WGSL function of the given loop variables (and accumulator a0) returning `value` or running `stores`. */
function exprFunction(name: string, vars: readonly string[], sx: Syntax, value: Expr): string {
  const w = new NestWriter(sx, '  ', vars);
  w.declare([value]);
  const params = vars.map((v) => `${loopVarName(v)}: i32`).join(', ');
  return `fn ${name}(${params}) -> f32 {\n${w.lines.join('\n')}${w.lines.length ? '\n' : ''}  return ${w.name(value)};\n}`;
}

function contractionBody(k: Kernel, b: ContractionBody, uses: Uses, sx: Syntax, shape: WgslLaunchShape): { lines: string[]; count: number; functions: string[] } {
  const nb = b.batch.length;
  const [TM, TN] = [shape.tileRows, shape.tileCols];
  const batchVars = b.batch.map((_, i) => `idx${i}`);
  const [mVar, nVar] = [`idx${nb}`, `idx${nb + 1}`];
  const functions = [exprFunction('load_a', [...batchVars, mVar, 'ridx0'], sx, b.a), exprFunction('load_b', [...batchVars, nVar, 'ridx0'], sx, b.b)];
  const ew = new NestWriter(sx, '  ', [...batchVars, mVar, nVar]);
  ew.definedAcc(0);
  storeLines(ew, uses, b.stores, k.outputs.map((o) => o.dtype));
  const allVars = [...batchVars, mVar, nVar].map((v) => `${loopVarName(v)}: i32`);
  functions.push(`fn epilogue(${[...allVars, `${accName(0)}: f32`].join(', ')}) {\n${ew.lines.join('\n')}\n}`);

  const [mTiles, nTiles] = [Math.ceil(b.m / TM), Math.ceil(b.n / TN)];
  const batchNames = batchVars.map(loopVarName);
  const batchArgs = batchNames.map((v) => `${v}, `).join('');
  const vecs = TN / 4;
  const lines = [
    `  let n_tile = i32(id % ${nTiles}u);`,
    `  let m_tile = i32((id / ${nTiles}u) % ${mTiles}u);`,
    ...unflattenLines(`(id / ${nTiles * mTiles}u)`, b.batch, batchNames, '  '),
    ...batchNames.filter((_, i) => b.batch[i] === 1).map((v) => `  let ${v} = 0i;`),
    `  let m0 = m_tile * ${TM}i;`,
    `  let n0 = n_tile * ${TN}i;`,
  ];
  for (let r = 0; r < TM; r++) for (let q = 0; q < vecs; q++) lines.push(`  var c${r}_${q} = vec4<f32>(0.0f);`);
  lines.push(`  for (var k: i32 = 0i; k < ${b.k}i; k++) {`);
  // Rows and columns past the edge read a valid element (clamped); their results are never stored.
  for (let r = 0; r < TM; r++) lines.push(`    let a${r} = load_a(${batchArgs}min(m0 + ${r}i, ${b.m - 1}i), k);`);
  for (let q = 0; q < vecs; q++) {
    const cols = [0, 1, 2, 3].map((c) => `load_b(${batchArgs}min(n0 + ${4 * q + c}i, ${b.n - 1}i), k)`);
    lines.push(`    let b${q} = vec4<f32>(${cols.join(', ')});`);
  }
  for (let r = 0; r < TM; r++) for (let q = 0; q < vecs; q++) lines.push(`    c${r}_${q} = c${r}_${q} + a${r} * b${q};`);
  lines.push('  }');
  for (let r = 0; r < TM; r++) {
    for (let c = 0; c < TN; c++) {
      const [m, n] = [`m0 + ${r}i`, `n0 + ${c}i`];
      lines.push(`  if (${m} < ${b.m}i && ${n} < ${b.n}i) { epilogue(${batchArgs}${m}, ${n}, c${r}_${c >> 2}[${c & 3}]); }`);
    }
  }
  return { lines, count: numel(b.batch) * mTiles * nTiles, functions };
}

/** Renders `k` (a map, reduce or contraction kernel) as WGSL. */
export function renderWgsl(k: Kernel, shape: WgslLaunchShape): RenderedKernel {
  const uses = new Uses();
  const fieldOf = new Map(k.params.map((p, i) => [p, `p${i}`]));
  const sx = syntax(uses, (name) => fieldOf.get(name)!);
  const body = k.body;
  if (body.kind === 'library') throw new Error(`render-wgsl: library kernel ${k.name} is not rendered from expressions`);
  const perInvocation = body.kind === 'contraction' ? 1 : shape.workgroupSize;
  const rendered =
    body.kind === 'map' ? { ...mapBody(k, body, uses, sx), functions: [] as string[] }
    : body.kind === 'reduce' ? { ...reduceBody(k, body, uses, sx), functions: [] as string[] }
    : contractionBody(k, body, uses, sx, shape);
  const workgroupSize = body.kind === 'contraction' ? Math.min(shape.workgroupSize, 64) : perInvocation;
  const workgroups = Math.ceil(rendered.count / workgroupSize);

  const bindings: BindingRole[] = [];
  const decls: string[] = [];
  const elementType = (d: DType) => (d === 'f32' ? 'f32' : d === 'i32' ? 'i32' : 'u32');
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
    decls.push(`struct Params {\n${k.params.map((p) => `  ${fieldOf.get(p)}: i32, // ${p}\n`).join('')}}`);
    decls.push(`@group(0) @binding(${bindings.length}) var<uniform> params: Params;`);
    bindings.push({ kind: 'params' });
  }
  const helpers: string[] = [];
  if (uses.checks.length) {
    decls.push(`@group(0) @binding(${bindings.length}) var<storage, read_write> errors: array<atomic<u32>>;`);
    bindings.push({ kind: 'errors' });
    // The first failing check (by site number) is reported after the run; the read returns a valid index.
    helpers.push('fn check_index(x: i32, bound: i32, site: u32) -> i32 {\n  if (x < 0i || x >= bound) {\n    atomicMax(&errors[0], site);\n    return 0i;\n  }\n  return x;\n}');
  }
  for (const h of HELPERS_ORDER) if (uses.helpers.has(h)) helpers.push(HELPERS[h]!);
  for (const [name, width] of uses.packedLoads) helpers.push(packedLoad(name, width).trim());
  for (const [name, width] of uses.packedStores) helpers.push(packedStore(name, width).trim());
  const numerics = uses.numerics.size ? [wgslNumerics(uses.numerics).trim()] : [];

  const entry = [
    `@compute @workgroup_size(${workgroupSize})`,
    'fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {',
    `  let id = ((wid.z * nwg.y + wid.y) * nwg.x + wid.x) * ${workgroupSize}u + lid;`,
    `  if (id >= ${rendered.count}u) { return; }`,
    ...rendered.lines,
    '}',
  ];
  const origin = k.origin.length ? ` (from ${k.origin.join('/')})` : '';
  const wgsl = [`// ${k.name}: ${body.kind} kernel${origin}`, ...decls, ...numerics, ...helpers, ...rendered.functions, entry.join('\n')].join('\n\n') + '\n';
  return { wgsl, bindings, grid: workgroupGrid(workgroups, shape.maxWorkgroupsPerDimension), params: k.params, checks: uses.checks };
}

const HELPERS_ORDER = ['is_nan', 'fmax', 'fmin', 'f32_to_i32_sat', 'f32_to_u8_sat'];
