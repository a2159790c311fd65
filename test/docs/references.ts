// Finds the references a text makes to files of the repository and checks that each resolves inside it.
//
// A reference is a path-like token: one under a top-level folder (TOP_FOLDERS; a path under dist names the compiled
// form of a source file), one starting with ./ or ../, or any name ending in .md. A markdown path may be followed by
// section names, each a § and a name (several joined by "and", "or" or commas): each must begin a heading of that
// file, or be a heading followed by more words. A markdown link may carry a #anchor, checked against the headings'
// GitHub slugs. A document cited by an all-capitals nickname and a § instead of its path is refused, and so is any
// path that leads outside the repository. In source files only comments are read, so strings and ordinary code are
// never taken for references.

import fs from 'node:fs';
import path from 'node:path';

export interface Problem {
  readonly file: string;
  readonly reference: string;
  readonly why: string;
}

const TOP_FOLDERS = ['src', 'test', 'bench', 'docs', 'spec', 'bin', 'dist'];

/** A path token, not preceded by a path character: a path under dist is one token, not also the source path in it. */
const PATH_TOKEN = new RegExp(
  String.raw`(?<![\w./@~:-])(?:(?:\.{1,2}/)+[\w.-][\w./*-]*|(?:${TOP_FOLDERS.join('|')})/[\w./*-]*|[\w./-]*\w\.md\b)`,
  'g',
);
const WORKSPACE_PATH = /(?<![\w.])\/work\/[\w./-]*/g;
const NICKNAME_CITATION = /\b([A-Z][A-Z0-9_-]{2,})\s*§/g;
/** Section names after a .md reference: `§name`, further ones joined by "and", "or" or commas. */
const SECTION_LIST = /^`?\s*§([^§)(;,\]"\n]*)((?:\s*(?:,|\band\b|\bor\b)?\s*§[^§)(;,\]"\n]*)*)/;

/** The comments of TypeScript/JavaScript source, consecutive line comments joined into one text each. */
export function commentsOf(code: string): string[] {
  const blocks: string[] = [];
  let lastEnd = -1;
  let i = 0;
  const add = (text: string, start: number, end: number, lineComment: boolean) => {
    const joinable = lineComment && lastEnd >= 0 && /^\s*$/.test(code.slice(lastEnd, start));
    if (joinable) blocks[blocks.length - 1] += `\n${text}`;
    else blocks.push(text);
    lastEnd = lineComment ? end : -1;
  };
  while (i < code.length) {
    const c = code[i]!;
    if (c === '/' && code[i + 1] === '/') {
      const end = code.indexOf('\n', i) === -1 ? code.length : code.indexOf('\n', i);
      add(code.slice(i + 2, end), i, end, true);
      i = end;
    } else if (c === '/' && code[i + 1] === '*') {
      const close = code.indexOf('*/', i + 2);
      const end = close === -1 ? code.length : close + 2;
      add(code.slice(i + 2, end - 2).replace(/^[ \t]*\*/gm, ''), i, end, false);
      i = end;
    } else if (c === '"' || c === "'" || c === '`') {
      // Skip the string: quotes end at their closing quote (or, for ' and ", at the end of the line).
      i++;
      while (i < code.length && code[i] !== c && (c === '`' || code[i] !== '\n')) i += code[i] === '\\' ? 2 : 1;
      i++;
    } else {
      i++;
    }
  }
  return blocks;
}

/** Markdown headings (outside fenced code) of a file, as plain text. */
export function headingsOf(markdown: string): string[] {
  const headings: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) headings.push(m[1]!);
  }
  return headings;
}

const plain = (s: string): string => s.replace(/[`*"]/g, '').replace(/\s+/g, ' ').trim().toLowerCase();

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as hyphens. */
const slugOf = (heading: string): string =>
  heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');

/** Whether section name `name` cites `heading`: it begins the heading, or is the heading followed by more words. */
function citesHeading(name: string, heading: string): boolean {
  const [n, h] = [plain(name), plain(heading)];
  const prefix = (long: string, short: string) => long.startsWith(short) && !/\w/.test(long.charAt(short.length));
  return n !== '' && (prefix(h, n) || prefix(n, h));
}

/** Wrapped lines of prose joined, so a reference split over two lines reads as one (structure lines stay apart). */
const unwrap = (text: string): string => text.replace(/\n[ \t]*(?![ \t#|\n]|```|[-*] |\d+\. )/g, ' ');

