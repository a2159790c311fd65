// A compiled Program prepared on the CPU: every kernel becomes a generated JavaScript function (map and reduce
// kernels entirely; contractions as generated prologue/epilogue loops around the shared GEMM), library kernels
// run the reference library (reference/library.ts), and claimed composites their own kernels (claims/), or their
// decomposition when another backend claimed them. Buffers are allocated once per executable and reused by every run.

import { allocStorage, numel, type SlicedWeight, type StorageArray, type TensorData, type WeightStore } from '../../ir/index.js';
import { stridedF32Load } from '../../compiler/affine.js';
import type { Expr } from '../../compiler/expr.js';
import type { BufferId, ContractionBody, Kernel, LibraryBody, Program } from '../../compiler/kernel.js';
import { loops, loopVarName, writeMapOrReduce, type Loop } from '../../compiler/nest-writer.js';
import { denseView, matmulF32, packB, gemmPacked, SMALL_M_MAX, type MatView, type PackedB } from '../reference/kernels/gemm.js';
import { libraryKernel } from '../reference/library.js';
import { SILENT_PROGRESS, type Progress } from '../progress.js';
import type { Launch, PreparedProgram } from '../sdk/device-backend.js';
import { hostLaunch } from '../sdk/host-memory.js';
import { constantStorage, weightStorage } from '../sdk/program-storage.js';
import { checkInputs, programInputs } from '../sdk/inputs.js';
import { JsWriter } from './render-js.js';
import { slicedWeights } from './sliced-weights.js';
import { claimedStep } from './claims/index.js';
import { SCALAR_HELPERS } from '../reference/scalar-js.js';

type Step = (buffers: readonly StorageArray[], params: Readonly<Record<string, number>>) => void;
type Generated = (ins: readonly StorageArray[], outs: readonly StorageArray[], params: Readonly<Record<string, number>>, extra?: unknown) => void;

function outOfRange(value: number, bound: number, what: string): never {
  throw new RangeError(`${what}: index ${value} out of range [0, ${bound})`);
}

const HELPERS = { ...SCALAR_HELPERS, outOfRange };

/**
 * Compiles a kernel function from the writer's body, inside `around` (the lines opening and closing a loop of the
 * caller's) when given; the signature is (ins, outs, params, extra).
 */
function generate(k: Kernel, w: JsWriter, prelude: readonly string[] = [], around: readonly [string, string] = ['', '']): { fn: Generated; source: string } {
  const head = [
    ...k.inputs.map((_, i) => `  const in${i} = ins[${i}];`),
    ...k.outputs.map((_, i) => `  const out${i} = outs[${i}];`),
    ...k.params.map((p) => `  const p_${p} = params[${JSON.stringify(p)}];`),
    ...[...w.bitViews].map((b) => `  const ${b}_bits = new Int32Array(${b}.buffer, ${b}.byteOffset, ${b}.length);`),
    ...prelude,
  ];
  const body = [...head, around[0], ...w.lines, around[1]].filter((line) => line !== '').join('\n');
  const source = `const { ${Object.keys(HELPERS).join(', ')} } = helpers;\nreturn function ${k.name}(ins, outs, params, extra) {\n${body}\n};`;
  return { fn: new Function('helpers', source)(HELPERS) as Generated, source };
}

