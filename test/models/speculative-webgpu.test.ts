// Speculative decoding on WebGPU, one small case (lavapipe compiles every chunk length's shaders slowly, so the
// shapes are those of `npm run bench -- spec`, which leaves them in Mesa's shader cache): greedy speculative output
// equals plain greedy output on the golden MTP model, whose random drafts are rejected and rolled back.

import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backends/backend.js';
import { webgpuBackend } from '../../src/backends/webgpu/index.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { generate } from '../../src/models/deepseek/generate.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { GREEDY } from '../../src/models/deepseek/sampling.js';
import { Session } from '../../src/models/deepseek/session.js';
import { generateSpeculative } from '../../src/models/deepseek/speculative.js';
import { useWebGpu } from '../support/webgpu.js';

describe('speculative decoding on webgpu', () => {
  const device = useWebGpu();
  let backend: Backend | undefined;
  afterAll(() => backend?.dispose());

  it('gives the plain greedy tokens', async () => {
    backend ??= await webgpuBackend({ device: device() });
    const model = loadModel(directoryFiles('spec/golden/v3-tiny-mtp'));
    const prompts = [[4, 186, 292, 67, 359, 225, 327, 405]];
    const plain = new Session(model, backend, { batch: 1, maxSeqLen: 32 });
    const spec = new Session(model, backend, { batch: 1, maxSeqLen: 32 });
    try {
      const want = await generate(plain, prompts, { maxNew: 6, sampling: GREEDY });
      const got = await generateSpeculative(spec, prompts, { maxNew: 6, sampling: GREEDY, depth: 1 });
      expect(got.tokens).toEqual(want);
      expect(got.judged[0]).toBeGreaterThan(0);
    } finally {
      plain.dispose();
      spec.dispose();
    }
  }, 1_500_000);
});
