// Where commands write, checked before the work (the folder exists and takes files, the path is not a folder), with
// the path named; a write failing part-way leaves the previous file; and how long the runs' KV caches are: what the
// run needs by default, --max-seq otherwise, said before they are allocated.

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../io/temp-dir.js';

const V3 = 'spec/golden/v3-tiny-f32';
const REF = ['--backend', 'cpu-reference'];

describe('output paths, checked before the work', () => {
  it('forward --out into a missing folder or onto a folder fails before the model is read', async () => {
    const dir = tempDir();
    const missing = path.join(dir, 'no-such-folder', 'out.safetensors');
    // The model folder does not exist either: the output path is what the command checks first.
    const r = await runCli('forward', '--model', path.join(dir, 'no-model'), '--tokens', '1,2', '--out', missing);
    expect(r.code).not.toBe(0);
    expect(r.err).toBe(`dsv3 forward: ${missing}: cannot write: folder ${path.dirname(missing)} does not exist`);
    const onFolder = await runCli('forward', '--model', path.join(dir, 'no-model'), '--tokens', '1,2', '--out', dir, '--force');
    expect(onFolder.err).toBe(`dsv3 forward: ${dir} is a folder; expected the path of a file to write`);
  });

  it('a folder where a file goes, or a file where a folder goes, is refused with or without --force', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    for (const force of [[], ['--force']]) {
      const onFolder = await runCli('forward', '--model', V3, '--tokens', '1,2', '--out', dir, ...force);
      expect(onFolder.err).toBe(`dsv3 forward: ${dir} is a folder; expected the path of a file to write`);
      const onFile = await runCli('quantize', '--model', V3, '--out', file, ...force);
      expect(onFile.err).toBe(`dsv3 quantize: ${file} is not a folder; expected the path of a folder to write`);
      expect(onFile.code).toBe(2);
    }
  });

  it('quantize refuses an output folder that is or holds its input, which --force would replace', async () => {
    const parent = tempDir();
    const model = path.join(parent, 'model');
    fs.cpSync(V3, model, { recursive: true });
    for (const out of [model, parent]) {
      const r = await runCli('quantize', '--model', model, '--out', out, '--force');
      expect(r.err).toBe(`dsv3 quantize: ${out}: the output folder must not be or contain the input folder ${model}`);
    }
    expect(fs.readdirSync(parent)).toEqual(['model']);
  });

  it('cast and compile name the path they cannot write', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'in.f32');
    fs.writeFileSync(input, new Uint8Array(new Float32Array([1, 2]).buffer));
    const out = path.join(dir, 'missing', 'out.bin');
    const cast = await runCli('cast', '--from', 'f32', '--to', 'bf16', input, out);
    expect(cast.err).toBe(`dsv3 cast: ${out}: cannot write: folder ${path.dirname(out)} does not exist`);
    const html = path.join(dir, 'missing', 'view.html');
    const compile = await runCli('compile', 'spec/examples/block.graph', '--html', html);
    expect(compile.err).toBe(`dsv3 compile: ${html}: cannot write: folder ${path.dirname(html)} does not exist`);
    fs.writeFileSync(path.join(dir, 'a-file'), '');
    const dump = await runCli('compile', 'spec/examples/block.graph', '--dump', path.join(dir, 'a-file'));
    expect(dump.err).toBe(`dsv3 compile: ${path.join(dir, 'a-file', 'block')}: cannot write: ${path.join(dir, 'a-file')} is not a folder`);
    expect(fs.readdirSync(dir).sort()).toEqual(['a-file', 'in.f32']);
  });

  it('cast writes OUT whole, leaving no temporary file', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'in.f32');
    fs.writeFileSync(input, new Uint8Array(new Float32Array([1, -2, 0.5]).buffer));
    const r = await runCli('cast', '--from', 'f32', '--to', 'bf16', input, path.join(dir, 'out.bf16'));
    expect(r.code).toBe(0);
    expect([...new Uint16Array(new Uint8Array(fs.readFileSync(path.join(dir, 'out.bf16'))).buffer)]).toEqual([0x3f80, 0xc000, 0x3f00]);
    expect(fs.readdirSync(dir).sort()).toEqual(['in.f32', 'out.bf16']);
  });
});