/** JavaScript source of a map or reduce kernel. */
export function renderKernel(k: Kernel): { fn: Generated; source: string } {
  const w = new JsWriter();
  const outDTypes = k.outputs.map((o) => o.dtype);
  const b = k.body;
  if (b.kind === 'map' || b.kind === 'reduce') {
    writeMapOrReduce(w, b, outDTypes);
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

/** Columns of B a contraction computes at a time when it cannot read B in place (see bColumns). */
const COLUMN_BLOCK = 64;

/** Where bColumns writes: columns n0 .. n0 + width - 1 of B, as data[(batch · width + column - n0) · depth + k]. */
interface ColumnBlock {
  readonly data: Float32Array;
  n0: number;
  width: number;
}

/**
 * A generated loop writing a block of B's columns (`value`, over the batch loops, the depth loop and column
 * variable `column`) into a ColumnBlock passed as `extra`, each column contiguous. A B that is not a plain f32 read
 * (a narrow weight widened as it is read, FP8 blocks dequantised) is computed this way a block at a time, so no
 * f32 copy of a whole weight is ever held.
 */
function bColumns(k: Kernel, value: Expr, batch: readonly Loop[], depth: Loop, column: string): Generated {
  const w = new JsWriter(new Set(), [column]);
  w.declare([value], 0);
  const col = loopVarName(column);
  w.nest([...batch, depth], [value], () => {
    let flat = '0';
    for (const v of batch) flat = `(${flat}) * ${v.extent} + ${loopVarName(v.key)}`;
    w.line(`extra.data[((${flat}) * extra.width + ${col} - extra.n0) * ${depth.extent} + ${loopVarName(depth.key)}] = ${w.name(value)};`);
  });
  return generate(k, w, [], [`for (let ${col} = extra.n0; ${col} < extra.n0 + extra.width; ${col}++) {`, '}']).fn;
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

function contractionStep(k: Kernel, body: ContractionBody, weightBuffers: ReadonlySet<number>): Generated {
  const { batch, m, n, k: depth } = body;
  const nb = batch.length;
  const batches = numel(batch);
  const aView = operandView(body.a, batch, `idx${nb}`, 'ridx0');
  const bView = operandView(body.b, batch, 'ridx0', `idx${nb + 1}`);
  const aTemp = aView ? undefined : new Float32Array(batches * m * depth);
  const fillA = aView ? undefined : renderOperand(k, body.a, [...loops('idx', batch), { key: `idx${nb}`, extent: m }, { key: 'ridx0', extent: depth }]);
  const fillB = bView ? undefined : bColumns(k, body.b, loops('idx', batch), { key: 'ridx0', extent: depth }, `idx${nb + 1}`);
  const block: ColumnBlock | undefined = bView ? undefined : { data: new Float32Array(batches * depth * Math.min(n, COLUMN_BLOCK)), n0: 0, width: 0 };
  const product = new Float32Array(batches * m * n);
  const epilogue = renderEpilogue(k, body);
  // A weight operand that does not move with the batch is packed once and reused by every run.
  const bLoad = stridedF32Load(body.b);
  const constantB = bView && bLoad && weightBuffers.has(k.inputs[bLoad.input]!.buffer) && batches === 1 && m > SMALL_M_MAX;
  let packed: PackedB | undefined;
  const aOf = (ins: readonly StorageArray[], i: number): MatView => (aView ? { ...aView(ins, i), rows: m, cols: depth } : denseView(aTemp!, m, depth, i * m * depth));
  return (ins, outs, params) => {
    if (fillA) fillA(ins, outs, params, aTemp);
    if (fillB) {
      // Column blocks change no result: each element is its own k-ordered float64 sum (gemm.ts).
      for (block!.n0 = 0; block!.n0 < n; block!.n0 += COLUMN_BLOCK) {
        const width = (block!.width = Math.min(COLUMN_BLOCK, n - block!.n0));
        fillB(ins, outs, params, block);
        for (let i = 0; i < batches; i++) {
          const b = { data: block!.data, offset: i * width * depth, rows: depth, cols: width, rowStride: 1, colStride: depth };
          matmulF32(aOf(ins, i), b, { data: product, offset: i * m * n + block!.n0, rows: m, cols: width, rowStride: n, colStride: 1 });
        }
      }
    } else {
      for (let i = 0; i < batches; i++) {
        const out = denseView(product, m, n, i * m * n);
        if (constantB) {
          packed ??= packB({ ...bView!(ins, i), rows: depth, cols: n });
          gemmPacked(aOf(ins, i), packed, out);
        } else {
          matmulF32(aOf(ins, i), { ...bView!(ins, i), rows: depth, cols: n }, out);
        }
      }
    }
    epilogue(ins, outs, params, product);
  };
}

/** The experts operand of a gather_matmul kernel when it is bound slice by slice (sliced-weights.ts). */
function slicedExperts(k: Kernel, body: LibraryBody, sliced: ReadonlyMap<BufferId, SlicedWeight>): SlicedWeight | undefined {
  const experts = body.operands[1];
  return body.op === 'gather_matmul' && experts?.kind === 'buffer' ? sliced.get(k.inputs[experts.slot]!.buffer) : undefined;
}

/**
 * A compiled program bound to its weights, with its buffers allocated: weights, constants, temporaries and outputs
 * live as long as the runner and are reused by every run.
 */
export class CpuProgramRunner implements PreparedProgram<StorageArray> {
  readonly resident: readonly (StorageArray | undefined)[];
  private readonly steps: Step[];

  /** `progress` is told of the weights as they load. */
  constructor(
    readonly program: Program,
    weights: WeightStore | undefined,
    progress: Progress = SILENT_PROGRESS,
  ) {
    const sliced = slicedWeights(program, weights);
    const loading = progress.start('loading weights', program.buffers.filter((b) => b.role === 'weight').length);
    try {
      this.resident = program.buffers.map((b) => {
        if (b.role === 'input') return undefined;
        if (b.role !== 'weight') return b.role === 'constant' ? constantStorage(b) : allocStorage(b.dtype, b.size);
        const storage = weightStorage(b, sliced.get(b.id)?.tensor ?? weights?.get(b.name!));
        loading.advance();
        return storage;
      });
    } finally {
      loading.end();
    }
    const weightBuffers = new Set(program.buffers.filter((b) => b.role === 'weight').map((b) => b.id));
    this.steps = program.kernels.map((k) => {
      const ins = (bufs: readonly StorageArray[]) => k.inputs.map((b) => bufs[b.buffer]!);
      const outs = (bufs: readonly StorageArray[]) => k.outputs.map((b) => bufs[b.buffer]!);
      const b = k.body;
      const step =
        b.kind === 'contraction' ? contractionStep(k, b, weightBuffers)
        : b.kind === 'library' ? (claimedStep(k, b, weightBuffers, sliced) ?? libraryKernel(k, b, slicedExperts(k, b, sliced)))
        : renderKernel(k).fn;
      return (bufs, params) => step(ins(bufs), outs(bufs), params);
    });
  }

  launch(params: Readonly<Record<string, number>>): Launch<StorageArray> {
    return hostLaunch((index, buffers) => this.steps[index]!(buffers, params));
  }

  /**
   * Runs every kernel on host inputs by name (overwritten in place only if the program donates them) and returns
   * copies of the outputs: a program run without a backend, for tests and benchmarks of the compiler.
   */
  run(inputs: Readonly<Record<string, TensorData>>): Record<string, TensorData> {
    const p = this.program;
    const expected = programInputs(p);
    const checked = checkInputs(p.name, expected, inputs, (what) => {
      throw new Error(`${what}: a program runner takes host data`);
    });
    const buffers = [...this.resident];
    const params: Record<string, number> = {};
    expected.forEach(({ name }, i) => {
      const id = p.inputs[name];
      if (id === undefined) params[name] = (checked[i]!.data as Int32Array)[0]!;
      else buffers[id] = checked[i]!.data;
    });
    const launch = this.launch(params);
    p.kernels.forEach((_, i) => launch.dispatch(i, buffers as StorageArray[]));
    return Object.fromEntries(
      Object.entries(p.outputs).map(([name, id]) => [name, { dtype: p.buffers[id]!.dtype, shape: [...p.outputShapes[name]!], data: buffers[id]!.slice() }]),
    );
  }

  dispose(): void {}
}
