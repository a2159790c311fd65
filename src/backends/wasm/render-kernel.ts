// The function of a map, reduce or contraction kernel (spec/kernel-ir.md), whole: loop nests over its index space
// with its stores. A contraction here is the plain loop nest (products summed in float64 in k order and rounded
// once, as the CPU backend's GEMM does); gemm.ts runs the large ones on SIMD micro-kernels instead.

import type { ContractionBody, Kernel } from '../../compiler/kernel.js';
import { loopVarName, loops, writeMapOrReduce } from '../../compiler/nest-writer.js';
import { gemmFunction, gemmPlan, PANEL, type GemmPlan, type StridedOperand } from './gemm.js';
import { renderFunction, type RenderedKernel } from './kernel-module.js';
import { get } from './render-wasm.js';

/** The flat index of the batch loop variables (row-major over `batch`), as instructions. */
function flatBatch(batch: readonly number[]): string {
  let flat = 'i32.const 0';
  batch.forEach((extent, i) => (flat = `${flat} i32.const ${extent} i32.mul local.get $${loopVarName(`idx${i}`)} i32.add`));
  return flat;
}

/** The byte address of operand `o`'s element (batch, 0, 0), as instructions. */
function operandOrigin(o: StridedOperand): string {
  const batchTerms = o.batchStrides.map((s, i) => (s ? ` local.get $${loopVarName(`idx${i}`)} i32.const ${s} i32.mul i32.add` : '')).join('');
  return `local.get $in${o.slot} i32.const ${o.offset}${batchTerms} i32.const 4 i32.mul i32.add`;
}

/**
 * A contraction on the SIMD GEMM: per batch, gemm(A in place, packed B at `packed`) into the product at `product`
 * ([batch][M][paddedN]); then the epilogue reads acc0 from the product. Extra parameters: product, packed.
 */
function renderGemmContraction(k: Kernel, b: ContractionBody, plan: GemmPlan, fma: boolean): RenderedKernel {
  const outDTypes = k.outputs.map((o) => o.dtype);
  const { m: M, n: N, k: K, batch } = b;
  const nb = batch.length;
  const N8 = plan.paddedN;
  return renderFunction(
    k,
    (w) => {
      w.nest(loops('idx', batch), [], () => {
        const packed = `local.get $packed ${flatBatch(batch)} i32.const ${N8 * K * 4} i32.mul i32.add`;
        const product = `local.get $product ${flatBatch(batch)} i32.const ${M * N8 * 4} i32.mul i32.add`;
        w.line(`${operandOrigin(plan.a)} i32.const ${plan.a.rowStride * 4} i32.const ${plan.a.colStride * 4} ${packed} ${product} i32.const ${M} i32.const ${N8 / PANEL} i32.const ${K} i32.const ${N8 * 4} call $gemm`);
      });
      const roots = b.stores.flatMap((s) => [s.index, s.value]);
      w.declare(roots, 0);
      w.nest(loops('idx', [...batch, M, N]), roots, () => {
        const [m, n] = [loopVarName(`idx${nb}`), loopVarName(`idx${nb + 1}`)];
        const row = `${flatBatch(batch)} i32.const ${M} i32.mul local.get $${m} i32.add`;
        w.defineAcc(0, `local.get $product ${row} i32.const ${N8} i32.mul local.get $${n} i32.add i32.const 4 i32.mul i32.add f32.load`, 'f32');
        w.declare(roots);
        w.stores(b.stores, outDTypes);
      });
    },
    ['product', 'packed'],
    [gemmFunction(fma)],
  );
}

/** Kernel `k`'s function; `fma`: whether the runtime has relaxed SIMD's fused multiply-add. */
export function renderKernel(k: Kernel, fma: boolean): RenderedKernel {
  const outDTypes = k.outputs.map((o) => o.dtype);
  const b = k.body;
  const plan = b.kind === 'contraction' ? gemmPlan(b) : undefined;
  if (b.kind === 'contraction' && plan) return renderGemmContraction(k, b, plan, fma);
  return renderFunction(k, (w) => {
    if (b.kind === 'map' || b.kind === 'reduce') {
      writeMapOrReduce(w, b, outDTypes);
    } else if (b.kind === 'contraction') {
      const roots = b.stores.flatMap((s) => [s.index, s.value]);
      w.declare(roots, 0);
      w.nest(loops('idx', [...b.batch, b.m, b.n]), roots, () => {
        w.scope.local('s0', 'f64');
        w.line('f64.const 0 local.set $s0');
        w.nest(loops('ridx', [b.k]), [b.a, b.b], () => {
          w.line(`local.get $s0 ${get(w.name(b.a))} f64.promote_f32 ${get(w.name(b.b))} f64.promote_f32 f64.mul f64.add local.set $s0`);
        });
        w.defineAcc(0, 'local.get $s0 f32.demote_f64', 'f32');
        w.declare(roots);
        w.stores(b.stores, outDTypes);
      });
    } else {
      throw new Error(`render-wasm: ${b.kind} kernels run a library routine, not generated code`);
    }
  });
}
