// Loaded by without-models.test.ts in a module graph of its own: it imports only the IR, the composites, the
// compiler and the CPU backend, so what it does must work without any model code.

import { cpuBackend } from '../../src/backends/cpu/backend.js';
import { claimableComposites } from '../../src/backends/cpu/claims/index.js';
import { compile } from '../../src/compiler/compile.js';
import { COMPOSITES } from '../../src/composites/index.js';
import { parseGraph, weightMap, type TensorData } from '../../src/ir/index.js';

export interface ParsedRun {
  /** The composites the CPU backend claims in the parsed graph. */
  readonly claimed: readonly string[];
  /** Per claimed composite kernel with `updates`: whether each updated result shares its operand's buffer. */
  readonly inPlace: readonly boolean[];
  readonly outputs: Record<string, TensorData>;
}

/** Parses `text`, compiles it with the CPU backend's claims and `donate`d inputs, and runs it once. */
export async function runParsed(text: string, weights: Record<string, TensorData>, inputs: Record<string, TensorData>, donate: readonly string[]): Promise<ParsedRun> {
  const graph = parseGraph(text);
  const claimed = claimableComposites(graph);
  const program = compile(graph, { claimed, donated: new Set(donate) });
  const inPlace = program.kernels.flatMap((k) => {
    if (k.body.kind !== 'library') return [];
    const updates = COMPOSITES.get(k.body.op)?.updates ?? {};
    const operands = k.body.operands;
    return Object.entries(updates).map(([result, operand]) => {
      const o = operands[operand]!;
      return o.kind === 'buffer' && k.outputs[Number(result)]!.buffer === k.inputs[o.slot]!.buffer;
    });
  });
  const backend = cpuBackend();
  try {
    const exe = await backend.compile(graph, weightMap(weights), { donate });
    const { outputs } = await exe.run(inputs);
    exe.dispose();
    return { claimed: [...claimed].sort(), inPlace, outputs };
  } finally {
    backend.dispose();
  }
}
