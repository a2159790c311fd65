// Renders a map, reduce or contraction kernel of the kernel IR as a WGSL compute shader: a pure function of the
// kernel and the launch shape, so it is testable without a device. Loop nests and hoisting come from the shared
// skeleton (compiler/nest-writer.ts); bindings, loads, stores and helpers from wgsl-shader.ts; this file only states
// WGSL's syntax for the scalar expressions and the loop structure of each kernel body.

import type { DType, ElementwiseOpName } from '../../ir/index.js';
import type { Expr } from '../../compiler/expr.js';
import type { Accumulator, ContractionBody, Kernel, MapBody, ReduceBody, Store } from '../../compiler/kernel.js';
import { accName, loops, loopVarName, NestWriter, type Syntax } from '../../compiler/nest-writer.js';
import { assembleShader, ShaderUses, unflattenLines, type RenderedKernel, type ShaderBody, type WgslLaunchShape } from './wgsl-shader.js';

export type { BindingRole, IndexCheck, RenderedKernel, WgslLaunchShape } from './wgsl-shader.js';

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Whether f32 value `e` is made by float operations that a shader compiler could rewrite together with an operation
 * using it. WGSL cannot mark arithmetic exact, and Mesa's NIR (lavapipe) applies inexact algebra to chains of float
 * operations (a + b - a to b, x*s + x*c to x*(s + c), x*c1*c2 to x*(c1*c2)). So such a value reaches every float
 * operation using it through barrier_f32, and no rule matches across the two. Loads and literals are made by no
 * operation (special literals are opaque already); casts to a narrow float build their result from bits.
 */
const rewritable = (e: Expr): boolean => e.type === 'f32' && e.kind !== 'load' && e.kind !== 'const' && !(e.kind === 'cast' && e.to !== 'f32');

/** Operand `x` (the name of `e`) as a float operation uses it. */
const operand = (uses: ShaderUses, e: Expr, x: string): string => (rewritable(e) ? `${uses.helper('barrier_f32')}(${x})` : x);

function castExpr(uses: ShaderUses, e: Expr & { kind: 'cast' }, x: string): string {
  const { to } = e;
  const source = e.args[0]!.type;
  if (to === 'bool') return source === 'f32' ? `((bitcast<u32>(${x}) & 0x7fffffffu) != 0u)` : source === 'bool' ? x : `(${x} != 0i)`;
  if (to === 'i32') return source === 'f32' ? `${uses.helper('f32_to_i32_sat')}(${operand(uses, e.args[0]!, x)})` : `i32(${x})`;
  if (to === 'u8') return source === 'f32' ? `${uses.helper('f32_to_u8_sat')}(${operand(uses, e.args[0]!, x)})` : source === 'bool' ? `i32(${x})` : `(${x} & 255i)`;
  if (source === 'f32') return to === 'f32' ? x : uses.roundTo(to, x, e.mode ?? 'saturate');
  if (source === 'bool') return uses.roundTo(to, `select(0.0f, 1.0f, ${x})`, 'saturate');
  // An i32 may need rounding: once, so a narrow target goes through round-to-odd in f32.
  return to === 'f32' ? `f32(${x})` : uses.roundTo(to, `${uses.helper('i32_to_f32_odd')}(${x})`, e.mode ?? 'saturate');
}

/** The WGSL of an elementwise op applied to its operands' names. */
type OpSyntax = (uses: ShaderUses, e: Expr, a: readonly string[]) => string;

const builtin: OpSyntax = (_, e, [x]) => `${e.kind}(${x})`;
/** A builtin guarded by a helper that gives the special values spec/ops.md asks for. */
const guarded = (helper: string): OpSyntax => (uses, e, [x]) => `${uses.helper(helper)}(${x}, ${e.kind}(${x}))`;
const extremum: OpSyntax = (uses, e, [x, y]) => (e.type === 'f32' ? `${uses.helper(e.kind === 'max' ? 'fmax' : 'fmin')}(${x}, ${y})` : `${e.kind}(${x}, ${y})`);
/** `self`: x - x and x / x are not 0 and 1 for infinities and NaN, so a shader compiler must not see one value twice. */
const infix = (op: string, self = false): OpSyntax => (uses, e, [x, y]) =>
  self && e.type === 'f32' && e.args[0] === e.args[1] ? `(${x} ${op} ${uses.helper('opaque_f32')}(bitcast<u32>(${y})))` : `(${x} ${op} ${y})`;

