// The page `dsv3 compile --html` writes, in Chromium: it opens fitted to its pane, the wheel zooms about the pointer,
// dragging pans, a kernel's row brings its nodes into view, and search marks ops and kernels and steps through
// them, all without a request beyond the page. Skipped loudly without Chromium, unless DSV3_REQUIRE_BROWSER=1.

import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileStages } from '../../src/compiler/compile.js';
import { programStats } from '../../src/compiler/stats.js';
import { graphToHtml } from '../../src/compiler/view/html.js';
import { parseGraph } from '../../src/ir/index.js';
import { useHeadlessChromium } from './headless-chromium.js';

const browser = useHeadlessChromium();

const stages = compileStages(parseGraph(readFileSync('spec/examples/block.graph', 'utf8')));
const html = graphToHtml(stages, programStats(stages.program));

interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

let page: Page;
let requests: string[];
let errors: string[];

beforeEach(async () => {
  page = await browser().newPage({ viewport: { width: 1200, height: 800 } });
  requests = [];
  errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setContent(html);
});

afterEach(async () => {
  expect(errors).toEqual([]);
  expect(requests.filter((url) => !url.startsWith('about:') && !url.startsWith('data:'))).toEqual([]);
  await page.close();
});

const viewBox = async (): Promise<Box> => {
  const [x, y, w, h] = (await page.getAttribute('#drawing', 'viewBox'))!.split(' ').map(Number) as [number, number, number, number];
  return { x, y, w, h };
};
const pane = () => page.locator('#graph').boundingBox() as Promise<{ x: number; y: number; width: number; height: number }>;
/** The boxes of the nodes matching `selector`, in drawing units. */
const nodeBoxes = (selector: string): Promise<Box[]> =>
  page.$$eval(`${selector} rect`, (rects) => rects.map((r) => ({ x: +r.getAttribute('x')!, y: +r.getAttribute('y')!, w: +r.getAttribute('width')!, h: +r.getAttribute('height')! })));
const inside = (b: Box, v: Box) => b.x >= v.x && b.y >= v.y && b.x + b.w <= v.x + v.w && b.y + b.h <= v.y + v.h;

describe('compile --html in Chromium', () => {
  it('opens with the whole drawing fitted to its pane, with a unit as long on both axes', async () => {
    const v = await viewBox();
    const width = Number(await page.getAttribute('#drawing', 'data-width'));
    const height = Number(await page.getAttribute('#drawing', 'data-height'));
    expect(inside({ x: 0, y: 0, w: width, h: height }, v)).toBe(true);
    // Widened in one direction only, to the pane's shape.
    expect(Math.min(v.w - width, v.h - height)).toBeLessThan(1);
    const p = await pane();
    expect(v.w / v.h).toBeCloseTo(p.width / p.height, 3);
    expect(await page.textContent('#zoom')).toBe(`${Math.round((100 * p.width) / v.w)}%`);
  });

  it('zooms about the pointer with the wheel, pans by dragging, and fits again with the button', async () => {
    const fitted = await viewBox();
    const p = await pane();
    // Whole pixels: the page sees the pointer at whole pixels.
    const [px, py] = [Math.round(p.x + p.width * 0.3), Math.round(p.y + p.height * 0.6)];
    const under = (v: Box) => ({ x: v.x + ((px - p.x) * v.w) / p.width, y: v.y + ((py - p.y) * v.h) / p.height });
    await page.mouse.move(px, py);
    await page.mouse.wheel(0, -400);
    await expect.poll(async () => (await viewBox()).w).toBeLessThan(fitted.w / 1.5);
    const zoomed = await viewBox();
    expect(under(zoomed).x).toBeCloseTo(under(fitted).x, 0);
    expect(under(zoomed).y).toBeCloseTo(under(fitted).y, 0);
    await page.mouse.down();
    await page.mouse.move(px + 100, py + 50, { steps: 5 });
    await page.mouse.up();
    const panned = await viewBox();
    const scale = p.width / zoomed.w;
    expect(panned.x).toBeCloseTo(zoomed.x - 100 / scale, 1);
    expect(panned.y).toBeCloseTo(zoomed.y - 50 / scale, 1);
    await page.click('#fit');
    expect(await viewBox()).toEqual(fitted);
  });

  it('pins a kernel clicked in the table and brings its nodes into view', async () => {
    const last = stages.program.kernels.length - 1;
    await page.mouse.move(10, 10);
    await page.mouse.wheel(0, -1500);
    await page.click(`tr[data-kernel="${last}"]`);
    const members = `.node[data-kernels~="${last}"]`;
    const boxes = await nodeBoxes(members);
    expect(boxes.length).toBeGreaterThan(0);
    const v = await viewBox();
    for (const b of boxes) expect(inside(b, v)).toBe(true);
    expect(await page.$$eval(`${members}.hl`, (ns) => ns.length)).toBe(boxes.length);
    expect(await page.getAttribute(`tr[data-kernel="${last}"]`, 'class')).toBe('hl');
  });

  it('marks the nodes of an op or a kernel searched for, steps through them with Enter, and clears with Escape', async () => {
    // An op no kernel is named after, so that only the nodes of that op match.
    expect(stages.program.kernels.filter((k) => k.name.includes('reduce_sum'))).toEqual([]);
    await page.fill('#search', 'reduce_sum');
    const ops = await page.$$eval('.node', (ns) => ns.filter((n) => (n as HTMLElement).dataset.label!.includes('reduce_sum')).length);
    expect(ops).toBeGreaterThan(1);
    expect(await page.$$eval('.node.match', (ns) => ns.length)).toBe(ops);
    await page.press('#search', 'Enter');
    await page.press('#search', 'Enter');
    expect(await page.textContent('#status')).toBe(`2 of ${ops} nodes`);
    const [current] = await nodeBoxes('.node.current');
    expect(inside(current!, await viewBox())).toBe(true);

    const kernel = stages.program.kernels[0]!.name;
    await page.fill('#search', kernel);
    expect(await page.$$eval('tr.match', (rows) => rows.map((r) => (r as HTMLElement).dataset.name))).toEqual([kernel]);
    expect(await page.$$eval('.node.match', (ns) => ns.every((n) => (n as HTMLElement).dataset.kernels!.split(' ').includes('0')))).toBe(true);
    await page.press('#search', 'Escape');
    expect(await page.$$eval('.node.match, tr.match', (ns) => ns.length)).toBe(0);
    expect(await page.textContent('#status')).toBe('');
  });
});
