// Where a file's bytes come from, read at given offsets: a file on disk read on demand (local-files.ts, Node only)
// or bytes already in memory (memoryBytes: a page's fetch, a test). Reads are synchronous in both cases, so a
// weight can be read the first time a graph asks for it, without an await in the model code.

/** Bytes as a page or a test holds them: an ArrayBuffer, or any view of one (Uint8Array, DataView, ...). */
export type Bytes = ArrayBufferLike | ArrayBufferView;

export interface ByteSource {
  /** Names the bytes in error messages: a path, or a label such as `v3-tiny/model.safetensors`. */
  readonly name: string;
  readonly byteLength: number;
  /** Fills `into` with the bytes that start at `position`. */
  read(into: Uint8Array, position: number): void;
  /** Releases what the source holds (a file descriptor); reads afterwards are the caller's error. */
  close(): void;
}

const asUint8Array = (bytes: Bytes): Uint8Array =>
  ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);

/** A source over bytes in memory (not copied: the caller must not change them while the source is in use). */
export function memoryBytes(name: string, bytes: Bytes): ByteSource {
  const all = asUint8Array(bytes);
  return {
    name,
    byteLength: all.byteLength,
    read(into, position) {
      if (!Number.isSafeInteger(position) || position < 0 || position + into.length > all.length) {
        throw new RangeError(`${name}: cannot read ${into.length} bytes at byte ${position}; it has ${all.length}`);
      }
      into.set(all.subarray(position, position + into.length));
    },
    close() {},
  };
}

/** Bytes read through a counted source, and the source's size (set when it is wrapped). */
export interface ByteCount {
  all: number;
  byteLength: number;
}

/** `source`, adding every byte read through it to `count.all`. */
export function countedBytes(source: ByteSource, count: ByteCount): ByteSource {
  count.byteLength = source.byteLength;
  return watchedBytes(source, ({ bytes }) => (count.all += bytes));
}

/** One read through a watched source: where it started, how many bytes it read, and how long it took. */
export interface ByteRead {
  readonly position: number;
  readonly bytes: number;
  readonly seconds: number;
}

/** `source`, calling `onRead` after every read through it. */
export function watchedBytes(source: ByteSource, onRead: (read: ByteRead) => void): ByteSource {
  return {
    name: source.name,
    byteLength: source.byteLength,
    read(into, position) {
      const start = performance.now();
      source.read(into, position);
      onRead({ position, bytes: into.length, seconds: (performance.now() - start) / 1000 });
    },
    close: () => source.close(),
  };
}
