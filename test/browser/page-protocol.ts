// What Node and the browser page exchange: jobs with base64 buffer bytes, results as base64 per binding.

import type { AdapterDescription } from '../../src/backends/webgpu/index.js';
import type { GpuJob, GpuJobBuffer } from '../support/gpu-job.js';

export type PageJob = Omit<GpuJob, 'buffers'> & { readonly buffers: readonly (Omit<GpuJobBuffer, 'data'> & { readonly data?: string })[] };

export type PageProbe = { readonly adapter: AdapterDescription } | { readonly missing: string };

/** Installed as globalThis.dsv3 by page-entry.ts. */
export interface PageApi {
  probe(): Promise<PageProbe>;
  /** Outputs by job, then by binding: base64 bytes of each buffer read back, null for the others. */
  run(jobs: readonly PageJob[]): Promise<(string | null)[][]>;
}
