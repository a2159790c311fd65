// `dsv3 forward`: one prefill and optional decode steps on a checkpoint, writing or summarising the logits, the
// final norm and the routing. Also the options shared by the commands that run a model (generate, verify).

import fs from 'node:fs';
import type { KernelTime } from '../../backends/backend.js';
import { formatProfile } from '../../backends/profile.js';
import type { TensorData } from '../../ir/index.js';
import { directoryFiles } from '../../io/local-files.js';
import type { FileArray, FileDType } from '../../io/safetensors.js';
import { writeSafetensors } from '../../io/safetensors-writer.js';
import { loadModel, type LoadedModel } from '../../models/deepseek/loaded-model.js';
import type { GemmMode } from '../../models/deepseek/settings.js';
import { Session } from '../../models/deepseek/session.js';
import { backendList, DEFAULT_BACKEND, openBackend, requireKernels } from '../backends.js';
import { UsageError, type Command, type Options } from '../command.js';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export const MODEL_OPTIONS: Options = {
  model: { type: 'string' },
  tokens: { type: 'string' },
  attn: { type: 'string', default: 'absorb' },
  gemm: { type: 'string', default: 'dequant' },
  backend: { type: 'string', default: DEFAULT_BACKEND },
};

const GEMM_HELP = `  --gemm MODE         how Linear layers of an FP8 checkpoint run: dequant (weights dequantised to f32 when
                      loaded, f32 GEMMs; the default) or fp8 (activations quantised per 1x128 tile, FP8 GEMMs
                      with promoted accumulation, as the official gemm_impl "fp8"; needs F8_E4M3 weights)`;

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
${backendList('                        ')}`;

/** Token rows from "1,2,3;4,5,6"; every id a non-negative integer (range is checked against the model later). */
export function parseTokenRows(text: string, option: string, command: string): number[][] {
  const rows = text.split(';').map((row) =>
    row.split(',').map((s) => {
      const id = Number(s.trim());
      if (s.trim() === '' || !Number.isSafeInteger(id) || id < 0) throw new UsageError(`dsv3 ${command}: --${option}: "${s}" is not a token id (a non-negative integer); expected rows like 1,2,3;4,5,6`);
      return id;
    }),
  );
  if (rows.some((r) => r.length !== rows[0]!.length)) throw new UsageError(`dsv3 ${command}: --${option}: every row needs the same number of tokens, got ${rows.map((r) => r.length).join(', ')}`);
  return rows;
}

/** --model, --attn, --gemm and --tokens, checked. */
export function modelArgs(values: Values, command: string): { model: LoadedModel; tokens: number[][] } {
  const dir = values.model as string | undefined;
  const tokens = values.tokens as string | undefined;
  if (dir === undefined) throw new UsageError(`dsv3 ${command}: --model DIR is required`);
  if (tokens === undefined) throw new UsageError(`dsv3 ${command}: --tokens is required`);
  const attn = values.attn as string;
  if (attn !== 'absorb' && attn !== 'naive') throw new UsageError(`dsv3 ${command}: --attn must be absorb or naive, got "${attn}"`);
  return { tokens: parseTokenRows(tokens, 'tokens', command), model: loadModel(directoryFiles(dir), { attention: attn, gemm: gemmArg(values, command) }) };
}

const FILE_DTYPE: Partial<Record<TensorData['dtype'], FileDType>> = { f32: 'F32', i32: 'I32' };

function summary(name: string, t: TensorData): string {
  if (!name.endsWith('logits')) return `${name} ${t.dtype}[${t.shape.join(',')}]`;
  const V = t.shape[t.shape.length - 1]!;
  const argmax = Array.from({ length: t.data.length / V }, (_, r) => {
    let best = 0;
    for (let v = 1; v < V; v++) if (t.data[r * V + v]! > t.data[r * V + best]!) best = v;
    return best;
  });
  return `${name} ${t.dtype}[${t.shape.join(',')}] argmax ${argmax.join(' ')}`;
}

export const forward: Command = {
  name: 'forward',
  summary: 'run a prefill and decode steps; write logits, final norm and routing',
  help: `Usage: dsv3 forward --model DIR --tokens ROWS [--decode ROWS] [--attn MODE] [--gemm MODE] [--backend NAME] [--out FILE] [--profile]

