// The text form round trips: parseGraph(printGraph(g)) prints as g does, for hand-written and random graphs;
// malformed text fails with the line, the column and what was expected.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DTYPES, GraphBuilder, IRError, ParseError, parseGraph, printGraph, verify, type AttrValue, type Graph } from '../../src/ir/index.js';
import { fp8Quantize, rmsNorm, silu, softmax, Tensor } from '../../src/ops/index.js';
import { randomGraph } from '../support/random-graph.js';

const roundTrip = (g: Graph) => {
  const text = printGraph(g);
  const parsed = verify(parseGraph(text));
  expect(printGraph(parsed)).toBe(text);
  return parsed;
};

/** A composite no registry knows: its body alone defines it, and its attributes are free-form. */
function opaque(b: GraphBuilder, x: Tensor, attrs: Record<string, AttrValue>) {
  const body = new GraphBuilder('opaque');
  const p = body.input('v', x.value.type);
  return b.region('opaque', [x.value], attrs, body.build([body.op('neg', [p]), p]));
}

describe('round trip of hand-written graphs', () => {
  test('nested composites, several results, weights and every attribute kind', () => {
    const b = new GraphBuilder('demo');
    const x = new Tensor(b, b.input('x', { dtype: 'f32', shape: [2, 4] }));
    const w = new Tensor(b, b.op('weight', [], { name: 'layers.0 "w"\n\t\\ é \u0001', dtype: 'f32', shape: [4] }));
    const y = silu(rmsNorm(x, w, 1e-6));
    const [q, s] = fp8Quantize(softmax(y, 0), 2, 'ue8m0');
    const odd = opaque(b, x, {
      floats: [NaN, Infinity, -Infinity, -0, 0, 5e-324, 1.7976931348623157e308, 1e21, 1e-7, 0.1],
      empty: [],
      t: true,
      f: false,
      text: '\ud800 "quoted" }{,=',
      neg: -0,
    });
    const pad = b.op('pad', [x.value], { lo: [0, 1], hi: [2, 0], value: -Infinity });
    roundTrip(b.build({ y: y.value, q: q!.value, s: s!.value, odd: odd[0]!, same: odd[1]!, pad }));
  });

  test('every dtype, rank-0 and zero-size shapes, inputs returned directly, dotted names', () => {
    const b = new GraphBuilder('types.v2');
    const inputs = DTYPES.map((dtype, i) => b.input(`in_${dtype}.${i}`, { dtype, shape: i % 3 === 0 ? [] : i % 3 === 1 ? [0, 3] : [1, 2, 3, 4] }));
    roundTrip(b.build(inputs));
  });

  test('a graph with no outputs and a graph with no inputs', () => {
    roundTrip(new GraphBuilder('empty').build([]));
    const b = new GraphBuilder('consts');
    roundTrip(b.build([b.op('iota', [], { dtype: 'i32', shape: [3, 2], axis: 1 })]));
  });

  test('whitespace is free: a hand-formatted text parses to the printed form', () => {
    const text = `graph g (%x:f32[ 2 , 3 ])
      {   %0=exp( %x ):f32[2,3]
      %1 = composite softmax(%0){axis=1}:f32[2,3]{^(%x:f32[2,3]) %2=neg(%x):f32[2,3] return %2}
      return y=%1 , z = %0 }`;
    expect(printGraph(parseGraph(text))).toBe(`graph g(%x: f32[2,3]) {
  %0 = exp(%x) : f32[2,3]
  %1 = composite softmax(%0) {axis=1} : f32[2,3] {
    ^(%x: f32[2,3])
    %2 = neg(%x) : f32[2,3]
    return %2
  }
  return y = %1, z = %0
}
`);
  });

  test('body inputs are scoped: the same name inside and outside a body', () => {
    const g = parseGraph(`graph g(%x: f32[2]) {
  %0 = composite silu(%x) : f32[2] {
    ^(%x: f32[2])
    %1 = mul(%x, %x) : f32[2]
    return %1
  }
  %2 = add(%x, %0) : f32[2]
  return y = %2
}
`);
    const [silu_, add] = g.nodes;
    expect(silu_!.body!.inputs[0]).not.toBe(g.inputs[0]);
    expect(add!.inputs[0]).toBe(g.inputs[0]);
  });
});

