// The element types of dsv3 values. Floats narrower than f32 are storage formats: arithmetic on them
// computes in f32 and rounds the result back (spec/dtypes.md §Compute types).

export const DTYPES = ['f32', 'f16', 'bf16', 'f8e4m3fn', 'f8e5m2', 'i32', 'u8', 'bool'] as const;
export type DType = (typeof DTYPES)[number];

export type FloatDType = 'f32' | 'f16' | 'bf16' | 'f8e4m3fn' | 'f8e5m2';
export type Fp8DType = 'f8e4m3fn' | 'f8e5m2';
export type IntDType = 'i32' | 'u8';

/** The typed array each dtype is stored in: narrow floats are kept as their raw bit patterns. */
export type StorageArray = Float32Array | Uint16Array | Uint8Array | Int32Array;

interface DTypeInfo {
  readonly bytes: number;
  readonly kind: 'float' | 'int' | 'bool';
  /** Arithmetic (add, exp, ...) is defined on the dtype; fp8 formats only convert. */
  readonly arithmetic: boolean;
  readonly storage: { new (n: number): StorageArray; new (buf: ArrayBufferLike, off?: number, len?: number): StorageArray };
}

const INFO: Record<DType, DTypeInfo> = {
  f32: { bytes: 4, kind: 'float', arithmetic: true, storage: Float32Array },
  f16: { bytes: 2, kind: 'float', arithmetic: true, storage: Uint16Array },
  bf16: { bytes: 2, kind: 'float', arithmetic: true, storage: Uint16Array },
  f8e4m3fn: { bytes: 1, kind: 'float', arithmetic: false, storage: Uint8Array },
  f8e5m2: { bytes: 1, kind: 'float', arithmetic: false, storage: Uint8Array },
  i32: { bytes: 4, kind: 'int', arithmetic: true, storage: Int32Array },
  u8: { bytes: 1, kind: 'int', arithmetic: false, storage: Uint8Array },
  bool: { bytes: 1, kind: 'bool', arithmetic: false, storage: Uint8Array },
};

export function isDType(s: unknown): s is DType {
  return typeof s === 'string' && (DTYPES as readonly string[]).includes(s);
}

export function parseDType(s: string, what = 'dtype'): DType {
  if (!isDType(s)) throw new TypeError(`${what}: unknown dtype ${JSON.stringify(s)}; expected one of ${DTYPES.join(', ')}`);
  return s;
}

export const byteSize = (d: DType): number => INFO[d].bytes;
export const isFloat = (d: DType): d is FloatDType => INFO[d].kind === 'float';
export const isFp8 = (d: DType): d is Fp8DType => d === 'f8e4m3fn' || d === 'f8e5m2';
export const hasArithmetic = (d: DType): boolean => INFO[d].arithmetic;

/** A zeroed storage array for `n` elements of dtype `d`. */
export function allocStorage(d: DType, n: number): StorageArray {
  return new INFO[d].storage(n);
}

/** A storage array viewing `n` elements of dtype `d` in `buf` at byte offset `off` (no copy; `off` must be aligned). */
export function viewStorage(d: DType, buf: ArrayBufferLike, off: number, n: number): StorageArray {
  return new INFO[d].storage(buf, off, n);
}
