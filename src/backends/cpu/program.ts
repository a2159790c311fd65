// Runs a compiled Program on the CPU: every kernel becomes a generated JavaScript function (map and reduce
// kernels entirely; contractions as generated prologue/epilogue loops around the shared GEMM), library kernels
// call the reference kernels, and claimed composites their own kernels (claims/), or their decomposition when
// another backend claimed them. Buffers are allocated once per executable and reused by every run.

import { allocStorage, compositeDef, contiguousStrides, formatShape, numel, sameShape, type DType, type SlicedWeight, type StorageArray, type TensorData, type WeightStore } from '../../ir/index.js';
import { stridedF32Load } from '../../compiler/affine.js';
import type { Expr } from '../../compiler/expr.js';
import { kernelKind, type BufferId, type ContractionBody, type Kernel, type LibraryBody, type Program } from '../../compiler/kernel.js';
import type { KernelTime } from '../backend.js';
import { literal } from './kernels/source.js';
import { denseView, matmulF32, packB, gemmPacked, SMALL_M_MAX, type MatView, type PackedB } from './kernels/gemm.js';
import { cumsum } from './kernels/reduce.js';
import { topk } from './kernels/topk.js';
import { scatterAdd } from './kernels/indexing.js';
import { gatherMatmul } from './kernels/matmul.js';
import { JsWriter } from './render-js.js';
import { slicedWeights } from './sliced-weights.js';
import { claimedStep } from './claims/index.js';
import { evaluateGraph } from './interpreter.js';
import { libraryGraph } from '../../compiler/library-graph.js';
import { loops, loopVarName, type Loop } from '../../compiler/nest-writer.js';
import { SCALAR_HELPERS } from './scalar-js.js';
import { toTensorData, type CpuTensor } from './tensor.js';

type Step = (buffers: StorageArray[], params: Readonly<Record<string, number>>) => void;
type Generated = (ins: readonly StorageArray[], outs: readonly StorageArray[], params: Readonly<Record<string, number>>, extra?: unknown) => void;

function outOfRange(value: number, bound: number, what: string): never {
  throw new RangeError(`${what}: index ${value} out of range [0, ${bound})`);
}

const HELPERS = { ...SCALAR_HELPERS, outOfRange };

/** Compiles a kernel function from the writer's body; the signature is (ins, outs, params, extra). */
function generate(k: Kernel, w: JsWriter, prelude: readonly string[] = []): { fn: Generated; source: string } {
  const head = [
    ...k.inputs.map((_, i) => `  const in${i} = ins[${i}];`),
    ...k.outputs.map((_, i) => `  const out${i} = outs[${i}];`),
    ...k.params.map((p) => `  const p_${p} = params[${JSON.stringify(p)}];`),
    ...prelude,
  ];
  const body = [...head, ...w.lines].join('\n');
  const source = `const { ${Object.keys(HELPERS).join(', ')} } = helpers;\nreturn function ${k.name}(ins, outs, params, extra) {\n${body}\n};`;
  return { fn: new Function('helpers', source)(HELPERS) as Generated, source };
}

/** JavaScript source of a map or reduce kernel. */
export function renderKernel(k: Kernel): { fn: Generated; source: string } {
  const w = new JsWriter();
  const outDTypes = k.outputs.map((o) => o.dtype);
  const b = k.body;
  if (b.kind === 'map') {
    const roots = b.stores.flatMap((s) => [s.index, s.value]);
    w.declare(roots, 0);
    w.nest(loops('idx', b.shape), roots, () => w.stores(b.stores, outDTypes));
  } else if (b.kind === 'reduce') {
    const stores = b.stores.flatMap((s) => [s.index, s.value]);
    const rows = b.rowStores.flatMap((s) => [s.index, s.value]);
    w.nest(loops('idx', b.shape), [], () => {
      b.accumulators.forEach((acc, j) => w.accumulate(j, acc, loops('ridx', b.rshape)));
      w.declare(stores);
      w.stores(b.stores, outDTypes);
      if (rows.length) {
        w.declare(rows);
        w.nest(loops('ridx', b.rshape), rows, () => w.stores(b.rowStores, outDTypes));
      }
    });
  } else {
    throw new Error(`renderKernel: ${b.kind} kernels are not rendered whole`);
  }
  return generate(k, w);
}

