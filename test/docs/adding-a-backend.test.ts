// docs/adding-a-backend.md matches the code: every TypeScript block it shows is in the repository verbatim, and every
// identifier it names in backticks is one the code uses, so a renamed symbol fails here until the guide follows.
// (test/docs/references.test.ts checks the paths it cites.)

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const GUIDE = fs.readFileSync(path.join(ROOT, 'docs', 'adding-a-backend.md'), 'utf8');

const sources = ['src', 'test']
  .flatMap((dir) => (fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => path.join(ROOT, dir, f)))
  .map((file) => fs.readFileSync(file, 'utf8'));

describe('docs/adding-a-backend.md', () => {
  it('shows code exactly as it is in the repository', () => {
    const blocks = [...GUIDE.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.filter((block) => !sources.some((text) => text.includes(block)))).toEqual([]);
  });

  it('names only identifiers the code uses', () => {
    // `name`, `name()` or `name(args)`, environment variables aside.
    const names = new Set([...GUIDE.matchAll(/`([A-Za-z_]\w*)(?:\([^)`]*\))?`/g)].map((m) => m[1]!).filter((n) => !n.startsWith('DSV3_')));
    expect([...names].filter((n) => !sources.some((text) => new RegExp(`\\b${n}\\b`).test(text)))).toEqual([]);
  });
});
