// A strict JSON reader for headers that other tools read too (safetensors). It refuses what JSON.parse lets through
// but other readers take differently: a key twice in one object (JSON.parse keeps the last; Rust's serde refuses
// duplicate fields, other readers keep the first), a leading byte-order mark, and, where integers are expected,
// numbers written with a fraction or an exponent (serde refuses `1.0` for an integer). Nesting is limited to
// serde_json's 128 levels and read without recursion, so a deep header is an error, not a stack overflow. Objects
// come back with a null prototype, so a key such as "__proto__" is an ordinary key.
// The reader is driven by its caller for the levels it knows (`firstKey`/`nextKey` walk an object's keys) and reads
// any other value whole with `value`.

/** serde_json's recursion limit. */
export const MAX_JSON_DEPTH = 128;

export class JsonError extends Error {
  override name = 'JsonError';
  constructor(
    message: string,
    /** Not JSON at all (as opposed to JSON this reader refuses). */
    readonly syntax: boolean,
  ) {
    super(message);
  }
}

type JsonObject = Record<string, unknown>;
type Open = unknown[] | { readonly object: JsonObject; key: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class JsonReader {
  private pos = 0;

  constructor(private readonly text: string) {
    if (text.charCodeAt(0) === 0xfeff) this.refuse('starts with a byte-order mark (U+FEFF); JSON text has none');
  }

  /** The next character that is not whitespace (its code; NaN at the end). */
  peek(): number {
    const t = this.text;
    let p = this.pos;
    for (let c = t.charCodeAt(p); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = t.charCodeAt(++p));
    this.pos = p;
    return this.text.charCodeAt(p);
  }

  /** Consumes `ch` (after whitespace). */
  expect(ch: string): void {
    if (this.peek() !== ch.charCodeAt(0)) this.syntax(`expected '${ch}'`);
    this.pos++;
  }

  /** After '{': the first key and its ':', or undefined for an empty object (its '}' consumed). */
  firstKey(): string | undefined {
    if (this.peek() === 0x7d) {
      this.pos++;
      return undefined;
    }
    return this.key();
  }

  /** After a member's value: the next key and its ':', or undefined at the object's end (its '}' consumed). */
  nextKey(): string | undefined {
    const c = this.peek();
    this.pos++;
    if (c === 0x2c) return this.key();
    if (c === 0x7d) return undefined;
    this.pos--;
    return this.syntax("expected ',' or '}'");
  }

  /** Checks that only whitespace follows. */
  end(): void {
    if (!Number.isNaN(this.peek())) this.syntax('unexpected text after the value');
  }

  /**
   * The next value, read whole; `depth` is the nesting level it sits at (for the depth limit). With `integersOnly`,
   * every number in it must be written as an integer.
   */
  value(depth: number, integersOnly = false): unknown {
    const first = this.peek();
    if (first !== 0x7b && first !== 0x5b) return this.scalar(integersOnly);
    const open: Open[] = [];
    for (;;) {
      let v: unknown;
      const c = this.peek();
      if (c === 0x7b || c === 0x5b) {
        if (depth + open.length >= MAX_JSON_DEPTH) this.refuse(`nests deeper than ${MAX_JSON_DEPTH} levels`);
        this.pos++;
        if (c === 0x7b) {
          const key = this.firstKey();
          if (key !== undefined) {
            open.push({ object: Object.create(null) as JsonObject, key });
            continue;
          }
          v = Object.create(null);
        } else if (this.peek() === 0x5d) {
          this.pos++;
          v = [];
        } else {
          open.push([]);
          continue;
        }
      } else {
        v = this.scalar(integersOnly);
      }
      // Attach v to the innermost open container; close the containers that end here.
      for (;;) {
        const top = open.at(-1);
        if (top === undefined) return v;
        if (Array.isArray(top)) {
          top.push(v);
          const next = this.peek();
          this.pos++;
          if (next === 0x2c) break;
          if (next === 0x5d) {
            v = open.pop();
            continue;
          }
          this.pos--;
          this.syntax("expected ',' or ']'");
        }
        top.object[top.key] = v;
        const key = this.nextKey();
        if (key === undefined) {
          v = top.object;
          open.pop();
          continue;
        }
        if (Object.hasOwn(top.object, key)) this.refuse(`has "${key}" twice in one object`);
        top.key = key;
        break;
      }
    }
  }

  private key(): string {
    if (this.peek() !== QUOTE) this.syntax('expected a key (a string)');
    const key = this.string();
    this.expect(':');
    return key;
  }

  private scalar(integersOnly: boolean): unknown {
    const c = this.peek();
    if (c === QUOTE) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number(integersOnly);
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.syntax(Number.isNaN(c) ? 'unexpected end' : 'expected a value');
  }

  private string(): string {
    const t = this.text;
    const start = ++this.pos;
    let p = start;
    let escaped = false;
    for (let c = t.charCodeAt(p); c !== QUOTE; c = t.charCodeAt(p)) {
      if (Number.isNaN(c)) this.syntax('unterminated string');
      if (c < 0x20) {
        this.pos = p;
        this.syntax('control character in a string');
      }
      if (c === BACKSLASH) {
        escaped = true;
        p++;
      }
      p++;
    }
    this.pos = p + 1;
    if (!escaped) return t.slice(start, p);
    try {
      return JSON.parse(t.slice(start - 1, p + 1)) as string;
    } catch {
      this.pos = start;
      return this.syntax('invalid escape in a string');
    }
  }

  private number(integersOnly: boolean): number {
    const t = this.text;
    const start = this.pos;
    if (t.charCodeAt(this.pos) === 0x2d) this.pos++;
    if (t.charCodeAt(this.pos) === 0x30) this.pos++;
    else this.digits();
    let integer = true;
    if (t.charCodeAt(this.pos) === 0x2e) {
      integer = false;
      this.pos++;
      this.digits();
    }
    if ((t.charCodeAt(this.pos) | 0x20) === 0x65) {
      integer = false;
      this.pos++;
      if (t.charCodeAt(this.pos) === 0x2b || t.charCodeAt(this.pos) === 0x2d) this.pos++;
      this.digits();
    }
    const literal = t.slice(start, this.pos);
    if (integersOnly && !integer) {
      this.pos = start;
      this.refuse(`writes ${literal} where an integer is expected`);
    }
    return Number(literal);
  }

  /** Consumes one or more decimal digits. */
  private digits(): void {
    const t = this.text;
    const from = this.pos;
    let c = t.charCodeAt(this.pos);
    while (c >= 0x30 && c <= 0x39) c = t.charCodeAt(++this.pos);
    if (this.pos === from) this.syntax('invalid number');
  }

  private syntax(msg: string): never {
    throw new JsonError(`${msg} at character ${this.pos}`, true);
  }

  private refuse(msg: string): never {
    throw new JsonError(`${msg} (at character ${this.pos})`, false);
  }
}
