// The kernel-IR verifier: checks that a compiled program keeps the invariants of spec/kernel-ir.md, as the graph
// verifier (src/ir/verify.ts) checks every graph pass. compile() runs it on the program after lowering and memory
// planning. It visits each distinct expression of a kernel once, so its cost grows linearly with the program.

import { DTYPES, elementwiseDef, isFloat, isFp8, numel, PRIMITIVES } from '../ir/index.js';
import { computeType, topoOrder, type Expr, type ScalarType } from './expr.js';
import { LIBRARY_OPS } from './fusion/plan.js';
import { needsNoWriter, type Kernel, type LibraryBody, type Program, type Store } from './kernel.js';

export class KernelIRError extends Error {
  override name = 'KernelIRError';
}

/** What a kernel's expressions may refer to. */
interface Scope {
  readonly kernel: Kernel;
  /** Extents of the idx and ridx loop variables. */
  readonly idx: number;
  readonly ridx: number;
  /** The compute type of each accumulator `acc` may read. */
  readonly accTypes: readonly ScalarType[];
}

/** What an expression reads, through all its operands: idx and ridx axes (bit masks), the highest accumulator (-1: none). */
interface Reach {
  readonly idx: number;
  readonly ridx: number;
  readonly acc: number;
}

/** Where a group of roots is evaluated: which axes and accumulators are defined there. */
interface Context {
  readonly what: string;
  readonly roots: readonly Expr[];
  /** The idx axes defined (bit mask). */
  readonly idx: number;
  readonly ridx: boolean;
  /** Accumulators below this index are defined. */
  readonly accs: number;
}

const LEAF_KINDS = new Set(['const', 'idx', 'ridx', 'param', 'acc']);
const ONE_OPERAND_KINDS = new Set(['load', 'checked', 'cast', 'encode']);
const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;
const isCount = (n: number): boolean => Number.isInteger(n) && n >= 0;
const allAxes = (rank: number): number => (rank >= 31 ? -1 : (1 << rank) - 1);

/** Why expression `e` is malformed in scope `s`, or undefined when it is well formed. */
function exprProblem(e: Expr, s: Scope): string | undefined {
  const def = LEAF_KINDS.has(e.kind) || ONE_OPERAND_KINDS.has(e.kind) ? undefined : elementwiseDef(e.kind);
  const arity = LEAF_KINDS.has(e.kind) ? 0 : ONE_OPERAND_KINDS.has(e.kind) ? 1 : (def?.operands as number | undefined);
  if (arity === undefined) return `unknown expression kind "${e.kind}"`;
  if (e.args.length !== arity) return `${e.kind} takes ${arity} operand(s), has ${e.args.length}`;
  const [x, y, z] = e.args;
  switch (e.kind) {
    case 'const':
      if (e.type === 'i32' && !(Number.isInteger(e.value) && e.value >= I32_MIN && e.value <= I32_MAX)) return `i32 constant ${e.value} is not an i32`;
      if (e.type === 'bool' && e.value !== 0 && e.value !== 1) return `bool constant ${e.value} is not 0 or 1`;
      return undefined;
    case 'idx':
    case 'ridx': {
      const rank = e.kind === 'idx' ? s.idx : s.ridx;
      if (e.type !== 'i32') return `${e.kind}${e.axis} has type ${e.type}, expected i32`;
      return isCount(e.axis) && e.axis < rank ? undefined : `${e.kind}${e.axis} is out of range: the kernel has ${rank} ${e.kind} axes`;
    }
    case 'param':
      if (e.type !== 'i32') return `param $${e.name} has type ${e.type}, expected i32`;
      return s.kernel.params.includes(e.name) ? undefined : `param $${e.name} is not among the kernel's params (${s.kernel.params.join(', ') || 'none'})`;
    case 'load': {
      const input = s.kernel.inputs[e.input];
      if (!input) return `load of input ${e.input}, but the kernel has ${s.kernel.inputs.length} input(s)`;
      if (input.dtype !== e.dtype) return `load of input ${e.input} as ${e.dtype}, but that input is ${input.dtype}`;
      if (e.bits && !isFloat(e.dtype)) return `bits load of ${e.dtype}: only float elements are read as codes`;
      const type = e.bits ? 'i32' : computeType(e.dtype);
      if (e.type !== type) return `load of ${e.dtype}${e.bits ? ' bits' : ''} has type ${e.type}, expected ${type}`;
      return x!.type === 'i32' ? undefined : `load index has type ${x!.type}, expected i32`;
    }
    case 'acc': {
      const type = s.accTypes[e.index];
      if (type === undefined) return `acc${e.index} is not declared (the kernel has ${s.accTypes.length} accumulator(s))`;
      return e.type === type ? undefined : `acc${e.index} has type ${e.type}, but the accumulator is ${type}`;
    }
    case 'checked':
      if (!(isCount(e.bound) && e.bound > 0)) return `checked bound ${e.bound} is not a positive integer`;
      return x!.type === 'i32' && e.type === 'i32' ? undefined : `checked has type ${e.type} of a ${x!.type}, expected i32`;
    case 'cast':
      if (!DTYPES.includes(e.from) || !DTYPES.includes(e.to)) return `cast between unknown dtypes ${e.from} and ${e.to}`;
      if (x!.type !== computeType(e.from)) return `cast from ${e.from} of a ${x!.type}, expected ${computeType(e.from)}`;
      if (e.type !== computeType(e.to)) return `cast to ${e.to} has type ${e.type}, expected ${computeType(e.to)}`;
      return e.mode === undefined ? (isFp8(e.to) ? `cast to ${e.to} has no mode (saturate or torch)` : undefined) : isFp8(e.to) ? undefined : `cast to ${e.to} has mode ${e.mode}; modes apply only to fp8`;
    case 'encode':
      if (!isFloat(e.dtype)) return `encode to ${e.dtype}: only float values are encoded`;
      return x!.type === 'f32' && e.type === 'i32' ? undefined : `encode of a ${x!.type} has type ${e.type}, expected an f32 encoded as i32`;
    case 'where':
      if (x!.type !== 'bool') return `where condition has type ${x!.type}, expected bool`;
      return y!.type === e.type && z!.type === e.type ? undefined : `where of ${y!.type} and ${z!.type} has type ${e.type}`;
  }
  const operand = x!.type;
  if (e.args.some((a) => a.type !== operand)) return `${e.kind} operands have types ${e.args.map((a) => a.type).join(', ')}; expected one type`;
  if (!def!.dtypes.some((d) => computeType(d) === operand)) return `${e.kind} does not apply to ${operand} (it takes ${def!.dtypes.join(', ')})`;
  const result = def!.result === 'bool' ? 'bool' : operand;
  return e.type === result ? undefined : `${e.kind} of ${operand} has type ${e.type}, expected ${result}`;
}

