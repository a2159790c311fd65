// dsv3 forward --layers A..B --hidden-in F: a replay of layers A..B on a capture of layer A-1's block output writes
// the whole run's captures of those layers, bit for bit; bad input is refused with a message naming it.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileBytes } from '../../src/io/local-files.js';
import { SafetensorsFile, type FileArray, type FileDType } from '../../src/io/safetensors.js';
import { writeSafetensors } from '../../src/io/safetensors-writer.js';
import { tempDir } from '../io/temp-dir.js';
import { runCli } from '../support/cli.js';

const V3 = 'spec/golden/v3-tiny-f32';
const PROMPT = '4,486,292,467,359;328,362,388,297,104';
const DECODE = '505,509;281,396';

/** Every tensor of `file`, as raw bytes. */
function tensorBytes(file: string): Record<string, Buffer> {
  using f = SafetensorsFile.open(fileBytes(file));
  return Object.fromEntries(f.names().map((n) => [n, Buffer.from(f.read(n).buffer)]));
}

function hiddenFile(tensors: Record<string, { dtype: FileDType; shape: number[]; data: FileArray }>): string {
  const file = path.join(tempDir(), 'hidden.safetensors');
  writeSafetensors(file, tensors);
  return file;
}

describe('dsv3 forward --layers', () => {
  it("replays layers 1..2 on layer 0's captured block output, bit for bit with the whole run", async () => {
    const dir = tempDir();
    const full = path.join(dir, 'full.safetensors');
    const replay = path.join(dir, 'replay.safetensors');
    expect((await runCli('forward', '--model', V3, '--tokens', PROMPT, '--decode', DECODE, '--capture', '--out', full)).code).toBe(0);
    const r = await runCli('forward', '--model', V3, '--layers', '1..2', '--hidden-in', full, '--out', replay, '--report-reads');
    expect(r.code).toBe(0);
    expect(r.err).toContain('KV caches: 4,480 bytes (layers 1..2, batch 2, 7 positions, f32, absorb attention)');
    // Only layers 1 and 2 were read, each tensor once, and of their experts only those chosen.
    const reads = /reads: ([\d,]+) bytes of tensor data against a lazy minimum of ([\d,]+) /.exec(r.err);
    expect(reads, r.err).not.toBeNull();
    expect(reads![1]).toBe(reads![2]);
    const whole = tensorBytes(full);
    const replayed = tensorBytes(replay);
    const expected = Object.keys(whole).filter((n) => /^(prefill|decode\.\d)\.(attn|ffn|block|gate)\.[12](\.|$)/.test(n));
    // 3 phases, 2 MoE layers: attn, ffn, block and the router's input, scores, indices and weights.
    expect(expected).toHaveLength(3 * 2 * 7);
    expect(Object.keys(replayed).sort()).toEqual(expected.sort());
    for (const name of expected) expect(replayed[name]!.equals(whole[name]!), name).toBe(true);
  });

  it('refuses bad input, naming it', async () => {
    const D = 64;
    const f32 = (shape: number[]) => ({ dtype: 'F32' as const, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    const good = hiddenFile({ 'prefill.block.0': f32([1, 3, D]) });
    const cases: [string[], RegExp][] = [
      [['--layers', '2..1', '--hidden-in', good], /--layers layers 2\.\.1: the first layer comes after the last/],
      [['--layers', '1..3', '--hidden-in', good], /the model has 3 decoder layers, 0\.\.2/],
      [['--layers', '1-2', '--hidden-in', good], /--layers must be A\.\.B or A/],
      [['--layers', '1..2'], /--layers needs --hidden-in FILE/],
      [['--hidden-in', good], /--hidden-in is for layer replay and needs --layers/],
      [['--layers', '1', '--hidden-in', good, '--tokens', '1,2'], /--tokens cannot be given with --layers/],
      [['--layers', '1', '--hidden-in', good, '--memory-budget', '1G'], /--memory-budget cannot be given with --layers/],
      [['--layers', '2', '--hidden-in', good], /no tensor "prefill\.block\.1", the input of layer 2 \(layer 1's block output\).*it holds prefill\.block\.0/],
      [['--layers', '1', '--hidden-in', hiddenFile({ 'prefill.block.0': f32([1, 3, 32]) })], /"prefill\.block\.0" has shape \[1, 3, 32\]; .* must be \[batch, positions, 64\]/],
      [['--layers', '1', '--hidden-in', hiddenFile({ 'prefill.block.0': { dtype: 'I32', shape: [1, 3, D], data: new Int32Array(3 * D) } })], /"prefill\.block\.0" is I32; .* must be a float tensor exact in f32/],
      [['--layers', '1', '--hidden-in', hiddenFile({ 'prefill.block.0': f32([1, 3, D]), 'decode.1.block.0': f32([1, 1, D]) })], /has "decode\.1\.block\.0" but no "decode\.0\.block\.0"/],
      [['--layers', '1', '--hidden-in', hiddenFile({ 'prefill.block.0': f32([1, 3, D]), 'decode.0.block.0': f32([2, 1, D]) })], /"decode\.0\.block\.0" has batch 2, "prefill\.block\.0" has 1/],
      [['--layers', '1', '--hidden-in', hiddenFile({ 'prefill.block.0': { ...f32([1, 3, D]), data: new Float32Array(3 * D).fill(NaN) } })], /holds NaN at \[0, 0, 0\]/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli('forward', '--model', V3, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(message);
    }
  });
});