describe('a write that fails part-way', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('leaves the previous output whole and no temporary file, naming the file (cast, forward --out, compile)', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'in.f32');
    fs.writeFileSync(input, new Uint8Array(new Float32Array([1, 2]).buffer));
    const dump = path.join(dir, 'dump');
    fs.mkdirSync(path.join(dump, 'block'), { recursive: true });
    const previous = { 'out.bf16': 'cast', 'out.safetensors': 'forward', 'view.html': 'html', 'view.dot': 'dot', 'dump/block/00-input.txt': 'dump' };
    for (const [f, text] of Object.entries(previous)) fs.writeFileSync(path.join(dir, f), text);
    const at = (f: string) => path.join(dir, f);
    const runs: [string, string[]][] = [
      ['out.bf16', ['cast', '--from', 'f32', '--to', 'bf16', '--force', input, at('out.bf16')]],
      ['out.safetensors', ['forward', '--model', V3, '--tokens', '4,486', ...REF, '--quiet', '--force', '--out', at('out.safetensors')]],
      ['view.html', ['compile', 'spec/examples/block.graph', '--force', '--html', at('view.html')]],
      ['view.dot', ['compile', 'spec/examples/block.graph', '--force', '--dot', at('view.dot')]],
      ['dump/block/00-input.txt', ['compile', 'spec/examples/block.graph', '--force', '--dump', dump]],
    ];
    vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    for (const [f, argv] of runs) {
      const r = await runCli(...argv);
      expect(r.code, f).toBe(2);
      expect(r.err).toMatch(new RegExp(`${path.basename(f).replaceAll('.', '\\.')}: cannot write \\d+ bytes at byte 0 \\(ENOSPC: no space left on the device\\)`));
    }
    for (const [f, text] of Object.entries(previous)) expect(fs.readFileSync(at(f), 'utf8'), f).toBe(text);
    expect(fs.readdirSync(dir).sort()).toEqual(['dump', 'in.f32', 'out.bf16', 'out.safetensors', 'view.dot', 'view.html']);
    expect(fs.readdirSync(path.join(dump, 'block'))).toEqual(['00-input.txt']);
  });
});

describe('KV cache length', () => {
  it('is what the run needs by default, and said before the caches are allocated', async () => {
    const r = await runCli('forward', '--model', V3, '--tokens', '4,486,292;328,362,388', '--decode', '505,509;281,396', ...REF);
    expect(r.code).toBe(0);
    // 3 layers of the 32-wide latent and the 8-wide rope key, 2 rows, 3 + 2 positions, f32.
    expect(r.err).toBe(`dsv3 forward: KV caches: ${(3 * (32 + 8) * 4 * 2 * 5).toLocaleString('en-US')} bytes (3 layers, batch 2, 5 positions, f32, absorb attention)`);
    const quiet = await runCli('forward', '--model', V3, '--tokens', '4,486,292', ...REF, '--quiet');
    expect(quiet.err).toBe('');
  });

  it('follows --max-seq, which must hold the run and fit max_position_embeddings', async () => {
    const r = await runCli('generate', '--model', V3, '--tokens', '4,486,292', '--max-new', '2', '--max-seq', '40', ...REF);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/KV caches: [\d,]+ bytes \(3 layers, batch 1, 40 positions,/);
    const short = await runCli('generate', '--model', V3, '--tokens', '4,486,292', '--max-new', '2', '--max-seq', '3', ...REF);
    expect(short.code).toBe(2);
    expect(short.err).toBe('dsv3 generate: --max-seq 3 is too short: a 3-token prompt and 2 new tokens need 4 positions');
    const long = await runCli('forward', '--model', V3, '--tokens', '4,486,292', '--max-seq', '65', ...REF);
    expect(long.err).toBe('dsv3 forward: --max-seq 65 exceeds max_position_embeddings (64)');
    const run = await runCli('generate', '--model', V3, '--tokens', '4,486,292', '--max-new', '63', ...REF);
    expect(run.err).toBe('dsv3 generate: a 3-token prompt and 63 new tokens need 65 positions, more than max_position_embeddings (64)');
  });
});