/** A generated loop writing `value` (an expression over `vars`) densely into the Float32Array `extra`. */
function renderOperand(k: Kernel, value: Expr, vars: readonly Loop[]): Generated {
  const w = new JsWriter();
  w.declare([value], 0);
  w.nest(vars, [value], () => {
    let flat = vars[0] ? loopVarName(vars[0].key) : '0';
    for (const v of vars.slice(1)) flat = `(${flat}) * ${v.extent} + ${loopVarName(v.key)}`;
    w.line(`extra[${flat}] = ${w.name(value)};`);
  });
  return generate(k, w).fn;
}

/** The epilogue of a contraction: acc0 is read from the dense product `extra` [batch, m, n]. */
function renderEpilogue(k: Kernel, body: ContractionBody): Generated {
  const w = new JsWriter();
  const roots = body.stores.flatMap((s) => [s.index, s.value]);
  const vars = loops('idx', [...body.batch, body.m, body.n]);
  w.declare(roots, 0);
  w.nest(vars, [], () => {
    let flat = loopVarName(vars[0]!.key);
    for (const v of vars.slice(1)) flat = `(${flat}) * ${v.extent} + ${loopVarName(v.key)}`;
    w.defineAcc(0, `extra[${flat}]`);
    w.declare(roots);
    w.stores(body.stores, k.outputs.map((o) => o.dtype));
  });
  return generate(k, w).fn;
}

/** A strided view of operand `e` per batch, when it is a plain f32 read that only moves along the matrix axes. */
function operandView(e: Expr, batch: readonly number[], rowVar: string, colVar: string): ((ins: readonly StorageArray[], flatBatch: number) => MatView) | undefined {
  const load = stridedF32Load(e);
  if (!load) return undefined;
  const { offset, strides } = load.index;
  const allowed = new Set([rowVar, colVar, ...batch.map((_, i) => `idx${i}`)]);
  if ([...strides.keys()].some((key) => !allowed.has(key))) return undefined;
  const batchStrides = batch.map((_, i) => strides.get(`idx${i}`) ?? 0);
  const batchOffset = (flat: number): number => {
    let off = 0;
    for (let i = batch.length - 1; i >= 0; i--) {
      off += (flat % batch[i]!) * batchStrides[i]!;
      flat = Math.floor(flat / batch[i]!);
    }
    return off;
  };
  const rowStride = strides.get(rowVar) ?? 0;
  const colStride = strides.get(colVar) ?? 0;
  return (ins, flat) => ({ data: ins[load.input] as Float32Array, offset: offset + batchOffset(flat), rows: 0, cols: 0, rowStride, colStride });
}

function contractionStep(k: Kernel, body: ContractionBody, weightBuffers: ReadonlySet<number>): (ins: StorageArray[], outs: StorageArray[], params: Readonly<Record<string, number>>) => void {
  const { batch, m, n, k: depth } = body;
  const nb = batch.length;
  const batches = numel(batch);
  const aView = operandView(body.a, batch, `idx${nb}`, 'ridx0');
  const bView = operandView(body.b, batch, 'ridx0', `idx${nb + 1}`);
  const aTemp = aView ? undefined : new Float32Array(batches * m * depth);
  const bTemp = bView ? undefined : new Float32Array(batches * depth * n);
  const fillA = aView ? undefined : renderOperand(k, body.a, [...loops('idx', batch), { key: `idx${nb}`, extent: m }, { key: 'ridx0', extent: depth }]);
  const fillB = bView ? undefined : renderOperand(k, body.b, [...loops('idx', batch), { key: 'ridx0', extent: depth }, { key: `idx${nb + 1}`, extent: n }]);
  const product = new Float32Array(batches * m * n);
  const epilogue = renderEpilogue(k, body);
  // A weight operand that does not move with the batch is packed once and reused by every run.
  const bLoad = stridedF32Load(body.b);
  const constantB = bView && bLoad && weightBuffers.has(k.inputs[bLoad.input]!.buffer) && batches === 1 && m > SMALL_M_MAX;
  let packed: PackedB | undefined;
  return (ins, outs, params) => {
    if (fillA) fillA(ins, outs, params, aTemp);
    if (fillB) fillB(ins, outs, params, bTemp);
    for (let i = 0; i < batches; i++) {
      const a = aView ? { ...aView(ins, i), rows: m, cols: depth } : denseView(aTemp!, m, depth, i * m * depth);
      const out = denseView(product, m, n, i * m * n);
      if (constantB) {
        packed ??= packB({ ...bView!(ins, i), rows: depth, cols: n });
        gemmPacked(a, packed, out);
      } else {
        const b = bView ? { ...bView(ins, i), rows: depth, cols: n } : denseView(bTemp!, depth, n, i * depth * n);
        matmulF32(a, b, out);
      }
    }
    epilogue(ins, outs, params, product);
  };
}

