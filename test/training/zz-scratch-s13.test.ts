import { it } from 'vitest';
import { openBackend } from '../../src/backends/registry.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { AdamW, Trainer } from '../../src/training/index.js';

it('times', async () => {
  const backend = await openBackend('cpu');
  const model = loadModel(directoryFiles('spec/golden/v3-tiny-mtp'), { maxSeqLen: 32 });
  const trainer = new Trainer(model, backend, { batch: 4, seqLen: 32, maxNorm: 1, optimizer: new AdamW({ lr: 1e-3, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1 }) });
  const rows = Array.from({ length: 4 }, (_, r) => Array.from({ length: 32 }, (_, i) => (r * 7 + i * 13) % 512));
  for (let s = 0; s < 6; s++) {
    const t0 = performance.now();
    const r = await trainer.step(rows, { lr: 1e-3, mtpLambda: 0.3, balanceAlpha: 1e-4, biasGamma: 1e-3 });
    console.log(s, (performance.now() - t0).toFixed(0), 'ms', (r.forward['loss.total']!.data as Float32Array)[0], Object.keys(r.forward).join(','));
  }
  backend.dispose();
}, 600000);
