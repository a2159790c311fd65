// `dsv3 train`: a training run (src/training/run): from a checkpoint or from random weights for a config, on a text
// or token file, for a number of steps, with metrics per step, checkpoints every K steps and resumption.

import fs from 'node:fs';
import { join, resolve } from 'node:path';
import { readJson } from '../../io/file-set.js';
import { directoryFiles } from '../../io/local-files.js';
import { loadModelConfig, parseModelConfig } from '../../models/deepseek/config.js';
import { loadModel, type LoadedModel } from '../../models/deepseek/loaded-model.js';
import { loadTokenizer } from '../../models/deepseek/tokenizer.js';
import { checkBatchable } from '../../training/run/batches.js';
import { randomModel } from '../../training/run/memory-model.js';
import { checkpointFolder, readRunCheckpoint, type SavedRun } from '../../training/run/run-checkpoint.js';
import { differences, readRecipe, RECIPE_FILE, writeRecipe, type RunRecipe } from '../../training/run/run-recipe.js';
import { readTokenData, type TokenData } from '../../training/run/token-data.js';
import { runTraining, TrainingStopped } from '../../training/run/training-run.js';
import { backendList, DEFAULT_BACKEND, openBackend } from '../backends.js';
import { CheckFailure, EXIT, integerOption, refuseExisting, UsageError, type Command } from '../command.js';
import { commandProgress, QUIET_HELP, QUIET_OPTION } from '../progress.js';
import { amountOption, TRAINING_OPTIONS, trainingHelp, trainingHyperparameters } from '../training-options.js';
import { trainingMonitor } from '../training-progress.js';
import { DEFAULT_STD, readConfig } from './init.js';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

const COMMAND = 'train';

const required = (values: Values, option: string, what: string): string => {
  const v = values[option] as string | undefined;
  if (v === undefined) throw new UsageError(`dsv3 ${COMMAND}: --${option} ${what} is required`);
  return v;
};

/** Where the run starts, its config.json and the vocabulary its data must fit. */
function startOf(values: Values): { start: RunRecipe['start']; config: Record<string, unknown>; vocabSize: number } {
  const [model, config] = [values.model as string | undefined, values.config as string | undefined];
  if ((model === undefined) === (config === undefined)) throw new UsageError(`dsv3 ${COMMAND}: give one of --model DIR (a checkpoint) and --config FILE (random weights)`);
  if (model !== undefined) {
    const files = directoryFiles(model);
    return { start: { model: resolve(model) }, config: readJson(files, 'config.json') as Record<string, unknown>, vocabSize: loadModelConfig(files).vocabSize };
  }
  const json = readConfig(COMMAND, config!);
  return { start: { config: resolve(config!), std: amountOption(COMMAND, values, 'std', true) }, config: json, vocabSize: parseModelConfig(json, config!).vocabSize };
}

/** The run the options describe, and its tokens. */
function recipeOf(values: Values, start: RunRecipe['start'], vocabSize: number): { recipe: RunRecipe; data: TokenData } {
  const dataFile = required(values, 'data', 'FILE');
  const tokenizerDir = values.tokenizer as string | undefined;
  const tokenizer = tokenizerDir === undefined ? undefined : loadTokenizer(directoryFiles(tokenizerDir));
  if (tokenizerDir !== undefined && tokenizer === undefined) throw new UsageError(`dsv3 ${COMMAND}: --tokenizer ${tokenizerDir}: no tokenizer.json there`);
  const data = readTokenData(dataFile, vocabSize, tokenizer);
  const steps = integerOption(COMMAND, 'steps', required(values, 'steps', 'N'), 1);
  const h = trainingHyperparameters(COMMAND, values);
  const warmup = values.warmup === undefined ? Math.min(100, Math.floor(steps / 10)) : integerOption(COMMAND, 'warmup', values.warmup as string, 0);
  if (warmup > steps) throw new UsageError(`dsv3 ${COMMAND}: --warmup ${warmup} is longer than the run (--steps ${steps})`);
  const recipe: RunRecipe = {
    start,
    data: { file: resolve(dataFile), tokens: data.tokens.length, encoding: data.encoding },
    steps,
    batch: integerOption(COMMAND, 'batch', values.batch as string, 1),
    seqLen: integerOption(COMMAND, 'seq', values.seq as string, 1),
    seed: integerOption(COMMAND, 'seed', values.seed as string, 0),
    lr: { peak: h.lr, final: values['lr-final'] === undefined ? Number((h.lr / 10).toPrecision(15)) : amountOption(COMMAND, values, 'lr-final'), warmup },
    mtpLambda: h.mtpLambda,
    balanceAlpha: h.balanceAlpha,
    biasGamma: h.biasGamma,
    betas: h.betas,
    eps: h.eps,
    weightDecay: h.weightDecay,
    clip: h.clip,
  };
  checkBatchable(dataFile, data.tokens, recipe);
  return { recipe, data };
}