const tensorOf = (data: StorageArray, dtype: DType, shape: readonly number[]): CpuTensor => ({ dtype, shape: [...shape], strides: contiguousStrides(shape), offset: 0, data });

/** `sliced`: the weight buffers bound slice by slice (sliced-weights.ts). */
function libraryStep(
  k: Kernel,
  body: LibraryBody,
  sliced: ReadonlyMap<BufferId, SlicedWeight>,
): (ins: StorageArray[], outs: StorageArray[], params: Readonly<Record<string, number>>) => void {
  const slicedOperand = (i: number): SlicedWeight | undefined => {
    const o = body.operands[i];
    return o?.kind === 'buffer' ? sliced.get(k.inputs[o.slot]!.buffer) : undefined;
  };
  const operand = (ins: StorageArray[], params: Readonly<Record<string, number>>, i: number): CpuTensor => {
    const o = body.operands[i]!;
    if (o.kind === 'param') return tensorOf(Int32Array.of(params[o.name]!), 'i32', []);
    return tensorOf(ins[o.slot]!, k.inputs[o.slot]!.dtype, body.inputShapes[i]!);
  };
  const run: Record<string, (x: CpuTensor[]) => CpuTensor[]> = {
    cumsum: ([x]) => [cumsum(x!, body.attrs.axis as number)],
    topk: ([x]) => [topk(x!, body.attrs.k as number, body.attrs.axis as number)],
    scatter_add: ([x, i, s]) => [scatterAdd(x!, i!, s!, body.attrs.axis as number)],
    gather_matmul: ([x, w, ids]) => [gatherMatmul(x!, w!, ids!, slicedOperand(1))],
  };
  const f = run[body.op] ?? compositeDecomposition(k, body);
  return (ins, outs, params) => {
    const results = f(body.operands.map((_, i) => operand(ins, params, i)));
    results.forEach((result, i) => {
      if (!sameShape(result.shape, body.outputShapes[i]!)) throw new Error(`cpu ${body.op}: result ${formatShape(result.shape)} differs from ${formatShape(body.outputShapes[i]!)}`);
      outs[i]!.set(toTensorData(result).data as never);
    });
  };
}

/**
 * A composite another backend claimed (a WebGPU program checked in shadow mode) and the CPU does not: its
 * decomposition, evaluated op by op as the reference interpreter does.
 */
function compositeDecomposition(k: Kernel, body: LibraryBody): (x: CpuTensor[]) => CpuTensor[] {
  if (!compositeDef(body.op)) throw new Error(`cpu: no library kernel or claim for "${body.op}"`);
  const graph = libraryGraph(k, body);
  return (x) => evaluateGraph(graph, x);
}

/** A compiled program bound to its weights, with its buffers allocated. */
export class CpuProgramRunner {
  private readonly buffers: (StorageArray | undefined)[];
  private readonly steps: Step[];
  readonly sources: Record<string, string> = {};

