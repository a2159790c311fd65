import { describe, expect, it } from 'vitest';
import { i64ToI32 } from '../../src/numerics/index.js';

describe('i64ToI32', () => {
  it('copies values in the i32 range, including both ends', () => {
    const src = BigInt64Array.of(0n, -1n, 2147483647n, -2147483648n, 12345n);
    expect(Array.from(i64ToI32(src, 'tokens'))).toEqual([0, -1, 2147483647, -2147483648, 12345]);
  });

  it('names the data, the element index and the value when an element does not fit', () => {
    expect(() => i64ToI32(BigInt64Array.of(1n, 2n, 2147483648n), 'prefill_tokens')).toThrow(
      new RangeError(
        'prefill_tokens: element 2 is 2147483648, which does not fit in i32 (expected -2147483648..2147483647)',
      ),
    );
    expect(() => i64ToI32(BigInt64Array.of(-2147483649n), 'ids')).toThrow(/ids: element 0 is -2147483649/);
  });
});
