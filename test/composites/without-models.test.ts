// A graph that names the model's composites (mla_attention with its in-place cache updates, moe), printed to text,
// then parsed, compiled and run by the CPU backend in a module graph of its own that loads only the IR, the
// composites, the compiler and the backends (parsed-graph-run.ts): no model code is loaded there, the claims and
// cache updates still apply, and the outputs are those of the same graph compiled here.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, createServerModuleRunner, type ViteDevServer } from 'vite';
import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { printGraph, walkNodes, weightMap, zeros, type TensorData } from '../../src/ir/index.js';
import { directoryFiles } from '../../src/io/local-files.js';
import { loadModel } from '../../src/models/deepseek/loaded-model.js';
import { buildModelGraph } from '../../src/models/deepseek/model.js';
import type { ParsedRun } from './parsed-graph-run.js';

let server: ViteDevServer;
let runner: ReturnType<typeof createServerModuleRunner>;

beforeAll(async () => {
  server = await createServer({ configFile: false, root: process.cwd(), logLevel: 'error', appType: 'custom', server: { middlewareMode: true, hmr: false, ws: false } });
  runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
});

afterAll(async () => {
  await runner.close();
  await server.close();
});

describe('a parsed graph with model composites, without the model code', () => {
  const m = loadModel(directoryFiles('spec/golden/v3-tiny-f32'));
  const graph = buildModelGraph(m.config, m.settings, m.weights.layout, { batch: 1, seqLen: 1 });
  const weights: Record<string, TensorData> = Object.fromEntries(
    [...walkNodes(graph)].filter((n) => n.op === 'weight').map((n) => [n.attrs.name as string, m.weights.get(n.attrs.name as string)]),
  );
  m.weights.close();
  const inputs: Record<string, TensorData> = Object.fromEntries(
    graph.inputs.map((v) => {
      const name = v.def.kind === 'input' ? v.def.name : '';
      return [name, name === 'tokens' ? { dtype: 'i32', shape: [1, 1], data: Int32Array.of(7) } : name === 'start_pos' ? { dtype: 'i32', shape: [], data: Int32Array.of(0) } : zeros(v.dtype, v.shape)];
    }),
  );
  const caches = Object.keys(inputs).filter((name) => name.startsWith('cache.'));

  it('compiles and runs with the claims and in-place cache updates, and loads no model module', async () => {
    const { runParsed } = (await runner.import('/test/composites/parsed-graph-run.ts')) as { runParsed: (...a: unknown[]) => Promise<ParsedRun> };
    const run = await runParsed(printGraph(graph), weights, inputs, caches);

    const loaded = [...runner.evaluatedModules.idToModuleMap.keys()].map((id) => id.slice(process.cwd().length + 1)).filter((id) => id.startsWith('src/'));
    expect(loaded).toContain('src/composites/index.ts');
    expect(loaded.filter((id) => id.startsWith('src/models/') || id.startsWith('src/cli/'))).toEqual([]);

    expect(run.claimed).toEqual(['mla_attention', 'moe']);
    expect(run.inPlace).toHaveLength(2 * m.config.numHiddenLayers);
    expect(run.inPlace.every((shared) => shared)).toBe(true);

    const backend = cpuBackend();
    try {
      const exe = await backend.compile(graph, weightMap(weights));
      const here = (await exe.run(inputs)).outputs;
      exe.dispose();
      expect(Object.keys(run.outputs).sort()).toEqual(Object.keys(here).sort());
      for (const [name, t] of Object.entries(here)) expect(run.outputs[name]!.data, name).toEqual(t.data);
    } finally {
      backend.dispose();
    }
  });
});
