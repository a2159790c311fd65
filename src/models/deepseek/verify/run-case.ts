// Runs one golden run on a backend through the Session, exactly as the goldens were made (prefill at 0, then
// one-token decode steps), and compares every stored tensor the run has: logits, final norm, per-block captures,
// routing, and the caches after the last step; for the MTP case, the main model's outputs and the MTP logits
// and routing. Standard runs also replay each layer on the stored input of that layer (layer-replay.ts) and each
// captured Linear call on its stored input (linear-replay.ts). Runs with FP8 GEMMs compare whole-run tensors
// within the FP8 end-to-end bound, replayed layers within FP8_LAYER_CHECKS and FP8 Linear calls bit for bit.

import { tensorData, type TensorData } from '../../../ir/index.js';
import type { Backend } from '../../../backends/backend.js';
import { loadModel } from '../loaded-model.js';
import { Session, type ForwardResult } from '../session.js';
import { Checker } from './checker.js';
import type { Comparison } from './compare.js';
import type { GoldenCase, GoldenRun } from './golden-case.js';
import { replayLayers } from './layer-replay.js';
import { replayLinears } from './linear-replay.js';
import { F32_CHECKS, FP8_END_TO_END_CHECKS, FP8_LAYER_CHECKS } from './tolerance.js';

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

/** Everything a forward call produced, against `<prefix>.<name>`; logits go to `logitsKey`. */
function checkStep(check: Checker, prefix: string, r: ForwardResult, layers: number, logitsKey: string): void {
  check.f32(`${prefix}.${logitsKey}`, r.logits);
  for (const name of ['embed', 'final_norm']) check.f32(`${prefix}.${name}`, r.outputs[name]);
  for (let i = 0; i < layers; i++) {
    for (const part of ['block', 'attn', 'ffn']) check.f32(`${prefix}.${part}.${i}`, r.outputs[`${part}.${i}`]);
    check.gate(`${prefix}.gate.${i}`, r.outputs[`gate.${i}.indices`], r.outputs[`gate.${i}.weights`]);
  }
}

async function standardRun(golden: GoldenCase, run: GoldenRun & { kind: 'standard' }, backend: Backend): Promise<Comparison[]> {
  const model = loadModel(golden.files, { attention: run.attention, ...run.linear });
  const fp8 = run.linear.gemm === 'fp8';
  const check = new Checker(golden, fp8 ? FP8_END_TO_END_CHECKS : F32_CHECKS);
  const prefill = golden.tokens('prefill');
  const decode = golden.tokens('decode');
  const session = new Session(model, backend, { batch: prefill.length, captures: true });
  try {
    const layers = model.config.numHiddenLayers;
    const first = await session.forward(prefill);
    checkStep(check, `${run.name}.prefill`, first, layers, 'logits_all');
    check.f32(`${run.name}.prefill.logits`, lastPosition(first.logits));
    for (let s = 0; s < decode[0]!.length; s++) checkStep(check, `${run.name}.decode.${s}`, await session.forward(decode.map((row) => [row[s]!])), layers, 'logits');
    for (const [name, cache] of Object.entries(await session.readCaches())) check.f32(`${run.name}.${name}`, firstPositions(cache, session.position));
    const replayed = await replayLayers(golden, run.name, model, backend, fp8 ? FP8_LAYER_CHECKS : F32_CHECKS);
    return [...check.results, ...replayed, ...(await replayLinears(golden, run.name, run.linear, backend))];
  } finally {
    session.dispose();
    model.weights.close();
  }
}

async function mtpRun(golden: GoldenCase, run: GoldenRun & { kind: 'mtp' }, backend: Backend): Promise<Comparison[]> {
  const check = new Checker(golden, F32_CHECKS);
  const model = loadModel(golden.files, { attention: run.attention, mtpHidden: run.mtpHidden });
  const prefill = golden.tokens('prefill');
  const session = new Session(model, backend, { batch: prefill.length, captures: true, mtp: true });
  try {
    const r = await session.forward(prefill);
    check.f32('main.logits_all', r.logits);
    check.f32('main.final_norm', r.outputs.final_norm);
    check.f32('main.hidden_last_block', r.outputs[`block.${model.config.numHiddenLayers - 1}`]);
    check.f32(`${run.name}.logits`, r.outputs['mtp.logits']);
    check.gate(`${run.name}.gate`, r.outputs['mtp.gate.indices'], r.outputs['mtp.gate.weights']);
    return check.results;
  } finally {
    session.dispose();
    model.weights.close();
  }
}

/** Every comparison of `run` on `backend`. */
export async function verifyRun(golden: GoldenCase, run: GoldenRun, backend: Backend): Promise<Comparison[]> {
  return run.kind === 'mtp' ? mtpRun(golden, run, backend) : standardRun(golden, run, backend);
}