/**
 * Every problem with the references of `text`, the prose of file `file` (a path relative to `root`): its whole text
 * for markdown, its comments for source code. `docs` maps the base name of each markdown file of the repository to
 * its paths, against which a bare `name.md` is resolved.
 */
export function checkText(root: string, file: string, text: string, docs: ReadonlyMap<string, readonly string[]>): Problem[] {
  const problems: Problem[] = [];
  const problem = (reference: string, why: string) => problems.push({ file, reference, why });
  const prose = unwrap(text);
  for (const m of prose.matchAll(WORKSPACE_PATH)) problem(m[0], 'an absolute path outside the repository; cite a repository file');
  for (const m of prose.matchAll(NICKNAME_CITATION)) problem(m[0], `cites "${m[1]}" by a nickname; cite the document by its repository path, e.g. spec/x.md §Section`);
  for (const m of prose.matchAll(PATH_TOKEN)) {
    // A token always holds a '/' or ends in .md, so trailing dots are the end of a sentence.
    const token = m[0].replace(/\.+$/, '');
    const target = resolve(root, file, token, docs);
    if ('problem' in target) problem(token, target.problem);
    if (!('file' in target) || !token.endsWith('.md')) continue;
    const rest = prose.slice(m.index + token.length);
    const headings = headingsOf(fs.readFileSync(target.file, 'utf8'));
    for (const name of sectionNames(rest)) {
      if (!headings.some((h) => citesHeading(name, h))) problem(`${token} §${name}`, `no heading of ${path.relative(root, target.file)} begins with "${name}"`);
    }
    const anchor = /^#([\w-]+)/.exec(rest)?.[1];
    if (anchor !== undefined && !headings.some((h) => slugOf(h) === anchor)) problem(`${token}#${anchor}`, `no heading of ${path.relative(root, target.file)} has the anchor #${anchor}`);
  }
  return problems;
}

/** The section names cited right after a reference: `§A`, or `§A and §B`, `§A, §B`. */
function sectionNames(rest: string): string[] {
  const m = SECTION_LIST.exec(rest);
  if (!m) return [];
  const names = [m[1]!, ...m[2]!.split('§').slice(1)];
  return names.map((n) => n.replace(/\s(?:—|–)\s.*$/, '').replace(/\.\s.*$/, '').replace(/[\s.]+$/, '').replace(/\s+(?:and|or)$/, '').trim());
}

/** What a token resolves to: an existing file or folder, one that exists but is not one file to read, or a problem. */
type Resolved = { readonly file: string } | { readonly exists: true } | { readonly problem: string };

/**
 * What `token` (found in `file`) refers to. A bare dist/, a wildcard pattern that matches, or a bare name that several
 * documents have exists without naming one file.
 */
function resolve(root: string, file: string, token: string, docs: ReadonlyMap<string, readonly string[]>): Resolved {
  const top = token.split('/')[0]!;
  let candidates: string[];
  if (token.startsWith('./') || token.startsWith('../')) candidates = [path.resolve(root, path.dirname(file), token)];
  else if (top === 'dist') {
    const source = token.slice('dist/'.length).replace(/\.js$/, '.ts');
    if (source === '') return { exists: true };
    candidates = [path.resolve(root, source)];
  } else if (TOP_FOLDERS.includes(top) && token.includes('/')) candidates = [path.resolve(root, token)];
  else if (!token.includes('/')) {
    const named = docs.get(token) ?? [];
    if (named.length > 1) return { exists: true };
    candidates = [path.resolve(root, path.dirname(file), token), ...named.map((p) => path.resolve(root, p))];
  } else candidates = [path.resolve(root, path.dirname(file), token), path.resolve(root, token)];
  const inside = candidates.filter((c) => c === root || c.startsWith(root + path.sep));
  if (inside.length === 0) return { problem: 'points outside the repository; cite a repository file' };
  for (const c of inside) {
    if (c.includes('*')) return matchesGlob(c) ? { exists: true } : { problem: 'no file in the repository matches this pattern' };
    for (const option of [c, c.replace(/\.js$/, '.ts')]) if (fs.existsSync(option)) return { file: option };
  }
  return { problem: 'no such file or folder in the repository' };
}

/** Whether some file matches `pattern`, an absolute path with `*` wildcards in its last part only. */
function matchesGlob(pattern: string): boolean {
  const [dir, last] = [path.dirname(pattern), path.basename(pattern)];
  if (dir.includes('*') || !fs.existsSync(dir)) return false;
  const re = new RegExp(`^${last.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return fs.readdirSync(dir).some((name) => re.test(name));
}
