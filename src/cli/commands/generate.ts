// `dsv3 generate`: continues each prompt row, greedily or by seeded sampling, and prints the new tokens.

import { generate as generateTokens } from '../../models/deepseek/generate.js';
import { Session } from '../../models/deepseek/session.js';
import { UsageError, type Command } from '../command.js';
import { openBackend } from '../backends.js';
import { MODEL_HELP, MODEL_OPTIONS, modelArgs, parseTokenRows } from './forward.js';

function numberOption(values: Record<string, unknown>, name: string, integer: boolean): number | undefined {
  const text = values[name] as string | undefined;
  if (text === undefined) return undefined;
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x) || (integer && !Number.isSafeInteger(x))) throw new UsageError(`dsv3 generate: --${name} must be ${integer ? 'an integer' : 'a number'}, got "${text}"`);
  return x;
}

export const generate: Command = {
  name: 'generate',
  summary: 'generate tokens after each prompt row (greedy or seeded sampling)',
  help: `Usage: dsv3 generate --model DIR --tokens ROWS --max-new N [--temperature T] [--top-k K] [--top-p P]
                     [--seed S] [--stop IDS] [--attn MODE] [--gemm MODE] [--backend NAME]

Prints one line per row with its new tokens. A row ends at a stop token (printed as its last token) or after
N tokens; rows that end early wait, emitting nothing, until every row is done.

${MODEL_HELP}
  --max-new N         the most tokens to generate per row
  --temperature T     0 (default) picks the most likely token; T > 0 samples from softmax(logits / T)
  --top-k K           sample only among the K most likely tokens
  --top-p P           then only among the fewest most likely tokens whose probability reaches P
  --seed S            PRNG seed (default 0); row b uses seed S + b, so runs repeat exactly
  --stop IDS          comma-separated token ids that end a row`,
  options: {
    ...MODEL_OPTIONS,
    'max-new': { type: 'string' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    'top-p': { type: 'string' },
    seed: { type: 'string' },
    stop: { type: 'string' },
  },
  async run(values) {
    const maxNew = numberOption(values, 'max-new', true);
    if (maxNew === undefined) throw new UsageError('dsv3 generate: --max-new N is required');
    const topK = numberOption(values, 'top-k', true);
    const topP = numberOption(values, 'top-p', false);
    const sampling = {
      temperature: numberOption(values, 'temperature', false) ?? 0,
      seed: numberOption(values, 'seed', true) ?? 0,
      ...(topK === undefined ? {} : { topK }),
      ...(topP === undefined ? {} : { topP }),
    };
    const stop = values.stop === undefined ? [] : parseTokenRows(values.stop as string, 'stop', 'generate')[0]!;
    const { model, tokens } = modelArgs(values, 'generate');
    const backend = await openBackend(values.backend as string, 'generate');
    const session = new Session(model, backend, { batch: tokens.length });
    try {
      const rows = await generateTokens(session, tokens, { maxNew, sampling, stop });
      rows.forEach((row, b) => console.log(`row ${b}: ${row.join(' ')}`));
    } finally {
      session.dispose();
      backend.dispose();
      model.weights.close();
    }
    return 0;
  },
};
