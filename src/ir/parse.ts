// The parser of the text form (print.ts): parseGraph(printGraph(g)) prints exactly as g does. It rebuilds the graph
// through GraphBuilder, so every op's type rule runs again, and checks each printed result type against it.
// Whitespace, newlines included, only separates tokens. Names are scoped like the printer's: a composite body sees
// its own inputs and values only, while numbered results are unique across the whole text.

import { checkAttrs } from './attrs.js';
import { GraphBuilder } from './builder.js';
import { knownComposite } from './composite.js';
import { DTYPES, isDType } from './dtype.js';
import { IRError } from './errors.js';
import { formatType, sameType, type AttrValue, type Attrs, type Graph, type GraphOutput, type TensorType, type Value } from './graph.js';
import { PRIMITIVES } from './primitives.js';

export class ParseError extends IRError {
  override name = 'ParseError';
  constructor(
    readonly line: number,
    readonly column: number,
    reason: string,
  ) {
    super(`parse error at ${line}:${column}: ${reason}`);
  }
}

type TokenKind = 'ident' | 'value' | 'number' | 'string' | 'punct' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

const LEXEMES: readonly [TokenKind, RegExp][] = [
  ['ident', /[A-Za-z_][A-Za-z0-9_.]*/y],
  ['value', /%[A-Za-z0-9_.]+/y],
  // Loose on purpose: `1.2.3` or `1e` become one token that the parser rejects as a bad number.
  ['number', /[-+0-9][A-Za-z0-9_.+-]*/y],
  ['string', /"(?:[^"\\\n]|\\.)*"/y],
  ['punct', /[(){}[\],:=^]/y],
];

function lexemeAt(text: string, i: number): { kind: TokenKind; text: string } | undefined {
  for (const [kind, re] of LEXEMES) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (m) return { kind, text: m[0] };
  }
  return undefined;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n') {
      line++;
      lineStart = ++i;
      continue;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const column = i - lineStart + 1;
    const token = lexemeAt(text, i);
    if (!token) {
      const reason = ch === '"' ? 'unterminated string' : ch === '%' ? "expected a value name after '%'" : `unexpected character ${JSON.stringify(ch)}`;
      throw new ParseError(line, column, reason);
    }
    tokens.push({ ...token, line, column });
    i += token.text.length;
  }
  tokens.push({ kind: 'end', text: '', line, column: i - lineStart + 1 });
  return tokens;
}

const describe = (t: Token): string => (t.kind === 'end' ? 'end of input' : `'${t.text}'`);

const FINITE_NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** The values one composite body (or the graph) can see; `outer` only serves the error for a value from outside. */
interface Scope {
  readonly values: Map<string, Value>;
  readonly outer?: Scope;
}

class Parser {
  private pos = 0;
  /** Every result name defined so far, anywhere: the printer numbers results across bodies. */
  private readonly results = new Map<string, Token>();

  constructor(private readonly tokens: readonly Token[]) {}

  graph(): Graph {
    this.keyword('graph', "'graph'");
    const nameTok = this.expect('ident', 'a graph name');
    const b = this.at(nameTok, () => new GraphBuilder(nameTok.text));
    const scope: Scope = { values: new Map() };
    this.punct('(', "'(' after the graph name");
    this.params(b, scope);
    this.punct(')', "')' after the graph's inputs");
    this.punct('{', "'{' to open the graph");
    this.statements(b, scope);
    const outputs = this.namedOutputs(scope);
    this.punct('}', "'}' to close the graph");
    this.expect('end', 'end of input after the graph');
    return this.at(nameTok, () => b.build(outputs));
  }

  private params(b: GraphBuilder, scope: Scope): void {
    if (this.peekPunct(')')) return;
    do {
      const tok = this.expect('value', 'an input such as %x');
      this.punct(':', `':' and a type after input ${tok.text}`);
      const type = this.type();
      if (scope.values.has(tok.text)) this.fail(tok, `duplicate input ${tok.text}`);
      scope.values.set(tok.text, this.at(tok, () => b.input(tok.text.slice(1), type)));
    } while (this.eatPunct(','));
  }

  private statements(b: GraphBuilder, scope: Scope): void {
    while (this.peek().kind === 'value') this.statement(b, scope);
    this.keyword('return', "a statement or 'return'");
  }