describe('round trip of random graphs', () => {
  test('printGraph(parseGraph(printGraph(g))) === printGraph(g)', () => {
    fc.assert(fc.property(randomGraph({ maxOps: 12 }), (g) => void roundTrip(g)));
  });

  test('attributes of any value survive (doubles, strings of any code units, lists)', () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,6}$/);
    const value: fc.Arbitrary<AttrValue> = fc.oneof(fc.double(), fc.string({ unit: 'binary' }), fc.boolean(), fc.array(fc.double(), { maxLength: 4 }));
    fc.assert(
      fc.property(fc.dictionary(name, value, { maxKeys: 4 }), (attrs) => {
        const b = new GraphBuilder('g');
        const x = new Tensor(b, b.input('x', { dtype: 'bf16', shape: [] }));
        roundTrip(b.build(opaque(b, x, attrs)));
      }),
    );
  });
});

describe('parse errors give the position and what was expected', () => {
  const base = `graph g(%x: f32[2,3], %i: i32[]) {
  %0 = exp(%x) : f32[2,3]
  %1 = composite softmax(%0) {axis=1} : f32[2,3] {
    ^(%x: f32[2,3])
    %2 = neg(%x) : f32[2,3]
    return %2
  }
  %3 = full() {dtype="f32", shape=[2, 3], value=0.5} : f32[2,3]
  return y = %1, z = %3
}
`;
  const errorOf = (text: string) => {
    try {
      parseGraph(text);
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect(e).toBeInstanceOf(IRError);
      return (e as Error).message;
    }
    throw new Error(`no parse error for:\n${text}`);
  };

  test('the base text parses', () => {
    expect(printGraph(parseGraph(base))).toBe(base);
  });

  test.each([
    ['exp(%x) :', 'exp(%x {', "2:15: expected ')' after operands, found '{'"],
    ['exp(%x)', 'exq(%x)', '2:8: unknown primitive op "exq"'],
    ['exp(%x)', 'softmax(%x)', '2:8: unknown primitive op "softmax"; "softmax" is a composite, write "composite softmax(...) : types { body }"'],
    ['composite softmax', 'composite exp', '3:18: "exp" is a primitive op; write it without "composite" and without a body'],
    ['neg(%x)', 'neg(%9)', '5:14: undefined value %9'],
    ['neg(%x)', 'neg(%0)', '5:14: %0 is defined outside this composite body; a body sees only its inputs and its own values'],
    ['%2 = neg(%x) : f32[2,3]', '%2 = neg(%x) : f32[3,2]', '5:20: neg gives f32[2,3], but the text says f32[3,2]'],
    ['%1 = composite softmax(%0) {axis=1} : f32[2,3]', '%1 = composite softmax(%0) {axis=1} : f16[2,3]', '3:41: softmax gives f32[2,3], but the text says f16[2,3]'],
    ['%3 = full', '%2 = full', '8:3: %2 is already defined at 5:5'],
    ['%3 = full', '%x = full', '8:3: %x is already defined as an input'],
    ['%i: i32[]', '%x: i32[]', '1:23: duplicate input %x'],
    ['z = %3', 'y = %3', '9:18: duplicate output name "y"'],
    ['value=0.5', 'value=0.5, value=1', '8:54: duplicate attribute "value"'],
    ['value=0.5', 'value=1.2.3', "8:49: bad number '1.2.3'; expected digits with optional fraction and exponent, inf, -inf or nan"],
    ['value=0.5', 'value=1e', "8:49: bad number '1e'"],
    ['value=0.5', 'value=--1', "8:49: bad number '--1'"],
    ['value=0.5', 'value=1e999', "8:49: number '1e999' is out of range; write inf or -inf"],
    ['value=0.5', 'value=[1, x]', "8:53: expected a number in the list, found 'x'"],
    ['value=0.5', 'value=%0', "8:49: expected an attribute value (a number, string, true, false or list), found '%0'"],
    ['%i: i32[]', '%i: i32[2,-1]', "1:33: expected a dimension (a non-negative integer), found '-1'"],
    ['%i: i32[]', '%i: i32[2.5]', "1:31: expected a dimension (a non-negative integer), found '2.5'"],
    ['%i: i32[]', '%i: i33[]', '1:27: unknown dtype "i33"; expected one of f32, f16, bf16, f8e4m3fn, f8e5m2, i32, u8, bool'],
    ['dtype="f32"', 'dtype="f32', '8:22: unterminated string'],
    ['dtype="f32"', 'dtype="f\\q32"', '8:22: bad string literal "f\\q32"; expected JSON escapes'],
    ['exp(%x)', 'exp(%x) @', '2:16: unexpected character "@"'],
    ['%i: i32[]', '%%i: i32[]', "1:23: expected a value name after '%'"],
    ['%0 = exp(%x) : f32[2,3]', '%0 = exp(%x) : f32[2,3], f32[2,3]', '2:16: 1 result name(s) but 2 type(s)'],
    ['%0 = exp(%x) : f32[2,3]', '%0, %9 = exp(%x) : f32[2,3], f32[2,3]', '2:7: a primitive op has one result, found 2 names'],
    ['%1 = composite softmax(%0) {axis=1} : f32[2,3]', '%1, %9 = composite softmax(%0) {axis=1} : f32[2,3], f32[2,3]', '3:3: composite softmax has 1 result(s) but 2 name(s) are given'],
    ['^(%x: f32[2,3])', '(%x: f32[2,3])', "4:5: expected '^(' and the body's inputs, found '('"],
    ['    return %2', '    return', "7:3: expected a body result such as %0, found '}'"],
    ['return y', 'return', "9:10: expected an output name, found '='"],
    ['graph g', 'graph 9g', "1:7: expected a graph name, found '9g'"],
    ['z = %3\n}', 'z = %3\n} }', "10:3: expected end of input after the graph, found '}'"],
  ])('%s -> %s', (from, to, expected) => {
    const text = base.replace(from, to);
    expect(text).not.toBe(base);
    expect(errorOf(text)).toContain(`parse error at ${expected}`);
  });

  test('an empty text', () => {
    expect(errorOf('')).toBe("parse error at 1:1: expected 'graph', found end of input");
  });

  test('type rule, attribute and body errors come from the builder, at the op', () => {
    expect(errorOf(base.replace('exp(%x)', 'add(%x, %i)'))).toMatch(
      /^parse error at 2:8: add\(%\d+: f32\[2,3\], %\d+: i32\[\]\): operand dtypes differ \(f32\[2,3\], i32\[\]\); cast explicitly$/,
    );
    expect(errorOf(base.replace('value=0.5', 'value=0.1'))).toContain('parse error at 8:8: full() {dtype="f32", shape=[2, 3], value=0.1}: value 0.1 is not exactly representable in f32');
    expect(errorOf(base.replace(', value=0.5', ''))).toContain('parse error at 8:8: full() {dtype="f32", shape=[2, 3]}: missing attribute "value"');
    expect(errorOf(base.replace('value=0.5', 'value=0.5, bogus=1'))).toContain('unknown attribute "bogus"; expected "dtype", "shape", "value"');
    expect(errorOf(base.replace(' {axis=1}', ''))).toBe('parse error at 3:18: composite softmax: missing attribute "axis" (a value of kind int)');
    expect(errorOf(base.replace('^(%x: f32[2,3])\n    %2 = neg(%x) : f32[2,3]', '^(%x: f32[3,2])\n    %2 = neg(%x) : f32[3,2]'))).toMatch(
      /^parse error at 3:18: softmax\(%\d+: f32\[2,3\]\) \{axis=1\}: body inputs \(f32\[3,2\]\) do not match the operands$/,
    );
  });
});
