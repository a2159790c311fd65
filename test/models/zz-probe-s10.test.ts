import { it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { Session } from '../../src/models/deepseek/session.js';
import { directoryFiles } from '../../src/io/local-files.js';

it('probe', async () => {
  for (const mode of ['compiled', 'reference'] as const) {
    const backend = cpuBackend(mode === 'reference' ? { mode } : {});
    const model = loadModel(directoryFiles('spec/golden/v3-tiny-mtp'));
    const P = [[4, 486, 292, 467], [328, 362, 388, 297]];
    const extra = [[5, 6, 7], [8, 9, 10]];
    const a = new Session(model, backend, { batch: 2, maxSeqLen: 16 });
    await a.forward(P);
    const la = (await a.forward(extra)).logits;
    const b = new Session(model, backend, { batch: 2, maxSeqLen: 16 });
    await b.forward(P);
    const steps = [];
    for (let i = 0; i < 3; i++) steps.push((await b.forward(extra.map((r) => [r[i]!]))).logits);
    let diff = 0;
    const V = 512;
    for (let r = 0; r < 2; r++) for (let i = 0; i < 3; i++) for (let v = 0; v < V; v++) if (la.data[(r * 3 + i) * V + v] !== steps[i]!.data[r * V + v]) diff++;
    const ca = await a.readCaches(), cb = await b.readCaches();
    let cd = 0;
    for (const k of Object.keys(ca)) for (let j = 0; j < ca[k]!.data.length; j++) if (ca[k]!.data[j] !== cb[k]!.data[j]) cd++;
    console.log(mode, 'logit diffs', diff, 'cache diffs', cd);
    backend.dispose();
  }
});
