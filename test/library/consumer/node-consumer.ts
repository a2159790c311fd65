// A TypeScript program that uses the installed package's Node entry (package.test.ts type-checks it against the
// declarations in the tarball; it is never run). The @ts-expect-error lines fail the check if the declarations
// lose their types, since a call TypeScript cannot check raises no error to expect.

import { cpuBackend, directoryFiles, generate, GoldenCase, loadModel, matmul, Session, tensorData, Trace, verifyRun, weightMap, type Comparison, type TensorData } from 'dsv3';

/** y = x·w on the CPU backend, through the IR builder and the ops. */
export async function product(x: Float32Array, w: Float32Array): Promise<TensorData> {
  const t = new Trace('product');
  const y = matmul(t.input('x', 'f32', [2, 3]), t.weight('w', 'f32', [3, 2]));
  const backend = cpuBackend();
  const exe = await backend.compile(t.build({ y }), weightMap({ w: tensorData('f32', [3, 2], w) }));
  const { outputs } = await exe.run({ x: tensorData('f32', [2, 3], x) });
  return outputs.y!;
}

/** Greedy continuations of `prompts` from a checkpoint folder. */
export async function continueFrom(dir: string, prompts: number[][]): Promise<number[][]> {
  const session = new Session(loadModel(directoryFiles(dir)), cpuBackend(), { batch: prompts.length });
  try {
    return await generate(session, prompts, { maxNew: 4, sampling: { temperature: 0, seed: 0 } });
  } finally {
    session.dispose();
  }
}

/** Every comparison of a golden case's runs on the CPU backend. */
export async function verifyCase(dir: string): Promise<Comparison[]> {
  const golden = GoldenCase.open(directoryFiles(dir));
  const results: Comparison[] = [];
  for (const run of golden.runs().runs) results.push(...(await verifyRun(golden, run, cpuBackend())));
  return results;
}

// @ts-expect-error: a checkpoint folder is a FileSet (directoryFiles(dir)), not a path
loadModel('spec/golden/v3-tiny-f32');
// @ts-expect-error: tensorData takes a dtype the IR knows
tensorData('f64', [1], new Float64Array(1));
