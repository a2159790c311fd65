// `dsv3 init`: a checkpoint of random weights for a config.json (models/deepseek/random-checkpoint.ts).

import { readFileSync } from 'node:fs';
import { initCheckpoint, type InitDType } from '../../models/deepseek/random-checkpoint.js';
import { backendList, DEFAULT_BACKEND, openBackend } from '../backends.js';
import { EXIT, integerOption, numberOption, refuseExisting, UsageError, type Command } from '../command.js';
import { commandProgress, QUIET_HELP, QUIET_OPTION } from '../progress.js';

const DTYPES: readonly InitDType[] = ['f32', 'bf16', 'fp8'];

/** The paper's initialisation (DeepSeek-V3 §4.2). */
export const DEFAULT_STD = 0.006;

/** A config.json given as --config FILE to `command`, read as a JSON object. */
export function readConfig(command: string, path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`dsv3 ${command}: --config ${path}: cannot read (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`dsv3 ${command}: --config ${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UsageError(`dsv3 ${command}: --config ${path}: expected a JSON object`);
  return json as Record<string, unknown>;
}

export const init: Command = {
  name: 'init',
  summary: 'write a checkpoint of random weights for a config.json (a model variant to try)',
  help: `Usage: dsv3 init --config FILE --out DIR [--dtype f32|bf16|fp8] [--seed S] [--std X] [--backend NAME] [--force] [--quiet]

Writes DIR/config.json (FILE's settings) and DIR/model.safetensors with every tensor the config implies, under
Hugging Face's names, so that forward, generate, inspect, compile and quantize run on it.
Weight matrices and the embedding are drawn from N(0, X^2); RMSNorm weights are 1 and the routers'
e_score_correction_bias 0; each MTP module's embed_tokens and shared_head.head copy the main embedding and head.
Each tensor has its own random stream (from S and its name), so changing one setting of FILE leaves the tensors it
does not reshape as they were.

  --config FILE       a Hugging Face DeepSeek-V3/V2 config.json (checked as every command checks it)
  --out DIR           the folder to write; it must not exist yet (see --force)
  --dtype D           f32, bf16 or fp8: fp8 stores the Linear weights as F8_E4M3 with weight_scale_inv in
                      the config's quantization_config.weight_block_size blocks (it adds {fp8, e4m3, dynamic,
                      [128, 128]} when FILE has none) and the other tensors in f32 (default: fp8 when FILE
                      has a quantization_config, f32 otherwise)
  --seed S            the random seed (default 0)
  --std X             the standard deviation of the weights (default ${DEFAULT_STD}, DeepSeek-V3's initialisation)
  --backend NAME      the backend that quantizes the FP8 blocks (default ${DEFAULT_BACKEND}):
${backendList('                        ')}
  --force             replace DIR whole if it exists, every file in it (without --force, an existing DIR
                      stops the command before any work); DIR is built beside it and renamed when complete
${QUIET_HELP}`,
  options: {
    config: { type: 'string' },
    out: { type: 'string' },
    dtype: { type: 'string' },
    seed: { type: 'string', default: '0' },
    std: { type: 'string', default: String(DEFAULT_STD) },
    backend: { type: 'string', default: DEFAULT_BACKEND },
    force: { type: 'boolean', default: false },
    ...QUIET_OPTION,
  },
  async run(values) {
    const configPath = values.config as string | undefined;
    const out = values.out as string | undefined;
    if (configPath === undefined) throw new UsageError('dsv3 init: --config FILE is required');
    if (out === undefined) throw new UsageError('dsv3 init: --out DIR is required');
    const json = readConfig('init', configPath);
    const dtype = (values.dtype as string | undefined) ?? (json.quantization_config ? 'fp8' : 'f32');
    if (!(DTYPES as readonly string[]).includes(dtype)) throw new UsageError(`dsv3 init: --dtype must be ${DTYPES.join(', ')}, got "${dtype}"`);
    const seed = integerOption('init', 'seed', values.seed as string);
    const std = numberOption('init', 'std', values.std as string);
    const force = values.force === true;
    refuseExisting('init', out, force, 'folder');
    const progress = commandProgress(values);
    const backend = await openBackend(values.backend as string, 'init', progress);
    try {
      const r = await initCheckpoint(json, configPath, out, { dtype: dtype as InitDType, seed, std, force, backend, progress });
      console.log(`wrote ${out}: ${r.tensors} tensors, ${r.parameters.toLocaleString('en-US')} parameters, ${r.bytes.toLocaleString('en-US')} bytes of ${dtype} weights (seed ${seed}, std ${std})`);
      return EXIT.ok;
    } finally {
      backend.dispose();
    }
  },
};