/** A fresh run folder: an existing one only with --force, and only a training run's (or an empty folder). */
function freshRunFolder(out: string, force: boolean): void {
  refuseExisting(COMMAND, out, force, 'folder');
  if (fs.existsSync(out)) {
    if (!fs.existsSync(join(out, RECIPE_FILE)) && fs.readdirSync(out).length > 0)
      throw new UsageError(`dsv3 ${COMMAND}: ${out} is not the folder of a training run (no ${RECIPE_FILE}); --force replaces only a run's folder`);
    fs.rmSync(out, { recursive: true });
  }
  fs.mkdirSync(out, { recursive: true });
}

/** The saved run `out` continues, checked to be the run the options describe. */
function resumedRun(out: string, recipe: RunRecipe): SavedRun {
  if (!fs.existsSync(out)) throw new UsageError(`dsv3 ${COMMAND}: --resume: ${out} does not exist`);
  const diff = differences(readRecipe(out), recipe);
  if (diff.length > 0) throw new UsageError(`dsv3 ${COMMAND}: --resume: the options describe another run than ${join(out, RECIPE_FILE)}:\n  ${diff.join('\n  ')}`);
  return readRunCheckpoint(out);
}

export const train: Command = {
  name: COMMAND,
  summary: 'a training run: steps on a text or token file, metrics per step, checkpoints, --resume',
  help: `Usage: dsv3 train (--model DIR | --config FILE) --data FILE --steps N --out DIR [--batch B] [--seq T]
         [--backend NAME] [--resume] [--checkpoint-every K] [--stop-after S] [--seed S] [--std X]
         [--tokenizer DIR] [--lr X] [--lr-final X] [--warmup W] [training options] [--force] [--quiet]

Trains the model for N steps of DeepSeek-V3's training step (dsv3 train-step): the losses (next token, MTP,
sequence-wise balance), their gradient, global-norm clipping, AdamW, then the auxiliary-loss-free bias update.
Step s (from 0) trains on B rows of T consecutive tokens at offsets drawn from the seed and s alone. The
learning rate rises linearly over W steps to --lr, then follows a cosine down to --lr-final at step N.

DIR (--out) receives run.json (the run: its start, data and settings), metrics.jsonl (a JSON line per step:
every loss, the learning rate, the gradient norm, each MoE layer's MaxVio_batch and expert counts, the step's
time) and checkpoint/, the model after the last checkpointed step in the Hugging Face layout (config.json and
an f32 model.safetensors with the MTP modules and every e_score_correction_bias: dsv3 forward loads it) with
the run's state beside it (optimizer.safetensors: AdamW's exp_avg.<name> and exp_avg_sq.<name>;
trainer-state.json: the steps taken). Each checkpoint is built under a temporary name and swapped in whole.
A step whose losses or gradients are not finite stops the run (exit status 1), naming the step, the tensor
and, for a loss, the first value of the forward that went non-finite; the last checkpoint is kept.
'dsv3 report DIR' draws the run.

  --model DIR         start from this checkpoint (any dtype; trained in f32)
  --config FILE       start from random weights for this config.json, drawn as 'dsv3 init --dtype f32' draws
                      them with the same --seed and --std
  --std X             the standard deviation of the random weights (default ${DEFAULT_STD}, with --config)
  --data FILE         the training data: a .safetensors file with an integer vector "tokens", or UTF-8 text,
                      tokenized by --tokenizer or else byte-level (each UTF-8 byte a token, ids 0-255: the
                      model needs vocab_size >= 256)
  --tokenizer DIR     a folder with a tokenizer.json to tokenize text with
  --steps N           the steps of the run (the learning-rate schedule spans them)
  --out DIR           the run's folder; it must not exist yet (see --force and --resume)
  --batch B           rows per step (default 4)
  --seq T             tokens per row (default 64; at least num_nextn_predict_layers + 2, at most
                      max_position_embeddings)
  --seed S            seeds the random weights and the batches (default 0)
  --backend NAME      the backend to run on (default ${DEFAULT_BACKEND}):
${backendList('                        ')}
  --checkpoint-every K  a checkpoint after every K steps (default 100), and after the last
  --stop-after S      stop after step S, with a checkpoint (a run done in parts: --resume continues it)
  --resume            continue the run in DIR from its checkpoint to step N; the options must describe the
                      same run (those in run.json; --backend, --checkpoint-every, --stop-after and --quiet
                      may change). On the cpu and cpu-reference backends the result is the same, bit for bit,
                      as a run without a stop; metrics.jsonl drops the lines of steps after the checkpoint
  --force             replace DIR, a previous run's folder, whole
  --lr-final X        the learning rate at the end of the cosine (default --lr / 10)
  --warmup W          steps of the linear warmup (default min(100, N / 10))
${trainingHelp('the peak learning rate (default 1e-3)')}
${QUIET_HELP}
                      (the live line: step, each loss, learning rate, tokens/s, time left)

Exit status: 0 done; 1 a step not finite; 2 bad usage or input (data too short for one row, a config the model
rejects), an existing DIR without --force, or another error.`,
  options: {
    model: { type: 'string' },
    config: { type: 'string' },
    std: { type: 'string', default: String(DEFAULT_STD) },
    data: { type: 'string' },
    tokenizer: { type: 'string' },
    steps: { type: 'string' },
    out: { type: 'string' },
    batch: { type: 'string', default: '4' },
    seq: { type: 'string', default: '64' },
    seed: { type: 'string', default: '0' },
    backend: { type: 'string', default: DEFAULT_BACKEND },
    'checkpoint-every': { type: 'string', default: '100' },
    'stop-after': { type: 'string' },
    resume: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    'lr-final': { type: 'string' },
    warmup: { type: 'string' },
    ...TRAINING_OPTIONS,
    ...QUIET_OPTION,
  },
  async run(values) {
    const out = required(values, 'out', 'DIR');
    const resume = values.resume === true;
    if (resume && values.force === true) throw new UsageError(`dsv3 ${COMMAND}: --resume continues the run in ${out}; --force would replace it`);
    const checkpointEvery = integerOption(COMMAND, 'checkpoint-every', values['checkpoint-every'] as string, 1);
    const stopAfter = values['stop-after'] === undefined ? undefined : integerOption(COMMAND, 'stop-after', values['stop-after'] as string, 1);
    const { start, config, vocabSize } = startOf(values);
    const { recipe, data } = recipeOf(values, start, vocabSize);
    const saved = resume ? resumedRun(out, recipe) : undefined;
    if (saved && saved.state.step >= Math.min(recipe.steps, stopAfter ?? recipe.steps)) throw new UsageError(`dsv3 ${COMMAND}: --resume: ${out} is at step ${saved.state.step} already`);

    const maxSeqLen = recipe.seqLen;
    let model: LoadedModel;
    if (saved) model = loadModel(saved.files, { maxSeqLen });
    else if ('model' in start) model = loadModel(directoryFiles(start.model), { maxSeqLen });
    else model = randomModel(config, values.config as string, { seed: recipe.seed, std: start.std, maxSeqLen });
    try {
      const progress = commandProgress(values);
      const backend = await openBackend(values.backend as string, COMMAND, progress);
      try {
        if (!saved) {
          freshRunFolder(out, values.force === true);
          writeRecipe(out, recipe);
        }
        const monitor = trainingMonitor(progress, process.stderr, values.quiet === true);
        const last = await runTraining({ runDir: out, recipe, config, model, backend, tokens: data.tokens, checkpointEvery, monitor, ...(saved ? { resume: saved } : {}), ...(stopAfter ? { stopAfter } : {}) });
        const loss = last?.loss.total?.toPrecision(6);
        console.log(`trained to step ${last?.step} of ${recipe.steps} (loss ${loss}); checkpoint in ${checkpointFolder(out)}, metrics in ${join(out, 'metrics.jsonl')}`);
        return EXIT.ok;
      } finally {
        backend.dispose();
      }
    } catch (e) {
      if (e instanceof TrainingStopped) throw new CheckFailure(e.message, { cause: e });
      throw e;
    } finally {
      model.weights.close();
    }
  },
};
