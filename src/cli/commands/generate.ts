// `dsv3 generate`: continues each prompt row, greedily or by seeded sampling, and prints the new tokens; or, with a
// text prompt and the checkpoint's tokenizer, streams the new text.

import { join } from 'node:path';
import { directoryFiles } from '../../io/local-files.js';
import { firstNonFinite } from '../../models/deepseek/first-non-finite.js';
import { generate as generateTokens, generationPositions, NonFiniteLogits, type GenerateOptions } from '../../models/deepseek/generate.js';
import type { LoadedModel } from '../../models/deepseek/loaded-model.js';
import { Session } from '../../models/deepseek/session.js';
import { generateSpeculative, type SpeculativeResult } from '../../models/deepseek/speculative.js';
import { DecodeStream, loadTokenizer, TOKENIZER_FILE, type TextTokenizer } from '../../models/deepseek/tokenizer.js';
import { CheckFailure, EXIT, integerOption, numberOption, UsageError, type Command } from '../command.js';
import { openBackend } from '../backends.js';
import { commandProgress } from '../progress.js';
import { announceCaches, type RunLength } from '../run-length.js';
import { openPlannedSession, reportReads } from '../memory-plan.js';
import { jsonReport, SPECULATIVE_HELP, speculativeDepth, speculativeSummary } from '../speculative-option.js';
import { MODEL_HELP, MODEL_OPTIONS, modelArg, modelArgs, modelDir, parseTokenRows } from './forward.js';

/** The option `name` through `parse`, or undefined when it is not given. */
function optional<T>(values: Record<string, unknown>, name: string, parse: (text: string) => T): T | undefined {
  const text = values[name] as string | undefined;
  return text === undefined ? undefined : parse(text);
}

/**
 * The prompt: --tokens ROWS, or --prompt TEXT encoded by the tokenizer beside the checkpoint (which then decodes the
 * output); and the model, loaded for `run` positions after a prompt of that length.
 */
function promptArgs(values: Record<string, string | boolean | string[] | boolean[] | undefined>, run: (promptLength: number) => RunLength): { model: LoadedModel; tokens: number[][]; tokenizer?: TextTokenizer } {
  const prompt = values.prompt as string | undefined;
  if (prompt === undefined) return modelArgs(values, 'generate', run);
  if (values.tokens !== undefined) throw new UsageError('dsv3 generate: give the prompt as --tokens ROWS or as --prompt TEXT, not both');
  const dir = modelDir(values, 'generate');
  const tokenizer = loadTokenizer(directoryFiles(dir));
  if (tokenizer === undefined) throw new UsageError(`dsv3 generate: --prompt needs the checkpoint's tokenizer, and ${join(dir, TOKENIZER_FILE)} does not exist; give token ids with --tokens`);
  const ids = tokenizer.encode(prompt);
  if (ids.length === 0) throw new UsageError(`dsv3 generate: --prompt ${JSON.stringify(prompt)} encodes to no tokens`);
  // A tokenizer without an unknown token silently drops characters its vocabulary lacks: say what the model sees.
  const readBack = tokenizer.decode(ids);
  if (readBack !== prompt) console.error(`dsv3 generate: note: the prompt encodes to ${ids.length} tokens that read back as ${JSON.stringify(readBack)}`);
  return { model: modelArg(values, 'generate', run(ids.length)), tokens: [ids], tokenizer };
}

