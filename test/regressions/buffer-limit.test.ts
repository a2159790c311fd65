import { it } from 'vitest';
import { parseGraph, printGraph } from '../../src/ir/index.js';
import { compile } from '../../src/compiler/compile.js';
import { printProgram } from '../../src/compiler/print-kernel.js';
import { Trace, fp8Quantize } from '../../src/index.js';

it('scratch', () => {
  const t = new Trace('q');
  const [q, s] = fp8Quantize(t.input('x', 'f32', [4, 32]), 8, 'none');
  const g = t.build({ q: q!, s: s! });
  console.log(printGraph(g));
  for (const lim of [Infinity, 4, 3]) {
    try { console.log(lim, printProgram(compile(g, { maxBuffersPerKernel: lim }))); } catch (e) { console.log(lim, (e as Error).message); }
  }
  const names = Array.from({ length: 8 }, (_, i) => `x${i}`);
  const text = `graph g(${names.map((n) => `%${n}: f32[4,8]`).join(', ')}) {\n${names.map((n, i) => `  %${i} = reduce_sum(%${n}) {axes=[1], keepdims=false} : f32[4]`).join('\n')}\n  return ${names.map((_, i) => `y${i} = %${i}`).join(', ')}\n}`;
  const g2 = parseGraph(text);
  for (const lim of [Infinity, 15, 4]) {
    try { console.log(lim, printProgram(compile(g2, { maxBuffersPerKernel: lim }))); } catch (e) { console.log(lim, (e as Error).message); }
  }
  const g3 = parseGraph('graph g(%a: f32[2], %b: f32[2], %c: f32[2], %d: f32[2]) {\n  %0 = concat(%a, %b, %c, %d) {axis=0} : f32[8]\n  %1 = pad(%0) {lo=[1], hi=[1], value=0} : f32[10]\n  return y = %1\n}');
  for (const lim of [Infinity, 4, 3]) {
    try { console.log(lim, printProgram(compile(g3, { maxBuffersPerKernel: lim }))); } catch (e) { console.log(lim, (e as Error).message); }
  }
});
