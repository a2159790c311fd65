// Runs one golden run on a backend through the Session, exactly as the goldens were made (prefill at 0, then
// one-token decode steps), and compares every stored tensor the run has: logits, final norm, per-block captures,
// routing, and the caches after the last step; for the MTP case, the main model's outputs and the MTP logits
// and routing.

import { tensorData, type TensorData } from '../../../ir/index.js';
import type { Backend } from '../../../backends/backend.js';
import { loadModel } from '../loaded-model.js';
import { Session, type ForwardResult } from '../session.js';
import { compareF32, compareGateWeights, compareIndices, type Comparison } from './compare.js';
import type { GoldenCase, GoldenRun } from './golden-case.js';

/** The last position of [B, S, V] logits, [B, V]. */
function lastPosition(logits: TensorData): TensorData {
  const [B, S, V] = logits.shape as [number, number, number];
  const out = new Float32Array(B * V);
  for (let b = 0; b < B; b++) out.set(logits.data.subarray((b * S + S - 1) * V, (b * S + S) * V) as Float32Array, b * V);
  return tensorData('f32', [B, V], out);
}

/** The first `positions` entries of a [B, T, ...] cache. */
function firstPositions(cache: TensorData, positions: number): TensorData {
  const [B, T] = cache.shape as [number, number];
  const inner = cache.data.length / (B * T);
  const out = new Float32Array(B * positions * inner);
  for (let b = 0; b < B; b++) out.set(cache.data.subarray(b * T * inner, (b * T + positions) * inner) as Float32Array, b * positions * inner);
  return tensorData('f32', [B, positions, ...cache.shape.slice(2)], out);
}

class Checker {
  readonly results: Comparison[] = [];
  constructor(private readonly golden: GoldenCase) {}

  f32(key: string, got: TensorData | undefined): void {
    if (got !== undefined && this.golden.has(key)) this.results.push(compareF32(key, got, this.golden.tensor(key)));
  }

  /** Expert indices (as sets per token) and routing weights (by expert) against `<prefix>.indices` / `.weights`. */
  gate(prefix: string, indices: TensorData | undefined, weights: TensorData | undefined): void {
    const [ki, kw] = [`${prefix}.indices`, `${prefix}.weights`];
    if (indices === undefined || weights === undefined || !this.golden.has(ki)) return;
    const wantIdx = this.golden.tensor(ki);
    this.results.push(compareIndices(ki, indices, wantIdx));
    if (this.golden.has(kw)) this.results.push(compareGateWeights(kw, weights, indices, this.golden.tensor(kw), wantIdx));
  }

  /** Everything a forward call produced, against `<prefix>.<name>`; logits go to `logitsKey`. */
  step(prefix: string, r: ForwardResult, layers: number, logitsKey: string): void {
    this.f32(`${prefix}.${logitsKey}`, r.logits);
    for (const name of ['embed', 'final_norm']) this.f32(`${prefix}.${name}`, r.outputs[name]);
    for (let i = 0; i < layers; i++) {
      for (const part of ['block', 'attn', 'ffn']) this.f32(`${prefix}.${part}.${i}`, r.outputs[`${part}.${i}`]);
      this.gate(`${prefix}.gate.${i}`, r.outputs[`gate.${i}.indices`], r.outputs[`gate.${i}.weights`]);
    }
  }
}

async function standardRun(golden: GoldenCase, run: GoldenRun, backend: Backend, check: Checker): Promise<void> {
  const model = loadModel(golden.dir, { attention: run.attention });
  const prefill = golden.tokens('prefill');
  const decode = golden.tokens('decode');
  const session = new Session(model, backend, { batch: prefill.length, captures: true });
  try {
    const layers = model.config.numHiddenLayers;
    const first = await session.forward(prefill);
    check.step(`${run.name}.prefill`, first, layers, 'logits_all');
    check.f32(`${run.name}.prefill.logits`, lastPosition(first.logits));
    for (let s = 0; s < decode[0]!.length; s++) check.step(`${run.name}.decode.${s}`, await session.forward(decode.map((row) => [row[s]!])), layers, 'logits');
    for (const [name, cache] of Object.entries(await session.readCaches())) check.f32(`${run.name}.${name}`, firstPositions(cache, session.position));
  } finally {
    session.dispose();
    model.weights.close();
  }
}

async function mtpRun(golden: GoldenCase, run: GoldenRun & { kind: 'mtp' }, backend: Backend, check: Checker): Promise<void> {
  const model = loadModel(golden.dir, { attention: run.attention, mtpHidden: run.mtpHidden });
  const prefill = golden.tokens('prefill');
  const session = new Session(model, backend, { batch: prefill.length, captures: true, mtp: true });
  try {
    const r = await session.forward(prefill);
    check.f32('main.logits_all', r.logits);
    check.f32('main.final_norm', r.outputs.final_norm);
    check.f32('main.hidden_last_block', r.outputs[`block.${model.config.numHiddenLayers - 1}`]);
    check.f32(`${run.name}.logits`, r.outputs['mtp.logits']);
    check.gate(`${run.name}.gate`, r.outputs['mtp.gate.indices'], r.outputs['mtp.gate.weights']);
  } finally {
    session.dispose();
    model.weights.close();
  }
}

/** Every comparison of `run` on `backend`. */
export async function verifyRun(golden: GoldenCase, run: GoldenRun, backend: Backend): Promise<Comparison[]> {
  const check = new Checker(golden);
  if (run.kind === 'mtp') await mtpRun(golden, run, backend, check);
  else await standardRun(golden, run, backend, check);
  return check.results;
}
