// Runs in the browser page (loaded by browser-model.test.ts): a golden case's checkpoint from bytes the page
// fetches, loaded and run through the browser entry alone on the backend Node names (opened through the registry),
// the golden protocol (a prefill, then one-token decode steps); returns the comparisons of every step's logits with
// the golden ones.

import { compareF32, GoldenCase, loadModel, memoryFiles, openBackend, Session, type Comparison, type FileSet } from '../../src/browser.js';

export type PageBackend = 'cpu' | 'webgpu';

export interface ModelPageApi {
  /** Golden run `run` of the case served at `caseUrl`, on `backend`. */
  run(caseUrl: string, run: string, backend: PageBackend): Promise<Comparison[]>;
}

const CASE_FILES = ['config.json', 'model.safetensors', 'expected.safetensors', 'manifest.json'];

export async function fetchCase(caseUrl: string): Promise<FileSet> {
  const files = await Promise.all(
    CASE_FILES.map(async (name) => {
      const response = await fetch(`${caseUrl}/${name}`);
      if (!response.ok) throw new Error(`${caseUrl}/${name}: HTTP ${response.status}`);
      return [name, await response.arrayBuffer()] as const;
    }),
  );
  return memoryFiles(caseUrl, Object.fromEntries(files));
}

const api: ModelPageApi = {
  async run(caseUrl, runName, backendName) {
    const files = await fetchCase(caseUrl);
    const golden = GoldenCase.open(files);
    const run = golden.runs().runs.find((r) => r.name === runName);
    if (run?.kind !== 'standard') throw new Error(`${caseUrl}: no standard golden run "${runName}"`);
    const model = loadModel(files, { attention: run.attention, ...run.linear });
    const backend = await openBackend(backendName);
    const prefill = golden.tokens('prefill');
    const decode = golden.tokens('decode');
    const session = new Session(model, backend, { batch: prefill.length });
    try {
      const logitsOf = async (rows: number[][], key: string): Promise<Comparison> => compareF32(key, (await session.forward(rows)).logits, golden.tensor(key));
      const results = [await logitsOf(prefill, `${run.name}.prefill.logits_all`)];
      for (let s = 0; s < decode[0]!.length; s++) results.push(await logitsOf(decode.map((row) => [row[s]!]), `${run.name}.decode.${s}.logits`));
      return results;
    } finally {
      session.dispose();
      backend.dispose();
      model.weights.close();
      golden.close();
    }
  },
};

(globalThis as { dsv3ModelPage?: ModelPageApi }).dsv3ModelPage = api;