  private statement(b: GraphBuilder, scope: Scope): void {
    const names: Token[] = [];
    do names.push(this.expect('value', 'a result name such as %0'));
    while (this.eatPunct(','));
    this.punct('=', "'=' after the result names");
    const isComposite = this.peek().kind === 'ident' && this.peek().text === 'composite';
    if (isComposite) this.pos++;
    const opTok = this.expect('ident', 'an op name');
    this.punct('(', "'(' after the op name");
    const operands: Value[] = [];
    if (!this.peekPunct(')')) {
      do operands.push(this.use(scope, this.expect('value', 'an operand such as %0')));
      while (this.eatPunct(','));
    }
    this.punct(')', "')' after operands");
    const attrs = this.peekPunct('{') ? this.attrs() : {};
    const colon = this.punct(':', "':' and the result types");
    const types: { type: TensorType; tok: Token }[] = [];
    do types.push({ tok: this.peek(), type: this.type() });
    while (this.eatPunct(','));
    if (types.length !== names.length) this.fail(colon, `${names.length} result name(s) but ${types.length} type(s)`);
    const fromRegion = this.peek().kind === 'ident' && this.peek().text === 'from';
    if (fromRegion) this.pos++;
    b.origin = fromRegion ? (JSON.parse(this.expect('string', 'the region a node came from, as a string').text) as string) : undefined;
    const results = isComposite ? this.composite(b, scope, opTok, operands, attrs) : [this.primitive(b, opTok, operands, attrs, names)];
    if (results.length !== names.length) this.fail(names[0]!, `composite ${opTok.text} has ${results.length} result(s) but ${names.length} name(s) are given`);
    results.forEach((v, i) => {
      const { tok, type } = types[i]!;
      if (!sameType(v.type, type)) {
        const which = results.length > 1 ? ` as result ${i}` : '';
        this.fail(tok, `${opTok.text} gives ${formatType(v.type)}${which}, but the text says ${formatType(type)}`);
      }
      this.define(scope, names[i]!, v);
    });
  }

  private primitive(b: GraphBuilder, opTok: Token, operands: Value[], attrs: Attrs, names: readonly Token[]): Value {
    if (!PRIMITIVES.has(opTok.text)) {
      const hint = knownComposite(opTok.text) ? `; "${opTok.text}" is a composite, write "composite ${opTok.text}(...) : types { body }"` : '';
      this.fail(opTok, `unknown primitive op "${opTok.text}"${hint}`);
    }
    if (names.length !== 1) this.fail(names[1]!, `a primitive op has one result, found ${names.length} names`);
    return this.at(opTok, () => b.op(opTok.text, operands, attrs));
  }

  private composite(b: GraphBuilder, scope: Scope, opTok: Token, operands: Value[], attrs: Attrs): Value[] {
    if (PRIMITIVES.has(opTok.text)) this.fail(opTok, `"${opTok.text}" is a primitive op; write it without "composite" and without a body`);
    const def = knownComposite(opTok.text);
    const attrError = def && checkAttrs(def.attrs, attrs);
    if (attrError) this.fail(opTok, `composite ${opTok.text}: ${attrError}`);
    this.punct('{', `'{' to open the body of composite ${opTok.text}`);
    const caret = this.punct('^', "'^(' and the body's inputs");
    const body = new GraphBuilder(opTok.text);
    const bodyScope: Scope = { values: new Map(), outer: scope };
    this.punct('(', "'(' after '^'");
    this.params(body, bodyScope);
    this.punct(')', "')' after the body's inputs");
    this.statements(body, bodyScope);
    const outputs: Value[] = [];
    do outputs.push(this.use(bodyScope, this.expect('value', 'a body result such as %0')));
    while (this.eatPunct(','));
    this.punct('}', `'}' to close the body of composite ${opTok.text}`);
    const graph = this.at(caret, () => body.build(outputs));
    return this.at(opTok, () => b.region(opTok.text, operands, attrs, graph));
  }

  private namedOutputs(scope: Scope): GraphOutput[] {
    const outputs: GraphOutput[] = [];
    if (this.peekPunct('}')) return outputs;
    do {
      const nameTok = this.expect('ident', 'an output name');
      if (outputs.some((o) => o.name === nameTok.text)) this.fail(nameTok, `duplicate output name "${nameTok.text}"`);
      this.punct('=', `'=' after output name ${nameTok.text}`);
      outputs.push({ name: nameTok.text, value: this.use(scope, this.expect('value', 'a value such as %0')) });
    } while (this.eatPunct(','));
    return outputs;
  }

  private attrs(): Attrs {
    this.punct('{', "'{'");
    const attrs: Record<string, AttrValue> = {};
    if (!this.peekPunct('}')) {
      do {
        const key = this.expect('ident', 'an attribute name');
        if (key.text in attrs) this.fail(key, `duplicate attribute "${key.text}"`);
        this.punct('=', `'=' after attribute ${key.text}`);
        attrs[key.text] = this.attrValue();
      } while (this.eatPunct(','));
    }
    this.punct('}', "'}' after the attributes");
    return attrs;
  }

