// A TypeScript page script that uses the installed package's browser entry (package.test.ts type-checks it
// against the declarations in the tarball, without Node's types; it is never run).

import { GoldenCase, loadModel, memoryFiles, Session, webgpuBackend, type ForwardResult } from 'dsv3/browser';
// @ts-expect-error: reading directories is in the Node entry only
import { directoryFiles } from 'dsv3/browser';

/** The prefill logits of a golden case whose files the page fetched from `url`. */
export async function prefillLogits(url: string): Promise<ForwardResult['logits']> {
  const names = ['config.json', 'model.safetensors', 'expected.safetensors', 'manifest.json'];
  const bytes = await Promise.all(names.map(async (name) => [name, await (await fetch(`${url}/${name}`)).arrayBuffer()] as const));
  const files = memoryFiles(url, Object.fromEntries(bytes));
  const golden = GoldenCase.open(files);
  const session = new Session(loadModel(files), await webgpuBackend({ gpu: navigator.gpu }), { batch: 2 });
  return (await session.forward(golden.tokens('prefill'))).logits;
}

export const unusable = directoryFiles;
