import { it } from 'vitest';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { compile } from '../../src/compiler/compile.js';
import { byteSize } from '../../src/ir/index.js';
import { grad } from '../../src/autodiff/index.js';
import { TrainingParameters, buildLossGraph } from '../../src/training/index.js';
import { loadTrainModel } from './train-golden.js';

it('memory', async () => {
  const model = loadTrainModel();
  const p = new TrainingParameters(model);
  const loss = buildLossGraph(model.config, model.settings, p.layout, { batch: 2, seqLen: 12 });
  const g = grad(loss, ['loss.total'], { weights: p.gradientTargets() });
  const backend = cpuBackend();
  for (const [name, graph] of [['loss', loss], ['grad', g]] as const) {
    const prog = compile(graph, backend.compileOptions(graph));
    const bytes = (b: any) => b.size * byteSize(b.dtype);
    const by: Record<string, number> = {};
    for (const b of prog.buffers) by[b.role] = (by[b.role] ?? 0) + bytes(b);
    // live peak of temp+output buffers
    const first = new Map<number, number>(), last = new Map<number, number>();
    prog.kernels.forEach((k, i) => { for (const o of k.outputs) if (!first.has(o.buffer)) first.set(o.buffer, i); for (const x of [...k.inputs, ...k.outputs]) last.set(x.buffer, i); });
    for (const id of Object.values(prog.outputs)) last.set(id, Infinity);
    let peak = 0, tpeak = 0;
    for (let i = 0; i < prog.kernels.length; i++) {
      let live = 0, tlive = 0;
      for (const b of prog.buffers) if ((b.role === 'temp' || b.role === 'output') && first.has(b.id) && first.get(b.id)! <= i && last.get(b.id)! >= i) { live += bytes(b); if (b.role === 'temp') tlive += bytes(b); }
      peak = Math.max(peak, live); tpeak = Math.max(tpeak, tlive);
    }
    console.log(name, 'temp-only live peak', tpeak);
    // size histogram of temps
    const temps = prog.buffers.filter((b) => b.role === 'temp');
    const big = [...prog.buffers].filter((b) => b.role === 'temp').sort((a, b) => bytes(b) - bytes(a)).slice(0, 8);
    for (const b of big) { const k = prog.kernels.find((k) => k.outputs.some((o) => o.buffer === b.id)); console.log(name, 'temp', bytes(b), b.dtype, k?.name, k?.origin, k?.body.kind); }
    console.log(name, 'kernels', prog.kernels.length, 'buffers', prog.buffers.length, JSON.stringify(by), 'live peak temp+out', peak, 'temps', temps.length);
  }
  backend.dispose();
  model.weights.close();
}, 600000);
