// This dsv3 installation: its root folder (the one holding its package.json) and version. The CLI runs from src/
// (tests) or from dist/src/ (the built package), so the root is found by walking up from this file.

import fs from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown }).name === 'dsv3') return dir;
  }
  throw new Error(`cannot find the dsv3 package.json above ${fileURLToPath(import.meta.url)}`);
}

export const packageVersion = (): string => (JSON.parse(fs.readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
