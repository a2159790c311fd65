// Runs in the browser page (served transpiled by job-server.ts): acquires a device from navigator.gpu with the
// project's own WebGPU code and runs GPU jobs sent from Node as JSON, with buffer bytes in base64.

import { acquireDevice, NoAdapterError } from '../../src/backends/webgpu/index.js';
import type { GpuJob } from '../support/gpu-job.js';
import { GpuJobRunner } from '../support/gpu-job.js';
import type { PageApi, PageJob, PageProbe } from './page-protocol.js';

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function toBase64(bytes: Uint8Array): string {
  const chunk = 0x8000;
  let binary = '';
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

const toJob = (job: PageJob): GpuJob => ({
  ...job,
  buffers: job.buffers.map(({ data, ...rest }) => (data === undefined ? rest : { ...rest, data: fromBase64(data) })),
});

let runner: Promise<GpuJobRunner> | undefined;

function jobRunner(): Promise<GpuJobRunner> {
  runner ??= acquireDevice(navigator.gpu).then((gpu) => new GpuJobRunner(gpu));
  return runner;
}

const api: PageApi = {
  async probe(): Promise<PageProbe> {
    if (navigator.gpu === undefined) return { missing: 'navigator.gpu is undefined (WebGPU is disabled in this browser)' };
    try {
      return { adapter: (await jobRunner()).gpu.adapter };
    } catch (e) {
      runner = undefined;
      if (e instanceof NoAdapterError) return { missing: e.message };
      throw e;
    }
  },
  async run(jobs: readonly PageJob[]): Promise<(string | null)[][]> {
    const r = await jobRunner();
    const results: (string | null)[][] = [];
    for (const job of jobs) results.push((await r.run(toJob(job))).map((bytes) => (bytes === undefined ? null : toBase64(bytes))));
    return results;
  },
};

(globalThis as { dsv3?: PageApi }).dsv3 = api;
