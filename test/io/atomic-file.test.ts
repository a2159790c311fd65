// Files and folders written under a temporary name and renamed: the target holds the old file or folder or the whole
// new one, failures leave no temporary file and name the target, and what killed processes left is removed (a folder
// moved aside put back).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AtomicFile, OutputFolder, writeFileAtomic } from '../../src/io/atomic-file.js';
import { checkOutputFile, checkOutputFolder } from '../../src/io/output-path.js';
import { tempDir } from './temp-dir.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const partials = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.includes('.dsv3-partial-'));

describe('AtomicFile', () => {
  it('leaves the target as it was until commit, and replaces it whole then', () => {
    const dir = tempDir();
    const target = path.join(dir, 'out.bin');
    fs.writeFileSync(target, 'previous');
    const file = AtomicFile.create(target, { overwrite: true });
    file.write(new TextEncoder().encode('new'), 0);
    file.write(new TextEncoder().encode(' file'), 3);
    expect(fs.readFileSync(target, 'utf8')).toBe('previous');
    expect(partials(dir)).toEqual([path.basename(file.temporaryPath)]);
    file.commit();
    expect(fs.readFileSync(target, 'utf8')).toBe('new file');
    expect(fs.readdirSync(dir)).toEqual(['out.bin']);
    expect(() => file.write(new Uint8Array(1), 0)).toThrow(`${target}: write after commit() or abort()`);
  });

  it('drops the temporary file on abort', () => {
    const dir = tempDir();
    const target = path.join(dir, 'out.bin');
    fs.writeFileSync(target, 'previous');
    const file = AtomicFile.create(target, { overwrite: true });
    file.write(new Uint8Array(100), 0);
    file.abort();
    expect(fs.readdirSync(dir)).toEqual(['out.bin']);
    expect(fs.readFileSync(target, 'utf8')).toBe('previous');
  });

  it('refuses an existing target unless asked to overwrite, before writing anything', () => {
    const target = path.join(tempDir(), 'keep.txt');
    fs.writeFileSync(target, 'precious');
    expect(() => writeFileAtomic(target, 'x')).toThrow(`${target} already exists; refusing to overwrite it`);
    writeFileAtomic(target, 'replaced', { overwrite: true });
    expect(fs.readFileSync(target, 'utf8')).toBe('replaced');
  });

  it('names the file in an I/O error (ENOSPC) and leaves the previous file and no temporary one', () => {
    const dir = tempDir();
    const target = path.join(dir, 'full.bin');
    fs.writeFileSync(target, 'previous');
    vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    expect(() => writeFileAtomic(target, 'abcde', { overwrite: true })).toThrow(`${target}: cannot write 5 bytes at byte 0 (ENOSPC: no space left on the device)`);
    expect(fs.readdirSync(dir)).toEqual(['full.bin']);
    expect(fs.readFileSync(target, 'utf8')).toBe('previous');
  });

  it("removes the temporary files of this host's processes that are gone, and keeps those of running ones", () => {
    const dir = tempDir();
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const host = os.hostname().replace(/\W/g, '_');
    const gone = `out.bin.dsv3-partial-${host}-${child.stdout}-0`;
    const running = `out.bin.dsv3-partial-${host}-${process.ppid}-0`;
    const otherHost = `out.bin.dsv3-partial-${host}x-${child.stdout}-0`;
    for (const f of [gone, running, otherHost]) fs.writeFileSync(path.join(dir, f), 'left by a killed run');
    writeFileAtomic(path.join(dir, 'other.txt'), 'x');
    expect(fs.readdirSync(dir).sort()).toEqual([otherHost, running, 'other.txt'].sort());
  });
});

