// The function of a map, reduce or contraction kernel (spec/kernel-ir.md), whole: loop nests over its index space
// with its stores. A contraction here is the plain loop nest (products summed in float64 in k order and rounded
// once, as the CPU backend's GEMM does); gemm.ts runs the large ones on SIMD micro-kernels instead, and their
// function here is the epilogue that reads the product.

import type { ContractionBody, Kernel } from '../../compiler/kernel.js';
import { loopVarName, loops, writeMapOrReduce } from '../../compiler/nest-writer.js';
import { gemmPlan, type GemmPlan } from './gemm.js';
import { renderFunction, type RenderedKernel } from './kernel-module.js';
import { get } from './render-wasm.js';

/** The flat index of the batch loop variables (row-major over `batch`), as instructions. */
function flatBatch(batch: readonly number[]): string {
  let flat = 'i32.const 0';
  batch.forEach((extent, i) => (flat = `${flat} i32.const ${extent} i32.mul local.get $${loopVarName(`idx${i}`)} i32.add`));
  return flat;
}

/**
 * The epilogue of a contraction run on the SIMD GEMM (gemm.ts, which the caller runs first, on its threads): acc0
 * read from the product ([batch][M][paddedN] f32 at extra parameter `product`), then the stores.
 */
function renderGemmEpilogue(k: Kernel, b: ContractionBody, plan: GemmPlan): RenderedKernel {
  const outDTypes = k.outputs.map((o) => o.dtype);
  const { m: M, n: N, batch } = b;
  const nb = batch.length;
  return renderFunction(
    k,
    (w) => {
      const roots = b.stores.flatMap((s) => [s.index, s.value]);
      w.declare(roots, 0);
      w.nest(loops('idx', [...batch, M, N]), roots, () => {
        const [m, n] = [loopVarName(`idx${nb}`), loopVarName(`idx${nb + 1}`)];
        const row = `${flatBatch(batch)} i32.const ${M} i32.mul local.get $${m} i32.add`;
        w.defineAcc(0, `local.get $product ${row} i32.const ${plan.paddedN} i32.mul local.get $${n} i32.add i32.const 4 i32.mul i32.add f32.load`, 'f32');
        w.declare(roots);
        w.stores(b.stores, outDTypes);
      });
    },
    ['product'],
  );
}

/** Kernel `k`'s function (for a contraction on the SIMD GEMM, its epilogue). */
export function renderKernel(k: Kernel): RenderedKernel {
  const outDTypes = k.outputs.map((o) => o.dtype);
  const b = k.body;
  const plan = b.kind === 'contraction' ? gemmPlan(b) : undefined;
  if (b.kind === 'contraction' && plan) return renderGemmEpilogue(k, b, plan);
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
