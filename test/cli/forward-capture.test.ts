// dsv3 forward --capture: every layer's tensors under the documented names (docs/checking-a-port.md), which are
// the golden files' names for the same tensors, so dsv3 diff compares a capture with the official dump directly.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileBytes } from '../../src/io/local-files.js';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { compareF32 } from '../../src/models/deepseek/verify/compare.js';
import { tempDir } from '../io/temp-dir.js';
import { runCli } from '../support/cli.js';

const V3 = 'spec/golden/v3-tiny-f32';
const PROMPT = '4,486,292,467,359,225,327,405,393,192,218,64;328,362,388,297,104,83,381,282,464,418,292,22';
const DECODE = '505,509;281,396';
const REF = ['--backend', 'cpu-reference'];

function shapes(file: string): Record<string, string> {
  using f = SafetensorsFile.open(fileBytes(file));
  return Object.fromEntries(f.names().map((n) => [n, `${f.info(n).dtype}[${f.info(n).shape.join(',')}]`]));
}

describe('dsv3 forward --capture', () => {
  it('writes every layer of every phase under the golden names, and dsv3 diff matches them with the official dump', async () => {
    const out = path.join(tempDir(), 'capture.safetensors');
    const r = await runCli('forward', '--model', V3, '--tokens', PROMPT, '--decode', DECODE, '--attn', 'naive', '--capture', '--out', out, ...REF);
    expect(r.code).toBe(0);
    const written = shapes(out);
    expect(written).toMatchObject({
      'prefill.embed': 'F32[2,12,64]',
      'prefill.attn.0': 'F32[2,12,64]',
      'prefill.ffn.0': 'F32[2,12,64]',
      'prefill.block.0': 'F32[2,12,64]',
      'prefill.gate.1.input': 'F32[24,64]',
      'prefill.gate.1.scores': 'F32[24,16]',
      'prefill.gate.1.indices': 'I32[24,4]',
      'prefill.gate.2.weights': 'F32[24,4]',
      'prefill.block.2': 'F32[2,12,64]',
      'prefill.final_norm': 'F32[2,12,64]',
      'prefill.logits_all': 'F32[2,12,512]',
      'prefill.logits': 'F32[2,512]',
      'decode.1.embed': 'F32[2,1,64]',
      'decode.1.gate.2.scores': 'F32[2,16]',
      'decode.1.block.2': 'F32[2,1,64]',
      'decode.1.logits': 'F32[2,512]',
    });
    // The dense layer 0 has no router; 3 layers, 2 of them MoE: per phase 1 + 3·3 + 2·4 + final_norm + logits.
    expect(Object.keys(written).filter((n) => n.startsWith('decode.0.'))).toHaveLength(20);
    expect(Object.keys(written)).toHaveLength(3 * 20 + 1);
    const d = await runCli('diff', out, `${V3}/expected.safetensors`, '--prefix-b', 'naive.');
    expect(d.code).toBe(0);
    // Everything but the router scores (the goldens have none) is in the official dump.
    expect(d.out).toMatch(/^only in A \(not compared\): 6 tensors: decode\.0\.gate\.1\.scores, /m);
    expect(d.out).toMatch(/^55\/55 pass$/m);
  });

  it('writes only logits, final norm and routing without --capture', async () => {
    const out = path.join(tempDir(), 'plain.safetensors');
    expect((await runCli('forward', '--model', V3, '--tokens', '4,486,292', '--decode', '505', '--out', out, ...REF)).code).toBe(0);
    expect(Object.keys(shapes(out))).toEqual([
      'decode.0.final_norm', 'decode.0.gate.1.indices', 'decode.0.gate.1.weights', 'decode.0.gate.2.indices', 'decode.0.gate.2.weights', 'decode.0.logits',
      'prefill.final_norm', 'prefill.gate.1.indices', 'prefill.gate.1.weights', 'prefill.gate.2.indices', 'prefill.gate.2.weights', 'prefill.logits', 'prefill.logits_all',
    ]);
  });

  it("captures each MTP module's block output", async () => {
    const out = path.join(tempDir(), 'mtp.safetensors');
    expect((await runCli('forward', '--model', 'spec/golden/v3-tiny-mtp', '--tokens', PROMPT, '--capture', '--out', out, ...REF)).code).toBe(0);
    expect(shapes(out)).toMatchObject({ 'mtp.0.block': 'F32[2,11,64]', 'mtp.0.logits': 'F32[2,11,512]', 'mtp.0.gate.indices': 'I32[22,4]' });
    // forward feeds the MTP module the final norm, the golden run mtp_hpost.
    using mine = SafetensorsFile.open(fileBytes(out));
    using golden = SafetensorsFile.open(fileBytes('spec/golden/v3-tiny-mtp/expected.safetensors'));
    expect(compareF32('mtp.0.block', mine.readIR('mtp.0.block'), golden.readIR('mtp_hpost.block_out')).pass).toBe(true);
  });
});