export const generate: Command = {
  name: 'generate',
  summary: 'generate tokens after each prompt row (greedy or seeded sampling)',
  help: `Usage: dsv3 generate --model DIR (--tokens ROWS | --prompt TEXT) --max-new N [--temperature T] [--top-k K]
                     [--top-p P] [--seed S] [--stop IDS] [--speculative mtp[:D]] [--json] [--attn MODE]
                     [--gemm MODE] [--backend NAME] [--max-seq N] [--quiet]

With --tokens, prints one line per row with its new token ids. A row ends at a stop token (printed as its last
token) or after N tokens; rows that end early wait, emitting nothing, until every row is done.
With --prompt, the text is encoded by the tokenizer beside the checkpoint (DIR/tokenizer.json, and
DIR/tokenizer_config.json when present, as Hugging Face writes them) and the new text is printed as it is
generated, special tokens left out.

${MODEL_HELP}
  --prompt TEXT       the prompt as text, one row (needs DIR/tokenizer.json; instead of --tokens)
  --max-new N         the most tokens to generate per row
  --temperature T     0 (default) picks the most likely token; T > 0 samples from softmax(logits / T)
  --top-k K           sample only among the K most likely tokens (needs --temperature T > 0)
  --top-p P           then only among the fewest most likely tokens whose probability reaches P (needs
                      --temperature T > 0)
  --seed S            PRNG seed (default 0); row b uses seed S + b, so runs repeat exactly
  --stop IDS          comma-separated token ids that end a row
${SPECULATIVE_HELP}`,
  options: {
    ...MODEL_OPTIONS,
    'max-new': { type: 'string' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    'top-p': { type: 'string' },
    seed: { type: 'string' },
    stop: { type: 'string' },
    prompt: { type: 'string' },
    speculative: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run(values) {
    const integer = (name: string, min?: number) => optional(values, name, (text) => integerOption('generate', name, text, min));
    const decimal = (name: string) => optional(values, name, (text) => numberOption('generate', name, text));
    const maxNew = integer('max-new', 1);
    if (maxNew === undefined) throw new UsageError('dsv3 generate: --max-new N is required');
    const topK = integer('top-k', 1);
    const topP = decimal('top-p');
    const temperature = decimal('temperature') ?? 0;
    // Greedy decoding ignores both, so asking for them without a temperature is a mistake, not a request.
    for (const [name, given] of [['top-k', topK], ['top-p', topP]] as const)
      if (given !== undefined && temperature === 0) throw new UsageError(`dsv3 generate: --${name} restricts sampling, which needs --temperature T > 0 (without it, decoding is greedy)`);
    const sampling = {
      temperature,
      seed: integer('seed') ?? 0,
      ...(topK === undefined ? {} : { topK }),
      ...(topP === undefined ? {} : { topP }),
    };
    const stop = values.stop === undefined ? [] : parseTokenRows(values.stop as string, 'stop', 'generate')[0]!;
    const speculative = values.speculative as string | undefined;
    // The MTP modules' reads are not counted: a report would say less than the run read.
    if (speculative !== undefined && values['report-reads'] === true) throw new UsageError('dsv3 generate: --report-reads does not count what --speculative reads; use one or the other');
    const { model, tokens, tokenizer } = promptArgs(values, (prompt) => ({ positions: generationPositions(prompt, maxNew), why: `a ${prompt}-token prompt and ${maxNew} new tokens` }));
    const depth = speculative === undefined ? undefined : speculativeDepth(speculative, model);
    const backend = await openBackend(values.backend as string, 'generate', commandProgress(values));
    announceCaches(values, 'generate', model, tokens.length);
    const session = openPlannedSession(values, 'generate', model, backend, { batch: tokens.length });
    let compileSeconds = 0;
    let spec: SpeculativeResult | undefined;
    const generateRows = async (o: GenerateOptions): Promise<number[][]> => {
      if (depth === undefined) return generateTokens(session, tokens, { ...o, onForward: (r) => (compileSeconds += r.compiled ? r.compiled.compiler + r.compiled.device : 0) });
      if (!(session instanceof Session)) throw new UsageError('dsv3 generate: --speculative needs a resident run, and this checkpoint is streamed (see --memory-budget)');
      spec = await generateSpeculative(session, tokens, { ...o, depth });
      compileSeconds = spec.seconds.compile;
      return spec.tokens;
    };
    // Logits that are not finite fail the run, naming the first value that went non-finite (as forward does).
    const run = async (o: GenerateOptions): Promise<number[][]> => {
      try {
        return await generateRows(o);
      } catch (e) {
        if (!(e instanceof NonFiniteLogits)) throw e;
        throw new CheckFailure(`${e.message}\n${await firstNonFinite(model, e.steps, { mtp: false })}`, { cause: e });
      }
    };
    try {
      const started = performance.now();
      if (values.json === true) {
        const rows = await run({ maxNew, sampling, stop });
        console.log(jsonReport(rows, (performance.now() - started) / 1000 - compileSeconds, spec));
      } else if (tokenizer === undefined) {
        const rows = await run({ maxNew, sampling, stop });
        rows.forEach((row, b) => console.log(`row ${b}: ${row.join(' ')}`));
      } else {
        const text = new DecodeStream(tokenizer);
        await run({ maxNew, sampling, stop, onToken: (_, id) => process.stdout.write(text.push(id)) });
        process.stdout.write(`${text.end()}\n`);
      }
      if (spec !== undefined && values.json !== true) console.error(speculativeSummary(spec, (performance.now() - started) / 1000 - compileSeconds));
      reportReads(values, 'generate', session);
    } finally {
      session.dispose();
      backend.dispose();
      model.weights.close();
    }
    return EXIT.ok;
  },
};