  constructor(
    readonly program: Program,
    weights: WeightStore | undefined,
  ) {
    const sliced = slicedWeights(program, weights);
    this.buffers = program.buffers.map((b) => {
      if (b.role === 'input') return undefined;
      if (b.role === 'weight') {
        const t = sliced.get(b.id)?.tensor ?? weights?.get(b.name!);
        if (!t) throw new Error(`weight "${b.name}" is missing from the weight store`);
        if (t.dtype !== b.dtype || t.data.length !== b.size) throw new Error(`weight "${b.name}": expected ${b.dtype} with ${b.size} elements, the store has ${t.dtype}[${t.shape.join(',')}]`);
        return t.data;
      }
      return b.values ? literal(b.dtype, [b.size], b.values).data : allocStorage(b.dtype, b.size);
    });
    const weightBuffers = new Set(program.buffers.filter((b) => b.role === 'weight').map((b) => b.id));
    this.steps = program.kernels.map((k) => {
      const ins = (bufs: StorageArray[]) => k.inputs.map((b) => bufs[b.buffer]!);
      const outs = (bufs: StorageArray[]) => k.outputs.map((b) => bufs[b.buffer]!);
      if (k.body.kind === 'contraction') {
        const step = contractionStep(k, k.body, weightBuffers);
        return (bufs, params) => step(ins(bufs), outs(bufs), params);
      }
      if (k.body.kind === 'library') {
        const step = claimedStep(k, k.body, weightBuffers, sliced) ?? libraryStep(k, k.body, sliced);
        return (bufs, params) => step(ins(bufs), outs(bufs), params);
      }
      const { fn, source } = renderKernel(k);
      this.sources[k.name] = source;
      return (bufs, params) => fn(ins(bufs), outs(bufs), params);
    });
  }

  /**
   * Runs kernel `index` alone, on `given` buffers by id (the others are the runner's own weights, constants and
   * temporaries): how the WebGPU shadow mode checks one device kernel against the CPU.
   */
  runKernel(index: number, given: ReadonlyMap<number, StorageArray>, params: Readonly<Record<string, number>>): void {
    this.steps[index]!(this.buffers.map((b, id) => given.get(id) ?? b) as StorageArray[], params);
  }

  /**
   * Runs every kernel; inputs are bound by name (overwritten in place only if the program donates them). With
   * `profile`, each kernel's wall time is appended to it.
   */
  run(inputs: Readonly<Record<string, TensorData>>, profile?: KernelTime[]): Record<string, TensorData> {
    const p = this.program;
    const buffers = [...this.buffers];
    const params: Record<string, number> = {};
    for (const name of p.params) {
      const t = inputs[name];
      if (!t || t.dtype !== 'i32' || t.shape.length !== 0) throw new Error(`input "${name}" must be an i32 scalar`);
      params[name] = (t.data as Int32Array)[0]!;
    }
    for (const [name, id] of Object.entries(p.inputs)) {
      const t = inputs[name];
      const desc = p.buffers[id]!;
      if (!t) throw new Error(`input "${name}" is missing; expected ${desc.dtype}${formatShape(p.inputShapes[name]!)}`);
      if (t.dtype !== desc.dtype || !sameShape(t.shape, p.inputShapes[name]!))
        throw new Error(`input "${name}": expected ${desc.dtype}${formatShape(p.inputShapes[name]!)}, got ${t.dtype}${formatShape(t.shape)}`);
      buffers[id] = t.data;
    }
    if (profile === undefined) for (const step of this.steps) step(buffers as StorageArray[], params);
    else
      this.steps.forEach((step, i) => {
        const start = performance.now();
        step(buffers as StorageArray[], params);
        const k = p.kernels[i]!;
        profile.push({ kernel: k.name, origin: k.origin, kind: kernelKind(k), seconds: (performance.now() - start) / 1000 });
      });
    return Object.fromEntries(
      Object.entries(p.outputs).map(([name, id]) => [name, { dtype: p.buffers[id]!.dtype, shape: [...p.outputShapes[name]!], data: buffers[id]!.slice() }]),
    );
  }
}
