// A growing byte buffer with the encodings of the WebAssembly binary format: LEB128 integers, little-endian floats,
// names, and length-prefixed vectors and sections. Bytes go straight into one typed array (no intermediate arrays).

const scratch = new DataView(new ArrayBuffer(8));
const UTF8 = new TextEncoder();

export class ByteWriter {
  private bytes = new Uint8Array(256);
  private size = 0;

  get length(): number {
    return this.size;
  }

  private reserve(n: number): void {
    if (this.size + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.size + n));
    grown.set(this.bytes.subarray(0, this.size));
    this.bytes = grown;
  }

  byte(b: number): void {
    this.reserve(1);
    this.bytes[this.size++] = b;
  }

  write(bytes: ArrayLike<number>): void {
    this.reserve(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.bytes[this.size++] = bytes[i]!;
  }

  /** Unsigned LEB128 of a non-negative integer. */
  uleb(n: number): void {
    do {
      let byte = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 0x80;
      this.byte(byte);
    } while (n > 0);
  }

  /** Signed LEB128 of an int32. */
  sleb(n: number): void {
    n |= 0;
    for (;;) {
      const byte = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return this.byte(byte);
      this.byte(byte | 0x80);
    }
  }

  f32(x: number): void {
    scratch.setFloat32(0, x, true);
    for (let i = 0; i < 4; i++) this.byte(scratch.getUint8(i));
  }

  f64(x: number): void {
    scratch.setFloat64(0, x, true);
    for (let i = 0; i < 8; i++) this.byte(scratch.getUint8(i));
  }

  /** A name: its UTF-8 byte count, then the bytes. */
  name(s: string): void {
    const utf8 = UTF8.encode(s);
    this.uleb(utf8.length);
    this.write(utf8);
  }

  /** What `fill` writes, preceded by its byte count (a section, a function body). */
  sized(fill: (w: ByteWriter) => void): void {
    const inner = new ByteWriter();
    fill(inner);
    this.uleb(inner.size);
    this.write(inner.bytes.subarray(0, inner.size));
  }

  /** A vector: the item count, then each item as `each` writes it. */
  vector<T>(items: readonly T[], each: (item: T) => void): void {
    this.uleb(items.length);
    for (const item of items) each(item);
  }

  /** The bytes written (a copy the writer no longer touches). */
  result(): Uint8Array<ArrayBuffer> {
    return this.bytes.slice(0, this.size);
  }
}

/** The unsigned LEB128 bytes of `n`. */
export function uleb(n: number): number[] {
  const w = new ByteWriter();
  w.uleb(n);
  return [...w.result()];
}