/** The contexts of a kernel body's roots: where each is evaluated. */
function contexts(k: Kernel): Context[] {
  const b = k.body;
  const stores = (what: string, ss: readonly Store[], ctx: Omit<Context, 'what' | 'roots'>): Context[] =>
    ss.flatMap((st, i) => [
      { what: `${what} ${i} index`, roots: [st.index], ...ctx },
      { what: `${what} ${i} value`, roots: [st.value], ...ctx },
    ]);
  switch (b.kind) {
    case 'map':
      return stores('store', b.stores, { idx: allAxes(b.shape.length), ridx: false, accs: 0 });
    case 'reduce': {
      const idx = allAxes(b.shape.length);
      const n = b.accumulators.length;
      return [
        ...b.accumulators.map((a, j) => ({ what: `accumulator ${j}`, roots: [a.value], idx, ridx: true, accs: j })),
        ...stores('store', b.stores, { idx, ridx: false, accs: n }),
        ...stores('row store', b.rowStores, { idx, ridx: true, accs: n }),
      ];
    }
    case 'contraction': {
      const batch = allAxes(b.batch.length);
      const nb = b.batch.length;
      return [
        { what: 'a', roots: [b.a], idx: batch | (1 << nb), ridx: true, accs: 0 },
        { what: 'b', roots: [b.b], idx: batch | (1 << (nb + 1)), ridx: true, accs: 0 },
        ...stores('epilogue store', b.stores, { idx: allAxes(nb + 2), ridx: false, accs: 1 }),
      ];
    }
    case 'library':
      return [];
  }
}

function scopeOf(k: Kernel): Scope {
  const b = k.body;
  switch (b.kind) {
    case 'map':
      return { kernel: k, idx: b.shape.length, ridx: 0, accTypes: [] };
    case 'reduce':
      return { kernel: k, idx: b.shape.length, ridx: b.rshape.length, accTypes: b.accumulators.map((a) => a.type) };
    case 'contraction':
      return { kernel: k, idx: b.batch.length + 2, ridx: 1, accTypes: ['f32'] };
    case 'library':
      return { kernel: k, idx: 0, ridx: 0, accTypes: [] };
  }
}

