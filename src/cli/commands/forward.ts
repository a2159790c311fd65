// `dsv3 forward`: one prefill and optional decode steps on a checkpoint, writing or summarising the logits, the
// final norm and the routing (with --capture, every layer's tensors) under the dump names of step-tensors.ts.
// Also the options shared by the commands that run a model (generate, verify).

import { formatProfile } from '../../backends/profile.js';
import type { TensorData } from '../../ir/index.js';
import { directoryFiles } from '../../io/local-files.js';
import type { FileArray, FileDType } from '../../io/safetensors.js';
import { writeSafetensors } from '../../io/safetensors-writer.js';
import { checkOutputFile } from '../../io/output-path.js';
import { loadModelConfig } from '../../models/deepseek/config.js';
import { loadModel, type LoadedModel } from '../../models/deepseek/loaded-model.js';
import type { GemmMode } from '../../models/deepseek/settings.js';
import type { ForwardResult } from '../../models/deepseek/session.js';
import { stepTensors } from '../../models/deepseek/step-tensors.js';
import { firstNonFinite } from '../../models/deepseek/first-non-finite.js';
import { nonFiniteOutputs } from '../../models/deepseek/non-finite.js';
import { backendList, DEFAULT_BACKEND, openBackend, requireKernels } from '../backends.js';
import { CheckFailure, EXIT, refuseExisting, UsageError, type Command, type Options } from '../command.js';
import { commandProgress, QUIET_HELP, QUIET_OPTION } from '../progress.js';
import { MEMORY_HELP, MEMORY_OPTIONS, openPlannedSession, reportReads } from '../memory-plan.js';
import { LAYERS_HELP, LAYERS_OPTIONS, replayedLayers } from './forward-layers.js';
import { announceCaches, MAX_SEQ_HELP, MAX_SEQ_OPTION, maxSeqArg, type RunLength } from '../run-length.js';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export const MODEL_OPTIONS: Options = {
  model: { type: 'string' },
  tokens: { type: 'string' },
  attn: { type: 'string', default: 'absorb' },
  gemm: { type: 'string', default: 'dequant' },
  backend: { type: 'string', default: DEFAULT_BACKEND },
  ...MAX_SEQ_OPTION,
  ...MEMORY_OPTIONS,
  ...QUIET_OPTION,
};

const GEMM_HELP = `  --gemm MODE         how Linear layers of an FP8 checkpoint run: dequant (weights dequantised to f32 when
                      loaded, f32 GEMMs; the default) or fp8 (activations quantised per 1xB tile for the
                      checkpoint's BxB weight blocks, quantization_config.weight_block_size, 128 in DeepSeek-V3;
                      FP8 GEMMs with promoted accumulation, as the official gemm_impl "fp8"; needs F8_E4M3 weights)`;

/** --gemm, checked. */
export function gemmArg(values: Values, command: string): GemmMode {
  const gemm = values.gemm as string;
  if (gemm !== 'dequant' && gemm !== 'fp8') throw new UsageError(`dsv3 ${command}: --gemm must be dequant or fp8, got "${gemm}"`);
  return gemm;
}

export const MODEL_HELP = `  --model DIR         checkpoint folder: config.json and model.safetensors (or an index and shards)
  --tokens ROWS       prompt token ids: rows separated by ';', ids by ','; e.g. 1,2,3;4,5,6 (2 rows of 3)
  --attn MODE         absorb (cache the latent, the official default) or naive (cache per-head K and V)
${GEMM_HELP}
  --backend NAME      the backend to run on (default ${DEFAULT_BACKEND}):
${backendList('                        ')}
${MAX_SEQ_HELP}
${MEMORY_HELP}
${QUIET_HELP}`;

/**
 * Token rows from "1,2,3;4,5,6"; every id in plain decimal digits (not 0x10, 1e2, 0b11 or +5), spaces around it
 * allowed; the range is checked against the model later.
 */
export function parseTokenRows(text: string, option: string, command: string): number[][] {
  const rows = text.split(';').map((row) =>
    row.split(',').map((s) => {
      const id = Number(s.trim());
      if (!/^\d+$/.test(s.trim()) || !Number.isSafeInteger(id))
        throw new UsageError(`dsv3 ${command}: --${option}: "${s}" is not a token id (a non-negative integer in decimal digits); expected rows like 1,2,3;4,5,6`);
      return id;
    }),
  );
  if (rows.some((r) => r.length !== rows[0]!.length)) throw new UsageError(`dsv3 ${command}: --${option}: every row needs the same number of tokens, got ${rows.map((r) => r.length).join(', ')}`);
  return rows;
}

/** --model DIR, given. */
export function modelDir(values: Values, command: string): string {
  const dir = values.model as string | undefined;
  if (dir === undefined) throw new UsageError(`dsv3 ${command}: --model DIR is required`);
  return dir;
}

