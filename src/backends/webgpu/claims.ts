// The composites WebGPU runs with its own kernels: DeepSeek's FP8 recipe, so that quantized bytes, scales and FP8
// GEMM results are the CPU's bit for bit. Decomposed, they would not be: WGSL's division is off by up to 2.5 ulp,
// its log2 is approximate, and its f32 sums round in another order than the exact block sums of the CPU.

import type { Graph } from '../../ir/index.js';
import { claimableComposites as claimableBy, type ClaimTest } from '../../compiler/claims.js';
import { fp8GatherGemmBody, fp8GemmBody, MAX_BLOCK } from './library-fp8-gemm.js';
import { fp8BlockQuantizeBody, fp8QuantizeBody } from './library-fp8-quantize.js';
import type { LibraryRoutine } from './library.js';

export interface WebGpuClaim extends ClaimTest {
  readonly routine: LibraryRoutine;
}

const always = (): boolean => true;
const blockFits: ClaimTest['supports'] = (node) => (node.attrs.block as number) <= MAX_BLOCK;

export const WEBGPU_CLAIMS: ReadonlyMap<string, WebGpuClaim> = new Map([
  ['fp8_quantize', { supports: always, routine: fp8QuantizeBody }],
  ['fp8_block_quantize', { supports: always, routine: fp8BlockQuantizeBody }],
  ['fp8_gemm', { supports: blockFits, routine: fp8GemmBody }],
  ['fp8_gather_gemm', { supports: blockFits, routine: fp8GatherGemmBody }],
]);

/** The composites of `graph`, at any depth, whose every occurrence a WebGPU kernel supports. */
export const claimableComposites = (graph: Graph): Set<string> => claimableBy(graph, WEBGPU_CLAIMS);