function shapeProblems(k: Kernel): string[] {
  const b = k.body;
  const extents = b.kind === 'map' ? b.shape : b.kind === 'reduce' ? [...b.shape, ...b.rshape] : b.kind === 'contraction' ? [...b.batch, b.m, b.n, b.k] : [];
  const problems = extents.every(isCount) ? [] : [`loop extents [${extents.join(', ')}] must be non-negative integers`];
  if (b.kind === 'reduce') {
    b.accumulators.forEach((a, j) => {
      if (a.value.type !== a.type) problems.push(`accumulator ${j} (${a.op}<${a.type}>) accumulates a ${a.value.type}`);
      if (a.type !== (a.dtype === 'i32' ? 'i32' : 'f32')) problems.push(`accumulator ${j} of ${a.dtype} has type ${a.type}`);
    });
  }
  if (b.kind === 'contraction' && (b.a.type !== 'f32' || b.b.type !== 'f32')) problems.push(`contraction operands have types ${b.a.type} and ${b.b.type}, expected f32`);
  return problems;
}

/** The expression problems of kernel `k`, and the input slots its expressions read. */
function expressionProblems(k: Kernel, read: Set<number>): string[] {
  const scope = scopeOf(k);
  const ctxs = contexts(k);
  const problems: string[] = [];
  const reach = new Map<Expr, Reach>();
  for (const e of topoOrder(ctxs.flatMap((c) => c.roots))) {
    const p = exprProblem(e, scope);
    if (p) problems.push(p);
    if (e.kind === 'load') read.add(e.input);
    let idx = e.kind === 'idx' && e.axis < 31 ? 1 << e.axis : 0;
    let ridx = e.kind === 'ridx' && e.axis < 31 ? 1 << e.axis : 0;
    let acc = e.kind === 'acc' ? e.index : -1;
    for (const a of e.args) {
      const r = reach.get(a)!;
      [idx, ridx, acc] = [idx | r.idx, ridx | r.ridx, Math.max(acc, r.acc)];
    }
    reach.set(e, { idx, ridx, acc });
  }
  for (const c of ctxs) {
    for (const root of c.roots) {
      const r = reach.get(root)!;
      if (r.idx & ~c.idx) problems.push(`${c.what} reads idx axes it may not (mask ${r.idx & ~c.idx})`);
      if (r.ridx && !c.ridx) problems.push(`${c.what} reads ridx outside the reduction loop`);
      if (r.acc >= c.accs) problems.push(`${c.what} reads acc${r.acc}, but only the first ${c.accs} accumulator(s) are defined there`);
    }
  }
  const b = k.body;
  if (b.kind !== 'library') {
    const expected = (st: Store) => (st.bits ? 'i32' : computeType(k.outputs[st.output]!.dtype));
    const stores = b.kind === 'reduce' ? [...b.stores, ...b.rowStores] : b.stores;
    for (const st of stores) {
      if (!k.outputs[st.output]) problems.push(`a store writes output ${st.output}, but the kernel has ${k.outputs.length} output(s)`);
      else if (st.bits && !isFloat(k.outputs[st.output]!.dtype)) problems.push(`a bits store into output ${st.output} (${k.outputs[st.output]!.dtype}): only float elements are stored as codes`);
      else if (st.value.type !== expected(st)) problems.push(`a store of a ${st.value.type} into output ${st.output} (${k.outputs[st.output]!.dtype}), expected ${expected(st)}`);
      if (st.index.type !== 'i32') problems.push(`a store index has type ${st.index.type}, expected i32`);
    }
  }
  return problems;
}

function libraryProblems(k: Kernel, b: LibraryBody, read: Set<number>): string[] {
  const problems: string[] = [];
  if (PRIMITIVES.has(b.op) && !LIBRARY_OPS.has(b.op)) problems.push(`library op ${b.op} is a primitive without a library routine`);
  if (b.inputShapes.length !== b.operands.length) problems.push(`${b.operands.length} operand(s) but ${b.inputShapes.length} operand shape(s)`);
  if (b.outputShapes.length !== k.outputs.length) problems.push(`${k.outputs.length} output(s) but ${b.outputShapes.length} result shape(s)`);
  b.operands.forEach((o, i) => {
    if (o.kind === 'param') {
      if (!k.params.includes(o.name)) problems.push(`operand ${i} reads param $${o.name}, which is not among the kernel's params`);
      return;
    }
    read.add(o.slot);
    const input = k.inputs[o.slot];
    if (!input) problems.push(`operand ${i} reads input ${o.slot}, but the kernel has ${k.inputs.length} input(s)`);
    else if (b.inputShapes[i] && numel(b.inputShapes[i]!) !== input.size) problems.push(`operand ${i} has shape [${b.inputShapes[i]!.join(', ')}] but input ${o.slot} holds ${input.size} elements`);
  });
  k.outputs.forEach((o, i) => {
    if (b.outputShapes[i] && numel(b.outputShapes[i]!) !== o.size) problems.push(`result ${i} has shape [${b.outputShapes[i]!.join(', ')}] but output ${i} holds ${o.size} elements`);
  });
  return problems;
}