const comparison = (op: string): OpSyntax => (uses, e, [x, y]) => {
  const t = e.args[0]!.type;
  // WGSL orders no bools; floats answer NaN explicitly (ne: true, the others false).
  if (t === 'bool') return `(i32(${x}) ${op} i32(${y}))`;
  if (t === 'i32') return `(${x} ${op} ${y})`;
  const nan = `${uses.helper('any_nan')}(${x}, ${y})`;
  return e.kind === 'ne' ? `(${nan} || ${x} != ${y})` : `(!${nan} && ${x} ${op} ${y})`;
};

/** Each elementwise op's WGSL: one entry per op (a missing one is a type error). */
const OPS: Readonly<Record<string, OpSyntax>> = {
  neg: (_, __, [x]) => `(-${x})`,
  abs: builtin,
  exp: guarded('nan_in_nan_out'),
  exp2: guarded('nan_in_nan_out'),
  log: guarded('nan_in_nan_out'),
  log2: guarded('nan_in_nan_out'),
  sqrt: guarded('nan_in_nan_out'),
  recip: (_, __, [x]) => `(1.0f / ${x})`,
  sin: guarded('finite_or_nan'),
  cos: guarded('finite_or_nan'),
  floor: builtin,
  ceil: builtin,
  not: (_, __, [x]) => `(!${x})`,
  add: infix('+'),
  sub: infix('-', true),
  mul: infix('*'),
  div: infix('/', true),
  mod: infix('%'),
  max: extremum,
  min: extremum,
  lt: comparison('<'),
  le: comparison('<='),
  eq: comparison('=='),
  ne: comparison('!='),
  and: infix('&'),
  or: infix('|'),
} satisfies Record<ElementwiseOpName, OpSyntax>;

function scalarExpr(uses: ShaderUses, e: Expr, a: readonly string[]): string {
  const [x, y, z] = a;
  switch (e.kind) {
    case 'load':
      return e.bits ? uses.loadBits(e.input, e.dtype, x!) : uses.load(e.input, e.dtype, x!);
    case 'encode':
      return uses.encode(e.dtype, x!);
    case 'checked':
      return uses.check(x!, e.bound, e.what);
    case 'cast':
      return castExpr(uses, e, x!);
    case 'where':
      return `select(${z}, ${y}, ${x})`;
    default: {
      const op = OPS[e.kind];
      if (!op) throw new Error(`render-wgsl: no WGSL for ${e.kind}`);
      return op(uses, e, a.map((x, i) => operand(uses, e.args[i]!, x)));
    }
  }
}

function syntax(uses: ShaderUses, paramField: (name: string) => string): Syntax {
  return {
    expr: (e, a) => scalarExpr(uses, e, a),
    literal: (e) => uses.literal(e.value, e.type),
    declare: (name, value, e) => `let ${name}: ${e.type} = ${value};`,
    loop: (v, extent) => `for (var ${v}: i32 = 0i; ${v} < ${extent}i; ${v}++) {`,
    param: (name) => `params.${paramField(name)}`,
  };
}

/** The empty reduction: 0, or the identity of max/min (-inf/+inf, the i32 extremes). */
const accInit = (a: Accumulator, uses: ShaderUses): string =>
  a.op === 'sum' ? uses.literal(0, a.type)
  : a.type === 'f32' ? uses.literal(a.op === 'max' ? -Infinity : Infinity, 'f32')
  : uses.literal(a.op === 'max' ? -(2 ** 31) : 2 ** 31 - 1, 'i32');

const accStep = (a: Accumulator, s: string, x: string, uses: ShaderUses): string =>
  a.op === 'sum' ? `${s} + ${x}` : a.type === 'f32' ? `${uses.helper(a.op === 'max' ? 'fmax' : 'fmin')}(${s}, ${x})` : `${a.op}(${s}, ${x})`;

