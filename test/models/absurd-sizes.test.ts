// Configs that ask for absurd sizes are refused before anything is allocated, with the key named: the config is
// compared with the checkpoint's tensor names before the layout is built, positions and token ids must fit int32,
// and the caches are sized to the run, so a vast max_position_embeddings costs nothing.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../io/temp-dir.js';

const DIR = 'spec/golden/v3-tiny-f32';

/** A copy of the golden checkpoint whose config.json has `changes`. */
function variant(changes: Record<string, unknown>): string {
  const dir = tempDir();
  const config = JSON.parse(fs.readFileSync(`${DIR}/config.json`, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, ...changes }));
  fs.copyFileSync(`${DIR}/model.safetensors`, path.join(dir, 'model.safetensors'));
  return dir;
}

const forward = (dir: string) => runCli('forward', '--model', dir, '--tokens', '4,486,292', '--backend', 'cpu-reference', '--quiet');

describe('absurd sizes', () => {
  it('refuses a million routed experts before laying them out', async () => {
    const dir = variant({ n_routed_experts: 1_000_000 });
    const r = await forward(dir);
    expect(r.code).not.toBe(0);
    expect(r.err).toBe(`dsv3 forward: ${dir}: config.json's n_routed_experts (1000000) asks for experts 0 to 999999, but the checkpoint's tensors stop at expert 15 (mlp.experts.<e>)`);
  });

  it('refuses 100,000 layers before laying them out', async () => {
    const dir = variant({ num_hidden_layers: 100_000 });
    const r = await forward(dir);
    expect(r.code).not.toBe(0);
    expect(r.err).toBe(`dsv3 forward: ${dir}: config.json's num_hidden_layers (100000) and num_nextn_predict_layers (0) ask for layers 0 to 99999, but the checkpoint's tensors stop at layer 2 (model.layers.<i>)`);
  });

  it('refuses positions and token ids past int32', async () => {
    for (const key of ['max_position_embeddings', 'vocab_size']) {
      const r = await forward(variant({ [key]: 2 ** 31 }));
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(new RegExp(`"${key}" must be at most 2147483647: token ids and positions are int32, got 2147483648$`));
    }
  });

  it('runs a model whose max_position_embeddings is 2^31 - 1, with caches for the 3 positions the run needs', async () => {
    const r = await forward(variant({ max_position_embeddings: 2 ** 31 - 1 }));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const reference = await forward(DIR);
    expect(r.out).toBe(reference.out);
  });
});