/** What is wrong with kernel `k` on its own (empty when it is well formed). */
export function kernelProblems(k: Kernel): string[] {
  const read = new Set<number>();
  const problems = [...shapeProblems(k), ...(k.body.kind === 'library' ? libraryProblems(k, k.body, read) : expressionProblems(k, read))];
  k.inputs.forEach((_, slot) => {
    if (!read.has(slot)) problems.push(`input ${slot} is bound but never read`);
  });
  if (new Set(k.params).size !== k.params.length) problems.push(`params [${k.params.join(', ')}] repeat a name`);
  return problems;
}

function bufferProblems(p: Program): string[] {
  const problems: string[] = [];
  p.buffers.forEach((b, i) => {
    if (b.id !== i) problems.push(`buffer ${i} has id ${b.id}`);
    if (!isCount(b.size)) problems.push(`buffer ${i} has size ${b.size}`);
    if ((b.role === 'input' || b.role === 'weight') && !b.name) problems.push(`${b.role} buffer ${i} has no name`);
    if (b.role === 'constant' && b.values?.length !== b.size) problems.push(`constant buffer ${i} holds ${b.values?.length ?? 'no'} values for ${b.size} elements`);
  });
  for (const [name, id] of Object.entries(p.inputs)) {
    if (p.buffers[id]?.role !== 'input') problems.push(`input "${name}" names buffer ${id}, which is not an input buffer`);
    else if (p.inputShapes[name] && numel(p.inputShapes[name]!) !== p.buffers[id]!.size) problems.push(`input "${name}" has ${numel(p.inputShapes[name]!)} elements but buffer ${id} holds ${p.buffers[id]!.size}`);
  }
  return problems;
}

/** Lists what is wrong with program `p` (empty when it keeps every invariant of spec/kernel-ir.md). */
export function programProblems(p: Program): string[] {
  const problems = bufferProblems(p);
  const written = new Set<number>();
  const params = new Set(p.params);
  p.kernels.forEach((k, i) => {
    const at = `kernel ${i} (${k.name})`;
    const buffers = [...k.inputs.map((b) => ({ b, role: 'input' })), ...k.outputs.map((b) => ({ b, role: 'output' }))];
    for (const { b, role } of buffers) {
      const desc = p.buffers[b.buffer];
      if (!desc) problems.push(`${at}: ${role} buffer ${b.buffer} does not exist`);
      else if (desc.dtype !== b.dtype || desc.size !== b.size) problems.push(`${at}: ${role} buffer ${b.buffer} is ${b.dtype}[${b.size}] here but ${desc.dtype}[${desc.size}] in the program`);
    }
    for (const b of k.inputs) {
      const desc = p.buffers[b.buffer];
      if (desc && !needsNoWriter(desc) && !written.has(b.buffer)) problems.push(`${at}: reads buffer ${b.buffer} before any kernel writes it`);
    }
    for (const b of k.outputs) {
      const role = p.buffers[b.buffer]?.role;
      if (role === 'weight' || role === 'constant') problems.push(`${at}: writes ${role} buffer ${b.buffer}`);
      written.add(b.buffer);
    }
    for (const name of k.params) if (!params.has(name)) problems.push(`${at}: reads param $${name}, which the program does not have`);
    problems.push(...kernelProblems(k).map((m) => `${at}: ${m}`));
  });
  for (const [name, id] of Object.entries(p.outputs)) {
    const desc = p.buffers[id];
    if (!desc) problems.push(`output "${name}" names buffer ${id}, which does not exist`);
    else if (!needsNoWriter(desc) && !written.has(id)) problems.push(`output "${name}" is buffer ${id}, which no kernel writes`);
    else if (p.outputShapes[name] && numel(p.outputShapes[name]!) !== desc.size) problems.push(`output "${name}" has ${numel(p.outputShapes[name]!)} elements but buffer ${id} holds ${desc.size}`);
  }
  return problems;
}

/** Throws a KernelIRError listing every problem, or returns `p` unchanged. */
export function verifyProgram(p: Program): Program {
  const problems = programProblems(p);
  if (problems.length) throw new KernelIRError(`invalid program ${p.name}:\n  ${problems.join('\n  ')}`);
  return p;
}