describe('output checks before the work', () => {
  it('name the path and what is wrong with it', () => {
    const dir = tempDir();
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    expect(() => checkOutputFile(path.join(dir, 'missing', 'x.bin'))).toThrow(`${path.join(dir, 'missing', 'x.bin')}: cannot write: folder ${path.join(dir, 'missing')} does not exist`);
    expect(() => checkOutputFile(path.join(file, 'x.bin'))).toThrow(`${path.join(file, 'x.bin')}: cannot write: ${file} is not a folder`);
    expect(() => checkOutputFile(dir, { overwrite: true })).toThrow(`${dir} is a folder; expected the path of a file to write`);
    expect(() => checkOutputFile(file)).toThrow(`${file} already exists; refusing to overwrite it`);
    expect(() => checkOutputFile(file, { overwrite: true })).not.toThrow();
    expect(() => checkOutputFolder(path.join(dir, 'new', 'deeper'))).not.toThrow();
    expect(() => checkOutputFolder(path.join(file, 'sub'))).toThrow(`${path.join(file, 'sub')}: cannot write: ${file} is not a folder`);
    expect(() => checkOutputFolder(path.join(file, 'sub'), { whole: true })).toThrow(`${path.join(file, 'sub')}: cannot write: ${file} is not a folder`);
  });
});

describe('OutputFolder', () => {
  it('builds a new folder under a temporary name and puts it in place whole on commit', () => {
    const parent = tempDir();
    const target = path.join(parent, 'ckpt');
    const folder = OutputFolder.open(target);
    writeFileAtomic(folder.file('a.txt'), 'a');
    expect(fs.existsSync(target)).toBe(false);
    folder.commit();
    expect(fs.readdirSync(parent)).toEqual(['ckpt']);
    expect(fs.readFileSync(path.join(target, 'a.txt'), 'utf8')).toBe('a');
  });

  it('leaves nothing after abort, and refuses what is not a folder', () => {
    const parent = tempDir();
    const target = path.join(parent, 'ckpt');
    const folder = OutputFolder.open(target);
    writeFileAtomic(folder.file('a.txt'), 'a');
    folder.abort();
    expect(fs.readdirSync(parent)).toEqual([]);
    fs.writeFileSync(path.join(parent, 'file'), '');
    expect(() => OutputFolder.open(path.join(parent, 'file'), { overwrite: true })).toThrow(`${path.join(parent, 'file')} exists and is not a folder`);
  });

  it('replaces an existing folder whole on commit, only when asked, and leaves it as it was until then', () => {
    const parent = tempDir();
    const target = path.join(parent, 'ckpt');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'old.txt'), 'old');
    expect(() => OutputFolder.open(target)).toThrow(`${target} already exists; refusing to write into it`);
    const folder = OutputFolder.open(target, { overwrite: true });
    writeFileAtomic(folder.file('a.txt'), 'a');
    expect(fs.readdirSync(target)).toEqual(['old.txt']);
    folder.commit();
    expect(fs.readdirSync(parent)).toEqual(['ckpt']);
    expect(fs.readdirSync(target)).toEqual(['a.txt']);
  });

  it('checks before the work that the folder beside it takes files, naming the path', () => {
    const parent = tempDir();
    const target = path.join(parent, 'ckpt');
    fs.mkdirSync(target);
    vi.spyOn(fs, 'accessSync').mockImplementation(() => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    });
    expect(() => OutputFolder.open(target, { overwrite: true })).toThrow(`${target}: cannot replace it in ${parent} (EACCES: permission denied)`);
    expect(() => OutputFolder.open(path.join(parent, 'new', 'ckpt'))).toThrow(`${path.join(parent, 'new', 'ckpt')}: cannot create it in ${parent} (EACCES: permission denied)`);
    expect(fs.readdirSync(parent)).toEqual(['ckpt']);
  });

  it('puts back a folder that a killed run moved aside and did not replace, and removes the other leftovers', () => {
    const parent = tempDir();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const host = os.hostname().replace(/\W/g, '_');
    const leftover = (name: string, kind: string, n: number) => {
      const dir = path.join(parent, `${name}.dsv3-${kind}-${host}-${gone}-${n}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'model.safetensors'), `${name} ${kind}`);
    };
    leftover('swapped', 'previous', 0); // killed before its replacement was moved in: the only copy of the folder
    fs.mkdirSync(path.join(parent, 'replaced'));
    leftover('replaced', 'previous', 1); // killed after the replacement was moved in, before the old one was removed
    leftover('replaced', 'partial', 2);
    OutputFolder.open(path.join(parent, 'next')).abort();
    expect(fs.readdirSync(parent).sort()).toEqual(['replaced', 'swapped']);
    expect(fs.readFileSync(path.join(parent, 'swapped', 'model.safetensors'), 'utf8')).toBe('swapped previous');
    expect(fs.readdirSync(path.join(parent, 'replaced'))).toEqual([]);
  });
});