  private attrValue(): AttrValue {
    const tok = this.peek();
    if (tok.kind === 'string') {
      this.pos++;
      try {
        return JSON.parse(tok.text) as string;
      } catch {
        this.fail(tok, `bad string literal ${tok.text}; expected JSON escapes`);
      }
    }
    if (tok.kind === 'ident' && (tok.text === 'true' || tok.text === 'false')) {
      this.pos++;
      return tok.text === 'true';
    }
    if (this.eatPunct('[')) {
      const list: number[] = [];
      if (!this.peekPunct(']')) {
        do list.push(this.number('a number in the list'));
        while (this.eatPunct(','));
      }
      this.punct(']', "',' or ']' in the list");
      return list;
    }
    return this.number('an attribute value (a number, string, true, false or list)');
  }

  private number(what: string): number {
    const tok = this.next();
    if (tok.kind === 'ident' && (tok.text === 'nan' || tok.text === 'inf')) return tok.text === 'nan' ? NaN : Infinity;
    if (tok.kind !== 'number') this.fail(tok, `expected ${what}, found ${describe(tok)}`);
    if (tok.text === '-inf') return -Infinity;
    if (!FINITE_NUMBER.test(tok.text)) this.fail(tok, `bad number '${tok.text}'; expected digits with optional fraction and exponent, inf, -inf or nan`);
    const x = Number(tok.text);
    if (!Number.isFinite(x)) this.fail(tok, `number '${tok.text}' is out of range; write inf or -inf`);
    return x;
  }

  private type(): TensorType {
    const tok = this.expect('ident', 'a type such as f32[2,3]');
    if (!isDType(tok.text)) this.fail(tok, `unknown dtype "${tok.text}"; expected one of ${DTYPES.join(', ')}`);
    this.punct('[', `'[' and the shape after ${tok.text}`);
    const shape: number[] = [];
    if (!this.peekPunct(']')) {
      do {
        const dim = this.next();
        if (dim.kind !== 'number' || !/^\d+$/.test(dim.text) || !Number.isSafeInteger(Number(dim.text)))
          this.fail(dim, `expected a dimension (a non-negative integer), found ${describe(dim)}`);
        shape.push(Number(dim.text));
      } while (this.eatPunct(','));
    }
    this.punct(']', "',' or ']' in the shape");
    return { dtype: tok.text, shape };
  }

  private use(scope: Scope, tok: Token): Value {
    const v = scope.values.get(tok.text);
    if (v) return v;
    for (let s = scope.outer; s; s = s.outer)
      if (s.values.has(tok.text)) this.fail(tok, `${tok.text} is defined outside this composite body; a body sees only its inputs and its own values`);
    return this.fail(tok, `undefined value ${tok.text}`);
  }

  private define(scope: Scope, tok: Token, v: Value): void {
    const previous = this.results.get(tok.text);
    if (previous) this.fail(tok, `${tok.text} is already defined at ${previous.line}:${previous.column}`);
    if (scope.values.has(tok.text)) this.fail(tok, `${tok.text} is already defined as an input`);
    this.results.set(tok.text, tok);
    scope.values.set(tok.text, v);
  }

  /** Runs a builder call, reporting its IRError at `tok`. */
  private at<T>(tok: Token, build: () => T): T {
    try {
      return build();
    } catch (e) {
      if (e instanceof IRError && !(e instanceof ParseError)) this.fail(tok, e.message);
      throw e;
    }
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    const tok = this.peek();
    if (tok.kind !== 'end') this.pos++;
    return tok;
  }

  private expect(kind: TokenKind, what: string): Token {
    const tok = this.peek();
    if (tok.kind !== kind) this.fail(tok, `expected ${what}, found ${describe(tok)}`);
    return this.next();
  }

  private keyword(word: string, what: string): void {
    const tok = this.peek();
    if (tok.kind !== 'ident' || tok.text !== word) this.fail(tok, `expected ${what}, found ${describe(tok)}`);
    this.pos++;
  }

  private peekPunct(ch: string): boolean {
    const tok = this.peek();
    return tok.kind === 'punct' && tok.text === ch;
  }

  private eatPunct(ch: string): boolean {
    if (!this.peekPunct(ch)) return false;
    this.pos++;
    return true;
  }

  private punct(ch: string, what: string): Token {
    const tok = this.peek();
    if (!this.peekPunct(ch)) this.fail(tok, `expected ${what}, found ${describe(tok)}`);
    this.pos++;
    return tok;
  }

  private fail(tok: Token, reason: string): never {
    throw new ParseError(tok.line, tok.column, reason);
  }
}

/** Parses the text form of a graph (see print.ts). Errors are ParseErrors naming the line and column. */
export function parseGraph(text: string): Graph {
  return new Parser(tokenize(text)).graph();
}