/** --model, --attn, --gemm and --max-seq, checked: the model, loaded for a run of `run` positions. */
export function modelArg(values: Values, command: string, run: RunLength): LoadedModel {
  const dir = modelDir(values, command);
  const attn = values.attn as string;
  if (attn !== 'absorb' && attn !== 'naive') throw new UsageError(`dsv3 ${command}: --attn must be absorb or naive, got "${attn}"`);
  const files = directoryFiles(dir);
  const maxSeqLen = maxSeqArg(values, command, run, loadModelConfig(files));
  return loadModel(files, { attention: attn, gemm: gemmArg(values, command), maxSeqLen });
}

/** --model, --attn, --gemm, --max-seq and --tokens, checked; `run` says how long a run of a prompt of that length is. */
export function modelArgs(values: Values, command: string, run: (promptLength: number) => RunLength): { model: LoadedModel; tokens: number[][] } {
  modelDir(values, command);
  const text = values.tokens as string | undefined;
  if (text === undefined) throw new UsageError(`dsv3 ${command}: --tokens is required`);
  const tokens = parseTokenRows(text, 'tokens', command);
  return { tokens, model: modelArg(values, command, run(tokens[0]!.length)) };
}

const FILE_DTYPE: Partial<Record<TensorData['dtype'], FileDType>> = { f32: 'F32', i32: 'I32' };

function summary(name: string, t: TensorData): string {
  if (!/logits(_all)?$/.test(name)) return `${name} ${t.dtype}[${t.shape.join(',')}]`;
  const V = t.shape[t.shape.length - 1]!;
  const argmax = Array.from({ length: t.data.length / V }, (_, r) => {
    let best = 0;
    for (let v = 1; v < V; v++) if (t.data[r * V + v]! > t.data[r * V + best]!) best = v;
    return best;
  });
  return `${name} ${t.dtype}[${t.shape.join(',')}] argmax ${argmax.join(' ')}`;
}

/**
 * `tensors`, the results of the last of `steps` (the prefill, then decode steps); any that is not finite fails the
 * run, naming the first value that went non-finite (first-non-finite.ts replays the steps to find it).
 */
async function finiteResults(model: LoadedModel, steps: readonly number[][][], step: string, tensors: Record<string, TensorData>): Promise<Record<string, TensorData>> {
  const bad = nonFiniteOutputs(tensors);
  if (bad.length === 0) return tensors;
  const listed = bad.length > 3 ? `${bad.slice(0, 3).join(', ')} and ${bad.length - 3} more` : bad.join(', ');
  throw new CheckFailure(`${step} computed outputs that are not finite: ${listed}\n${await firstNonFinite(model, steps, { mtp: true })}`);
}

/** The run on --tokens and --decode: every step's results under their dump names. */
async function tokenRun(values: Values): Promise<Record<string, TensorData>> {
  const decode = values.decode === undefined ? [] : parseTokenRows(values.decode as string, 'decode', 'forward');
  const steps = decode[0]?.length ?? 0;
  const { model, tokens } = modelArgs(values, 'forward', (prompt) => ({ positions: prompt + steps, why: `a ${prompt}-token prompt and ${steps} decode step(s)` }));
  if (decode.length > 0 && decode.length !== tokens.length)
    throw new UsageError(`dsv3 forward: --decode has ${decode.length} rows, --tokens has ${tokens.length}; give one row per prompt row`);
  const backend = await openBackend(values.backend as string, 'forward', commandProgress(values));
  announceCaches(values, 'forward', model, tokens.length);
  const session = openPlannedSession(values, 'forward', model, backend, { batch: tokens.length, mtp: true, captures: values.capture === true });
  const results: Record<string, TensorData> = {};
  const profile = values.profile === true;
  const printProfile = (step: string, { profile: times, compiled }: ForwardResult) => {
    if (profile) console.log(`profile of ${step} on ${backend.name}: ${formatProfile(times!, { compiled })}\n`);
  };
  try {
    const steps = [tokens];
    const prefill = await session.forward(tokens, { profile });
    printProfile(`the prefill (${tokens[0]!.length} tokens per row)`, prefill);
    Object.assign(results, await finiteResults(model, steps, 'the prefill', stepTensors('prefill', prefill)));
    for (let s = 0; s < (decode[0]?.length ?? 0); s++) {
      steps.push(decode.map((row) => [row[s]!]));
      const step = await session.forward(steps[s + 1]!, { profile });
      printProfile(`decode step ${s}`, step);
      Object.assign(results, await finiteResults(model, steps, `decode step ${s}`, stepTensors(`decode.${s}`, step)));
    }
    reportReads(values, 'forward', session);
  } finally {
    session.dispose();
    backend.dispose();
    model.weights.close();
  }
  return results;
}

