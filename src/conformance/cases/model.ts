// Cases for the model's composites at tiny sizes, with the weights of a real tiny checkpoint (spec/golden): each of
// mla_attention, moe, mlp and mtp_block is taken from the model graph as it is built for a forward pass and run on
// its own, and the whole model (three layers and the MTP module) runs as one case.

import { GraphBuilder, tensorData, walkNodes, type Graph, type Node, type TensorData, type Value } from '../../ir/index.js';
import { directoryFiles } from '../../io/local-files.js';
import { loadModel, type LoadedModel } from '../../models/deepseek/loaded-model.js';
import { buildModelGraph } from '../../models/deepseek/model.js';
import type { ConformanceCase } from '../case.js';
import { Rng, randomTensor, seedOf } from '../data.js';

export const TINY_CHECKPOINT = 'spec/golden/v3-tiny-mtp';

const MODEL_COMPOSITES = ['mla_attention', 'moe', 'mlp', 'mtp_block'];

/** Positions already in the caches when a composite runs on its own: a decode-like offset. */
const START = 3;

/** The weights a graph reads, from the checkpoint. */
function weightsOf(graph: Graph, m: LoadedModel): Record<string, TensorData> {
  const names = [...walkNodes(graph)].filter((n) => n.op === 'weight').map((n) => n.attrs.name as string);
  return Object.fromEntries(names.map((name) => [name, m.weights.get(name)]));
}

/** Data for a non-weight operand: token ids in range, the start position, and activations, caches, rotations. */
function operandData(rng: Rng, v: Value, vocab: number): TensorData {
  if (v.dtype === 'i32' && v.shape.length === 0) return tensorData('i32', [], Int32Array.of(START));
  if (v.dtype === 'i32') return tensorData('i32', v.shape, Int32Array.from({ length: v.shape.reduce((p, d) => p * d, 1) }, () => rng.int(vocab)));
  return randomTensor(rng, v.dtype, v.shape, 'unit');
}

/** Composite node `n` of the model graph as a graph of its own: weight operands stay weights, the rest are inputs. */
function isolate(n: Node & { body: Graph }, m: LoadedModel): ConformanceCase {
  const name = `deepseek ${n.op}`;
  const rng = new Rng(seedOf(name));
  const b = new GraphBuilder(`deepseek_${n.op}`);
  const inputs: Record<string, TensorData> = {};
  const operands = n.inputs.map((v, i) => {
    const source = v.node;
    if (source?.op === 'weight') return b.op('weight', [], source.attrs);
    const inputName = n.body.inputs[i]!.def.kind === 'input' ? (n.body.inputs[i]!.def as { name: string }).name : `operand${i}`;
    inputs[inputName] = operandData(rng, v, m.config.vocabSize);
    return b.input(inputName, v.type);
  });
  const results = b.region(n.op, operands, n.attrs, n.body);
  const graph = b.build(results.map((value, i) => ({ name: n.body.outputs[i]!.name, value })));
  // The MLP (two projections and SwiGLU) is the model's cheapest part to compile: the quick pass takes it.
  return { name, graph, inputs, weights: weightsOf(graph, m), quick: n.op === 'mlp' };
}

/** The forward graph's inputs: token ids in range, position 0, empty caches. */
function forwardInputs(graph: Graph, vocab: number): Record<string, TensorData> {
  const rng = new Rng(seedOf('deepseek forward'));
  return Object.fromEntries(
    graph.inputs.map((v) => {
      const name = v.def.kind === 'input' ? v.def.name : '';
      if (name === 'tokens') return [name, operandData(rng, v, vocab)];
      if (name === 'start_pos') return [name, tensorData('i32', [], Int32Array.of(0))];
      return [name, tensorData(v.dtype, v.shape, new Float32Array(v.shape.reduce((p, d) => p * d, 1)))];
    }),
  );
}

/** The model's composites on their own, and the whole tiny model with MTP over `seqLen` tokens. */
export function modelCases(dir = TINY_CHECKPOINT, seqLen = 4): ConformanceCase[] {
  const m = loadModel(directoryFiles(dir));
  try {
    const graph = buildModelGraph(m.config, m.settings, m.weights.layout, { batch: 1, seqLen, mtp: true });
    const nodes = [...walkNodes(graph)];
    const composites = MODEL_COMPOSITES.map((op) => {
      const n = nodes.find((x) => x.op === op);
      if (!n?.body) throw new Error(`the ${dir} model graph has no ${op} composite`);
      return isolate(n as Node & { body: Graph }, m);
    });
    const forward: ConformanceCase = { name: 'deepseek forward (3 layers + MTP)', graph, inputs: forwardInputs(graph, m.config.vocabSize), weights: weightsOf(graph, m) };
    return [...composites, forward];
  } finally {
    m.weights.close();
  }
}
