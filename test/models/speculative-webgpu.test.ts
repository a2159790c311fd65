// Speculative decoding on WebGPU, one small case (lavapipe compiles every chunk length's shaders slowly): greedy
// speculative output equals plain greedy output on a tiny random model with two MTP modules whose drafts are all
// accepted, so steps keep several tokens and both modules draft.

import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backends/backend.js';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { webgpuBackend } from '../../src/backends/webgpu/index.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { generate } from '../../src/models/deepseek/generate.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { GREEDY } from '../../src/models/deepseek/sampling.js';
import { Session } from '../../src/models/deepseek/session.js';
import { generateSpeculative } from '../../src/models/deepseek/speculative.js';
import { tinyMtpCheckpoint } from '../support/speculative-models.js';
import { useWebGpu } from '../support/webgpu.js';

describe('speculative decoding on webgpu', () => {
  const device = useWebGpu();
  const cpu = cpuBackend();
  let backend: Backend | undefined;
  let dir: string | undefined;
  afterAll(() => {
    backend?.dispose();
    cpu.dispose();
    if (dir !== undefined) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('gives the plain greedy tokens', async () => {
    backend ??= await webgpuBackend({ device: device() });
    dir = await tinyMtpCheckpoint(cpu, { vocab: 3, modules: 2, seed: 2, std: 0.02, zeroDrafts: true });
    const model = loadModel(directoryFiles(dir));
    const prompts = [[1, 2]];
    const plain = new Session(model, backend, { batch: 1, maxSeqLen: 8 });
    const spec = new Session(model, backend, { batch: 1, maxSeqLen: 8 });
    try {
      const want = await generate(plain, prompts, { maxNew: 4, sampling: GREEDY });
      const got = await generateSpeculative(spec, prompts, { maxNew: 4, sampling: GREEDY, depth: 2 });
      expect(got.tokens).toEqual(want);
      expect(got.accepted).toEqual([1, 1]);
    } finally {
      plain.dispose();
      spec.dispose();
    }
  }, 1_500_000);
});
