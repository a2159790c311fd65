// The reference interpreter as a Backend, registered as cpu-reference: every run evaluates the graph op by op
// (interpreter.ts), the oracle that compiled programs and other backends are compared against. It compiles nothing,
// so it has no kernels to profile or shadow-check; host memory is its device, and kept outputs are host tensors.

import type { Graph, TensorData, WeightStore } from '../../ir/index.js';
import type { Backend, DeviceTensor, Executable, RunInput, RunOptions, RunResult } from '../backend.js';
import { BufferTensor } from '../sdk/device-tensor.js';
import { hostMemory } from '../sdk/host-memory.js';
import { checkInputs, graphInputs } from '../sdk/inputs.js';
import { evaluate } from './interpreter.js';

const NAME = 'cpu-reference';

export function referenceBackend(): Backend {
  const memory = { name: NAME, ...hostMemory };
  const own = (what: string, t: DeviceTensor): BufferTensor<TensorData['data']> => {
    if (!(t instanceof BufferTensor) || t.device !== memory) throw new Error(`${what} lives on ${t.backend === NAME ? `another ${NAME} backend` : `backend ${t.backend}`}, not this ${NAME} backend`);
    void t.buffer; // throws if the tensor was disposed or donated
    return t as BufferTensor<TensorData['data']>;
  };

  const executable = (graph: Graph, weights: WeightStore): Executable => ({
    graph,
    async run(inputs: Readonly<Record<string, RunInput>>, options: RunOptions = {}): Promise<RunResult> {
      if (options.profile) throw new Error(`${graph.name}: the op-by-op interpreter (${NAME}) runs no kernels to profile; profile the compiled CPU backend`);
      const keep = new Set(options.keep ?? []);
      for (const k of keep) if (!graph.outputs.some((o) => o.name === k)) throw new Error(`${graph.name}: cannot keep "${k}"; the outputs are ${graph.outputs.map((o) => o.name).join(', ')}`);
      const expected = graphInputs(graph);
      const checked = checkInputs(graph.name, expected, inputs, own);
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
      for (const [name, t] of Object.entries(evaluate(graph, host, weights))) {
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