export const forward: Command = {
  name: 'forward',
  summary: 'run a prefill and decode steps; write logits, final norm and routing',
  help: `Usage: dsv3 forward --model DIR --tokens ROWS [--decode ROWS] [--attn MODE] [--gemm MODE] [--backend NAME] [--out FILE [--force]] [--capture] [--profile] [--max-seq N] [--quiet]
       dsv3 forward --model DIR --layers A..B --hidden-in FILE [--attn MODE] [--gemm MODE] [--backend NAME] [--out FILE [--force]] [--max-seq N] [--quiet]

Runs the prompt as one prefill at position 0, then one decode step per column of --decode. Outputs that are not
finite (NaN, ±inf) fail the run (exit status 1): it is then replayed op by op on cpu-reference to name the first
value that went non-finite, a weight by its name or an op by its layer and the composites it is in. The --out
file's folder is checked before the work; the file is written under a temporary name and renamed when complete.

${MODEL_HELP}
  --decode ROWS       decode tokens in the layout of --tokens: one row per prompt row, one column per
                      step; 7;8 is one step feeding 7 to row 0 and 8 to row 1, and 7,9;8,10 two steps
  --out FILE          write a safetensors file with, per phase (prefill, then decode.<step> for each step),
                        <phase>.logits [batch, vocab] (the last position, as the official forward returns),
                        prefill.logits_all [batch, seq, vocab] (every position of the prompt),
                        <phase>.final_norm [batch, seq, dim],
                        <phase>.gate.<layer>.indices (I32) and .weights [batch*seq, k] per MoE layer,
                        mtp.<k>.logits [batch, seq-1-k, vocab] and mtp.<k>.gate.* for each MTP module k of
                        the checkpoint (num_nextn_predict_layers; k < seq - 1): position i predicts token i+k+2
                      (the golden files' names for the same tensors; docs/checking-a-port.md);
                      without --out, prints each tensor's shape and the argmax of every logits row
  --capture           also write every layer's tensors, per phase: <phase>.embed [batch, seq, dim];
                        for each layer i: <phase>.attn.<i>, <phase>.ffn.<i> (MLP or MoE output, before the
                        residual adds) and <phase>.block.<i> (the residual stream after the layer), all
                        [batch, seq, dim]; for MoE layers <phase>.gate.<i>.input [batch*seq, dim] and
                        <phase>.gate.<i>.scores [batch*seq, experts] (sigmoid or softmax of the gate logits,
                        before the bias); and mtp.<k>.block [batch, seq-1-k, dim] per MTP module.
                      To compare with a port's dump of the same names: dsv3 diff (docs/checking-a-port.md)
  --force             replace FILE if it exists (without --force, an existing FILE stops the command before
                      any work)
  --profile           time every kernel of each step (each then waits for the one before) and print, per step,
                      the time per region (the composite a kernel came from: mla_attention, moe, rms_norm, ...)
                      and the slowest kernels; compiling (the graph, WebGPU's shaders) is not in these times and
                      is reported apart for the step that did it, but a first run still warms up (JavaScript's
                      JIT, caches): decode a few steps to see steady state; only on a backend that runs kernels
${LAYERS_HELP}`,
  options: { ...MODEL_OPTIONS, ...LAYERS_OPTIONS, decode: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean', default: false }, capture: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false } },
  async run(values) {
    const out = values.out as string | undefined;
    const force = values.force === true;
    if (force && out === undefined) throw new UsageError('dsv3 forward: --force replaces the --out file, and no --out is given');
    if (out !== undefined) {
      refuseExisting('forward', out, force, 'file');
      checkOutputFile(out, { overwrite: force });
    }
    if (values.profile === true) requireKernels(values.backend as string, 'forward', '--profile times compiled kernels');
    const replay = values.layers !== undefined || values['hidden-in'] !== undefined;
    const results = replay
      ? await replayedLayers(values, loadModelConfig(directoryFiles(modelDir(values, 'forward'))), (run) => modelArg(values, 'forward', run), () => openBackend(values.backend as string, 'forward', commandProgress(values)))
      : await tokenRun(values);
    if (out === undefined) {
      for (const [name, t] of Object.entries(results)) console.log(summary(name, t));
      return EXIT.ok;
    }
    writeSafetensors(out, Object.fromEntries(Object.entries(results).map(([name, t]) => [name, { dtype: FILE_DTYPE[t.dtype]!, shape: t.shape, data: t.data as FileArray }])), { overwrite: force });
    console.log(`wrote ${Object.keys(results).length} tensors to ${out}`);
    return EXIT.ok;
  },
};
