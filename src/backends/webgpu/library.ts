// Library kernels (the kernel IR's `library` body) as WGSL: the routines the compiler leaves to the backend, each
// written by hand in its own file and assembled into a shader like a rendered kernel (wgsl-shader.ts): the
// primitives cumsum, topk, scatter_add and gather_matmul, and the composites WebGPU claims (claims.ts).

import type { Kernel, LibraryBody } from '../../compiler/kernel.js';
import { WEBGPU_CLAIMS } from './claims.js';
import { cumsumBody } from './library-cumsum.js';
import { gatherMatmulBody } from './library-gather-matmul.js';
import { scatterAddBody } from './library-scatter-add.js';
import { topkBody } from './library-topk.js';
import { assembleShader, ShaderUses, type RenderedKernel, type ShaderBody, type WgslLaunchShape } from './wgsl-shader.js';

export type LibraryRoutine = (k: Kernel, body: LibraryBody, uses: ShaderUses, shape: WgslLaunchShape) => ShaderBody;

const PRIMITIVE_ROUTINES: Readonly<Record<string, LibraryRoutine>> = {
  cumsum: cumsumBody,
  topk: topkBody,
  scatter_add: scatterAddBody,
  gather_matmul: gatherMatmulBody,
};

/** The WGSL of library kernel `k`. */
export function renderLibrary(k: Kernel, shape: WgslLaunchShape): RenderedKernel {
  const body = k.body;
  if (body.kind !== 'library') throw new Error(`webgpu: ${k.name} is a ${body.kind} kernel, not a library one`);
  const routine = PRIMITIVE_ROUTINES[body.op] ?? WEBGPU_CLAIMS.get(body.op)?.routine;
  if (!routine) throw new Error(`webgpu: no library kernel for "${body.op}" (${k.name}); expected one of ${[...Object.keys(PRIMITIVE_ROUTINES), ...WEBGPU_CLAIMS.keys()].join(', ')}`);
  const uses = new ShaderUses();
  return assembleShader(k, uses, routine(k, body, uses, shape), shape.workgroupSize, shape, `library kernel ${body.op}`);
}
