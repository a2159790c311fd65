// The reference interpreter as a Backend, registered as cpu-reference: every run evaluates the graph op by op
// (interpreter.ts), the oracle that compiled programs and other backends are compared against. It compiles nothing,
// so it has no kernels to profile or shadow-check; host memory is its device, and kept outputs are host tensors.

import type { Graph, TensorData, WeightStore } from '../../ir/index.js';
import type { Backend, DeviceTensor, Executable, RunInput, RunOptions, RunResult } from '../backend.js';
import { BufferTensor } from '../sdk/device-tensor.js';
import { hostMemory } from '../sdk/host-memory.js';
import { checkInputs, checkKeep, graphInputs } from '../sdk/inputs.js';
import { evaluate, type NodeObserver } from './interpreter.js';

const NAME = 'cpu-reference';

/** `observe` sees every node's results as the interpreter computes them (interpreter.ts). */
export function referenceBackend({ observe }: { readonly observe?: NodeObserver } = {}): Backend {
  const memory = { name: NAME, ...hostMemory };
  const executable = (graph: Graph, weights: WeightStore): Executable => ({
    graph,
    async run(inputs: Readonly<Record<string, RunInput>>, options: RunOptions = {}): Promise<RunResult> {
      if (options.profile) throw new Error(`${graph.name}: the op-by-op interpreter (${NAME}) runs no kernels to profile; profile the compiled CPU backend`);
      const keep = new Set(options.keep ?? []);
      checkKeep(graph.name, keep, graph.outputs.map((o) => o.name));
      const expected = graphInputs(graph);
      const checked = checkInputs(graph.name, expected, inputs, (what, t) => BufferTensor.ownedBy<TensorData['data']>(memory, what, t));
      const donated = new Set(options.donate ?? []);
      // The interpreter never writes into its operands, so tensors are read in place, donated or not.
      const host = Object.fromEntries(
        expected.map(({ name }, i) => {
          const t = checked[i]!;
          return [name, t instanceof BufferTensor ? { ...t.type, data: donated.has(name) ? t.take() : t.buffer } : t];
        }),
      );
      const outputs: Record<string, TensorData> = {};
      const kept: Record<string, DeviceTensor> = {};
      for (const [name, t] of Object.entries(evaluate(graph, host, weights, observe))) {
        if (keep.has(name)) kept[name] = new BufferTensor(memory, t, t.data);
        else outputs[name] = t;
      }
      return { outputs, kept };
    },
    dispose() {},
  });

  return {
    name: NAME,
    compile: async (graph, weights) => executable(graph, weights),
    upload: (t) => new BufferTensor(memory, t, memory.upload(t.data)),
    dispose() {},
  };
}