Runs the prompt as one prefill at position 0, then one decode step per column of --decode.

${MODEL_HELP}
  --decode ROWS       decode tokens in the layout of --tokens: one row per prompt row, one column per
                      step; 7;8 is one step feeding 7 to row 0 and 8 to row 1, and 7,9;8,10 two steps
  --out FILE          write a safetensors file (an existing file is never overwritten) with
                        prefill.logits [batch, seq, vocab], prefill.final_norm [batch, seq, dim],
                        prefill.gate.<layer>.indices (I32) and .weights [batch*seq, k] per MoE layer,
                        decode.<step>.logits [batch, vocab] per decode step,
                        mtp.logits [batch, seq-1, vocab] when the checkpoint has an MTP layer
                      without --out, prints each tensor's shape and the argmax of every logits row
  --profile           time every kernel of each step (each then waits for the one before) and print, per step,
                      the time per region (the composite a kernel came from: mla_attention, moe, rms_norm, ...)
                      and the slowest kernels (a step's first run includes warming up: JavaScript's JIT, shader
                      compilation; decode a few steps to see steady state); only on a backend that runs kernels`,
  options: { ...MODEL_OPTIONS, decode: { type: 'string' }, out: { type: 'string' }, profile: { type: 'boolean', default: false } },
  async run(values) {
    const out = values.out as string | undefined;
    if (out !== undefined && fs.existsSync(out)) throw new UsageError(`dsv3 forward: --out ${out} already exists; refusing to overwrite it`);
    if (values.profile === true) requireKernels(values.backend as string, 'forward', '--profile times compiled kernels');
    const { model, tokens } = modelArgs(values, 'forward');
    const decode = values.decode === undefined ? [] : parseTokenRows(values.decode as string, 'decode', 'forward');
    if (decode.length > 0 && decode.length !== tokens.length)
      throw new UsageError(`dsv3 forward: --decode has ${decode.length} rows, --tokens has ${tokens.length}; give one row per prompt row`);
    const backend = await openBackend(values.backend as string, 'forward');
    const session = new Session(model, backend, { batch: tokens.length, mtp: true });
    const results: Record<string, TensorData> = {};
    const profile = values.profile === true;
    const printProfile = (step: string, times: readonly KernelTime[] | undefined) => {
      if (profile) console.log(`profile of ${step} on ${backend.name}: ${formatProfile(times!)}\n`);
    };
    try {
      const prefill = await session.forward(tokens, { profile });
      printProfile(`the prefill (${tokens[0]!.length} tokens per row)`, prefill.profile);
      results['prefill.logits'] = prefill.logits;
      for (const [name, t] of Object.entries(prefill.outputs)) {
        if (name === 'final_norm' || name.startsWith('gate.')) results[`prefill.${name}`] = t;
        if (name === 'mtp.logits') results[name] = t;
      }
      for (let s = 0; s < (decode[0]?.length ?? 0); s++) {
        const step = await session.forward(decode.map((row) => [row[s]!]), { profile });
        printProfile(`decode step ${s}`, step.profile);
        results[`decode.${s}.logits`] = { ...step.logits, shape: [tokens.length, step.logits.shape[2]!] };
      }
    } finally {
      session.dispose();
      backend.dispose();
      model.weights.close();
    }
    if (out === undefined) {
      for (const [name, t] of Object.entries(results)) console.log(summary(name, t));
      return 0;
    }
    writeSafetensors(out, Object.fromEntries(Object.entries(results).map(([name, t]) => [name, { dtype: FILE_DTYPE[t.dtype]!, shape: t.shape, data: t.data as FileArray }])));
    console.log(`wrote ${Object.keys(results).length} tensors to ${out}`);
    return 0;
  },
};
