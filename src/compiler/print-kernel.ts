// The text form of kernels, for dumps (DSV3_DUMP, `dsv3 compile --dump`) and test failure messages.

import { formatAttrValue, formatNumber } from '../ir/index.js';
import { topoOrder, type Expr } from './expr.js';
import type { Kernel, Program, Store } from './kernel.js';

function exprText(e: Expr, name: (e: Expr) => string): string {
  const args = e.args.map(name);
  switch (e.kind) {
    case 'const':
      return `${formatNumber(e.value)}:${e.type}`;
    case 'idx':
    case 'ridx':
      return `${e.kind}${e.axis}`;
    case 'param':
      return `$${e.name}`;
    case 'load':
      return `in${e.input}[${args[0]}]:${e.dtype}${e.bits ? ' bits' : ''}`;
    case 'encode':
      return `encode<${e.dtype}>(${args[0]})`;
    case 'acc':
      return `acc${e.index}`;
    case 'checked':
      return `checked(${args[0]} < ${e.bound})`;
    case 'cast':
      return `cast<${e.from}->${e.to}${e.mode ? `,${e.mode}` : ''}>(${args[0]})`;
    default:
      return `${e.kind}(${args.join(', ')})`;
  }
}

/** Prints expressions as numbered lets (t0, t1, ...) so shared subexpressions appear once. */
function printExprs(roots: readonly Expr[], lines: string[], indent: string): (e: Expr) => string {
  const names = new Map<Expr, string>();
  const name = (e: Expr) => names.get(e) ?? exprText(e, name);
  for (const e of topoOrder(roots)) {
    if (e.kind === 'const' || e.kind === 'idx' || e.kind === 'ridx' || e.kind === 'acc' || e.kind === 'param') continue;
    const t = `t${names.size}`;
    lines.push(`${indent}${t} = ${exprText(e, name)}`);
    names.set(e, t);
  }
  return name;
}

const storeLines = (stores: readonly Store[], lines: string[], indent: string) => {
  const name = printExprs(stores.flatMap((s) => [s.index, s.value]), lines, indent);
  for (const s of stores) lines.push(`${indent}out${s.output}[${name(s.index)}] = ${name(s.value)}${s.bits ? ' bits' : ''}`);
};

export function printKernel(k: Kernel): string {
  const lines = [`kernel ${k.name}${k.origin.length ? `  # ${k.origin.join('/')}` : ''}`];
  k.inputs.forEach((b, i) => lines.push(`  in${i} = buffer ${b.buffer} ${b.dtype}[${b.size}]`));
  k.outputs.forEach((b, i) => lines.push(`  out${i} = buffer ${b.buffer} ${b.dtype}[${b.size}]`));
  if (k.params.length) lines.push(`  params ${k.params.map((p) => `$${p}`).join(', ')}`);
  const body = k.body;
  switch (body.kind) {
    case 'map':
      lines.push(`  map over idx in [${body.shape.join(',')}]:`);
      storeLines(body.stores, lines, '    ');
      break;
    case 'reduce': {
      lines.push(`  reduce over idx in [${body.shape.join(',')}], ridx in [${body.rshape.join(',')}]:`);
      body.accumulators.forEach((a, j) => {
        lines.push(`    acc${j} = ${a.op}<${a.type}> over ridx of:`);
        const name = printExprs([a.value], lines, '      ');
        lines.push(`      ${name(a.value)}`);
      });
      if (body.stores.length) {
        lines.push('    per idx:');
        storeLines(body.stores, lines, '      ');
      }
      if (body.rowStores.length) {
        lines.push('    per (idx, ridx):');
        storeLines(body.rowStores, lines, '      ');
      }
      break;
    }
    case 'contraction': {
      lines.push(`  contraction batch [${body.batch.join(',')}] m ${body.m} n ${body.n} k ${body.k}: acc0 = sum over ridx0 of a * b`);
      const aLines: string[] = [];
      const an = printExprs([body.a], aLines, '      ');
      lines.push('    a(idx, ridx0):', ...aLines, `      ${an(body.a)}`);
      const bLines: string[] = [];
      const bn = printExprs([body.b], bLines, '      ');
      lines.push('    b(idx, ridx0):', ...bLines, `      ${bn(body.b)}`);
      lines.push('    epilogue:');
      storeLines(body.stores, lines, '      ');
      break;
    }
    case 'library': {
      const attrs = Object.keys(body.attrs).sort().map((key) => `${key}=${formatAttrValue(body.attrs[key]!)}`);
      const operands = body.operands.map((o) => (o.kind === 'param' ? `$${o.name}` : `in${o.slot}`));
      lines.push(`  library ${body.op}(${operands.join(', ')})${attrs.length ? ` {${attrs.join(', ')}}` : ''}`);
      break;
    }
  }
  return lines.join('\n');
}

export function printProgram(p: Program): string {
  const lines = [`program ${p.name}`];
  for (const b of p.buffers) lines.push(`  buffer ${b.id}: ${b.dtype}[${b.size}] ${b.role}${b.name ? ` "${b.name}"` : ''}`);
  for (const [name, id] of Object.entries(p.inputs)) lines.push(`  input ${name} = buffer ${id}`);
  for (const name of p.params) lines.push(`  param $${name}`);
  for (const [name, id] of Object.entries(p.outputs)) lines.push(`  output ${name} = buffer ${id}`);
  return [lines.join('\n'), ...p.kernels.map(printKernel)].join('\n\n') + '\n';
}
