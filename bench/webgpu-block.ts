// The block workload of suite `webgpu`: layer 1 of the v3-tiny golden model (MLA and MoE, the real weights), a
// prefill chunk of 16 tokens at position 0, cut out of the model's own forward graph — from the residual stream
// after layer 0 to the one after layer 1 and the layer's caches — so it is exactly what the model runs.

import { GraphBuilder, numel, tensorData, walkNodes, type Graph, type TensorData, type Value } from '../src/ir/index.js';
import { loadModel } from '../src/models/deepseek/loaded-model.js';
import { buildModelGraph } from '../src/models/deepseek/model.js';
import { blockSpec } from './webgpu-block-spec.js';
import { uniform, type Workload } from './webgpu-workload.js';
import { directoryFiles } from '../src/io/local-files.js';

const CHECKPOINT = 'spec/golden/v3-tiny-f32';
const LAYER = 1;
const TOKENS = 16;

/** The part of `g` that computes `outputs` from the values in `cut` (which become inputs) and `g`'s own inputs. */
function sliceGraph(g: Graph, cut: ReadonlyMap<Value, string>, outputs: readonly string[]): Graph {
  const b = new GraphBuilder(`deepseek_layer_${LAYER}`);
  const made = new Map<Value, Value>();
  const make = (v: Value): Value => {
    const done = made.get(v);
    if (done) return done;
    const name = cut.get(v) ?? (v.def.kind === 'input' ? v.def.name : undefined);
    if (name !== undefined) made.set(v, b.input(name, v.type));
    else {
      const n = v.node!;
      const args = n.inputs.map(make);
      const results = n.body ? b.region(n.op, args, n.attrs, n.body) : [b.op(n.op, args, n.attrs)];
      n.outputs.forEach((o, i) => made.set(o, results[i]!));
    }
    return made.get(v)!;
  };
  const valueOf = (name: string) => g.outputs.find((o) => o.name === name)!.value;
  return b.build(Object.fromEntries(outputs.map((name) => [name, make(valueOf(name))])));
}

/** Floating-point operations of the contractions in `g` (2 per multiply-add; the rest is small next to them). */
function contractionFlops(g: Graph): number {
  let flops = 0;
  for (const n of walkNodes(g)) {
    if (n.op !== 'matmul' && n.op !== 'gather_matmul') continue;
    const out = n.outputs[0]!.shape;
    const k = n.inputs[0]!.shape[n.inputs[0]!.shape.length - 1]!;
    flops += 2 * numel(out) * k;
  }
  return flops;
}

export async function blockWorkload(): Promise<Workload> {
  const m = loadModel(directoryFiles(CHECKPOINT));
  const forward = buildModelGraph(m.config, m.settings, m.weights.layout, { batch: 1, seqLen: TOKENS, captures: true });
  const caches = [`cache.${LAYER}.kv_cache`, `cache.${LAYER}.pe_cache`];
  const before = forward.outputs.find((o) => o.name === `block.${LAYER - 1}`)!.value;
  const graph = sliceGraph(forward, new Map([[before, 'x']]), [`block.${LAYER}`, ...caches]);
  const shapeOf = (name: string) => graph.inputs.find((v) => v.def.kind === 'input' && v.def.name === name)!.shape;
  const D = m.config.hiddenSize;
  const x = tensorData('f32', [1, TOKENS, D], uniform(TOKENS * D, 3));
  const zeros = (name: string): TensorData => tensorData('f32', shapeOf(name), new Float32Array(numel(shapeOf(name))));
  const inputs: Record<string, TensorData> = { x, start_pos: tensorData('i32', [], Int32Array.of(0)), [caches[0]!]: zeros(caches[0]!), [caches[1]!]: zeros(caches[1]!) };
  const rows = (table: TensorData) => tensorData('f32', [TOKENS, table.shape[1]!], (table.data as Float32Array).slice(0, TOKENS * table.shape[1]!));
  const layout = m.weights.layout;
  const per = (t: TensorData): TensorData => tensorData('f32', t.shape.slice(1), t.data);
  const block = blockSpec(graph, m.weights, {
    x: per(x),
    kvCache: per(inputs[caches[0]!]!),
    peCache: per(inputs[caches[1]!]!),
    cos: rows(m.weights.get(layout.ropeCos.name)),
    sin: rows(m.weights.get(layout.ropeSin.name)),
    startPos: 0,
  });
  return {
    name: `v3-tiny block (MLA + MoE), ${TOKENS} tokens`,
    flops: contractionFlops(graph),
    graph,
    weights: m.weights,
    inputs,
    output: `block.${LAYER}`,
    peer: { kind: 'block', block },
  };
}
