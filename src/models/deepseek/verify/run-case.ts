// Runs one golden run on a backend through the Session, exactly as the goldens were made (prefill at 0, then
// one-token decode steps), and compares every stored tensor the run has: logits, final norm, per-block captures,
// routing, and the caches after the last step; for the MTP case, the main model's outputs and the MTP logits
// and routing. Standard runs also replay each layer on the stored input of that layer (layer-replay.ts) and each
// captured Linear call on its stored input (linear-replay.ts). Runs with FP8 GEMMs compare whole-run tensors
// within the FP8 end-to-end bound, replayed layers within FP8_LAYER_CHECKS and FP8 Linear calls bit for bit. A
// training case runs one training step (training-run.ts).

import { tensorData, type TensorData } from '../../../ir/index.js';
import type { Backend } from '../../../backends/backend.js';
import { loadModel } from '../loaded-model.js';
import type { ReadReport } from '../read-report.js';
import { Session, type ForwardResult } from '../session.js';
import { stepTensors } from '../step-tensors.js';
import { Checker } from './checker.js';
import type { Comparison } from './compare.js';
import type { GoldenCase, GoldenRun } from './golden-case.js';
import { replayLayers } from './layer-replay.js';
import { replayLinears } from './linear-replay.js';
import { verifyTrainingRun } from './training-run.js';
import { F32_CHECKS, FP8_END_TO_END_CHECKS, FP8_LAYER_CHECKS } from './tolerance.js';

/** The first `positions` entries of a [B, T, ...] cache. */
function firstPositions(cache: TensorData, positions: number): TensorData {
  const [B, T] = cache.shape as [number, number];
  const inner = cache.data.length / (B * T);
  const out = new Float32Array(B * positions * inner);
  for (let b = 0; b < B; b++) out.set(cache.data.subarray(b * T * inner, (b * T + positions) * inner) as Float32Array, b * positions * inner);
  return tensorData('f32', [B, positions, ...cache.shape.slice(2)], out);
}

/** Everything a forward call produced, under its dump name (step-tensors.ts), against `<run>.<name>`; routing as choices. */
function checkStep(check: Checker, run: string, phase: string, r: ForwardResult): void {
  const tensors = stepTensors(phase, r);
  for (const [name, t] of Object.entries(tensors)) {
    const routing = /^(.*)\.(indices|weights)$/.exec(name);
    if (routing === null) check.f32(`${run}.${name}`, t);
    else if (routing[2] === 'indices') check.gate(`${run}.${routing[1]}`, t, tensors[`${routing[1]}.weights`]);
  }
}

async function standardRun(golden: GoldenCase, run: GoldenRun & { kind: 'standard' }, backend: Backend, onReads?: (r: ReadReport) => void): Promise<Comparison[]> {
  const model = loadModel(golden.files, { attention: run.attention, ...run.linear });
  const fp8 = run.linear.gemm === 'fp8';
  const check = new Checker(golden, fp8 ? FP8_END_TO_END_CHECKS : F32_CHECKS);
  const prefill = golden.tokens('prefill');
  const decode = golden.tokens('decode');
  const session = new Session(model, backend, { batch: prefill.length, captures: true });
  try {
    checkStep(check, run.name, 'prefill', await session.forward(prefill));
    for (let s = 0; s < decode[0]!.length; s++) checkStep(check, run.name, `decode.${s}`, await session.forward(decode.map((row) => [row[s]!])));
    onReads?.(session.readReport());
    for (const [name, cache] of Object.entries(await session.readCaches())) check.f32(`${run.name}.${name}`, firstPositions(cache, session.position));
    const replayed = await replayLayers(golden, run.name, model, backend, fp8 ? FP8_LAYER_CHECKS : F32_CHECKS);
    return [...check.results, ...replayed, ...(await replayLinears(golden, run.name, run.linear, backend))];
  } finally {
    session.dispose();
    model.weights.close();
  }
}

async function mtpRun(golden: GoldenCase, run: GoldenRun & { kind: 'mtp' }, backend: Backend, onReads?: (r: ReadReport) => void): Promise<Comparison[]> {
  const check = new Checker(golden, F32_CHECKS);
  const model = loadModel(golden.files, { attention: run.attention, mtpHidden: run.mtpHidden });
  const prefill = golden.tokens('prefill');
  const session = new Session(model, backend, { batch: prefill.length, captures: true, mtp: true });
  try {
    const r = await session.forward(prefill);
    onReads?.(session.readReport());
    check.f32('main.logits_all', r.logits);
    check.f32('main.final_norm', r.outputs.final_norm);
    check.f32('main.hidden_last_block', r.outputs[`block.${model.config.numHiddenLayers - 1}`]);
    check.f32(`${run.name}.block_out`, r.outputs['mtp.0.block']);
    check.f32(`${run.name}.logits`, r.outputs['mtp.0.logits']);
    check.gate(`${run.name}.gate`, r.outputs['mtp.0.gate.indices'], r.outputs['mtp.0.gate.weights']);
    return check.results;
  } finally {
    session.dispose();
    model.weights.close();
  }
}

/** Every comparison of `run` on `backend`; `onReads` is told what the run's session read (before the replays). */
export async function verifyRun(golden: GoldenCase, run: GoldenRun, backend: Backend, onReads?: (r: ReadReport) => void): Promise<Comparison[]> {
  if (run.kind === 'training') return verifyTrainingRun(golden, run, backend);
  return run.kind === 'mtp' ? mtpRun(golden, run, backend, onReads) : standardRun(golden, run, backend, onReads);
}