function storeLines(w: NestWriter, uses: ShaderUses, stores: readonly Store[], dtypes: readonly DType[]): void {
  w.declare(stores.flatMap((s) => [s.index, s.value]));
  for (const s of stores) {
    const [dtype, index, value] = [dtypes[s.output]!, w.name(s.index), w.name(s.value)];
    w.line(s.bits ? uses.storeBits(s.output, dtype, index, value) : uses.store(s.output, dtype, index, value));
  }
}

function mapBody(k: Kernel, b: MapBody, uses: ShaderUses, sx: Syntax): ShaderBody {
  const w = new NestWriter(sx, '  ', b.shape.map((_, i) => `idx${i}`));
  storeLines(w, uses, b.stores, k.outputs.map((o) => o.dtype));
  return { lines: [...unflattenLines('id', b.shape, b.shape.map((_, i) => loopVarName(`idx${i}`)), '  '), ...w.lines], count: numel(b.shape), functions: [] };
}

function reduceBody(k: Kernel, b: ReduceBody, uses: ShaderUses, sx: Syntax): ShaderBody {
  const w = new NestWriter(sx, '  ', b.shape.map((_, i) => `idx${i}`));
  const dtypes = k.outputs.map((o) => o.dtype);
  b.accumulators.forEach((acc, j) => {
    w.declare([acc.value]);
    w.line(`var s${j}: ${acc.type} = ${accInit(acc, uses)};`);
    w.nest(loops('ridx', b.rshape), [acc.value], () => w.line(`s${j} = ${accStep(acc, `s${j}`, operand(uses, acc.value, w.name(acc.value)), uses)};`));
    w.line(`let ${accName(j)} = s${j};`);
    w.definedAcc(j);
  });
  storeLines(w, uses, b.stores, dtypes);
  if (b.rowStores.length) {
    const roots = b.rowStores.flatMap((s) => [s.index, s.value]);
    w.declare(roots);
    w.nest(loops('ridx', b.rshape), roots, () => storeLines(w, uses, b.rowStores, dtypes));
  }
  return { lines: [...unflattenLines('id', b.shape, b.shape.map((_, i) => loopVarName(`idx${i}`)), '  '), ...w.lines], count: numel(b.shape), functions: [] };
}

/** A WGSL function of the given loop variables (and accumulator a0) returning `value` or running `stores`. */
function exprFunction(name: string, vars: readonly string[], uses: ShaderUses, sx: Syntax, value: Expr): string {
  const w = new NestWriter(sx, '  ', vars);
  w.declare([value]);
  const params = vars.map((v) => `${loopVarName(v)}: i32`).join(', ');
  return `fn ${name}(${params}) -> f32 {\n${w.lines.join('\n')}${w.lines.length ? '\n' : ''}  return ${operand(uses, value, w.name(value))};\n}`;
}

function contractionBody(k: Kernel, b: ContractionBody, uses: ShaderUses, sx: Syntax, shape: WgslLaunchShape): ShaderBody {
  const nb = b.batch.length;
  const [TM, TN] = [shape.tileRows, shape.tileCols];
  const batchVars = b.batch.map((_, i) => `idx${i}`);
  const [mVar, nVar] = [`idx${nb}`, `idx${nb + 1}`];
  const functions = [exprFunction('load_a', [...batchVars, mVar, 'ridx0'], uses, sx, b.a), exprFunction('load_b', [...batchVars, nVar, 'ridx0'], uses, sx, b.b)];
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
  for (let r = 0; r < TM; r++) for (let q = 0; q < vecs; q++) lines.push(`  var c${r}_${q} = vec4<f32>(${uses.literal(0, 'f32')});`);
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
  const uses = new ShaderUses();
  const fieldOf = new Map(k.params.map((p, i) => [p, `p${i}`]));
  const sx = syntax(uses, (name) => fieldOf.get(name)!);
  const body = k.body;
  if (body.kind === 'library') throw new Error(`render-wgsl: library kernel ${k.name} is not rendered from expressions`);
  const rendered =
    body.kind === 'map' ? mapBody(k, body, uses, sx)
    : body.kind === 'reduce' ? reduceBody(k, body, uses, sx)
    : contractionBody(k, body, uses, sx, shape);
  return assembleShader(k, uses, rendered, shape.workgroupSize, shape, `${body.kind} kernel`);
}
