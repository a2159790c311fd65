// Correctly rounded f32 multiplication, addition and division in WGSL on integer operations only, for kernels that
// must match the CPU bit for bit (the FP8 claims). WGSL's own float arithmetic does not give that: division may be
// off by 2.5 ulp, devices may flush subnormal operands and results to zero, and shader compilers may assume that no
// infinity or NaN occurs. These functions take and return f32 bit patterns (u32) and follow IEEE 754 binary32 with
// round to nearest even everywhere: subnormals kept, overflow to ±inf, NaN for invalid operations (always the
// quiet NaN 0x7fc00000: NaN payloads and signs are not specified, spec/ops.md).

import type { WgslFunction } from './wgsl-numerics.js';

export const F32_ARITHMETIC_NAMES = ['f32_significand', 'f32_lsb_exponent', 'f32_round_pack', 'f32_mul', 'f32_add', 'f32_div', 'f32_from_i64_scaled'] as const;

export type F32ArithmeticName = (typeof F32_ARITHMETIC_NAMES)[number];

export const F32_ARITHMETIC: Record<F32ArithmeticName, WgslFunction> = {
  f32_significand: {
    uses: [],
    code: `
// The integer significand of a finite magnitude (f32 bits, sign clear): the value is significand · 2^lsb_exponent.
fn f32_significand(magnitude: u32) -> u32 {
  return select(magnitude & 0x7fffffu, (magnitude & 0x7fffffu) | 0x800000u, magnitude >= 0x800000u);
}`,
  },
  f32_lsb_exponent: {
    uses: [],
    code: `
// The weight 2^e of the significand's lowest bit for a finite magnitude (f32 bits, sign clear).
fn f32_lsb_exponent(magnitude: u32) -> i32 {
  return i32(max(magnitude >> 23u, 1u)) - 150;
}`,
  },
  f32_round_pack: {
    uses: [],
    code: `
// The f32 bits nearest to (-1)^sign · m · 2^e, ties to even (sign: 0 or 0x80000000). When m has 26 or more significant
// bits its lowest bit may be sticky (set when anything nonzero lies below it): rounding to odd there first and to
// nearest even at 24 bits is rounding the exact value once.
fn f32_round_pack(sign: u32, m: u32, e: i32) -> u32 {
  if (m == 0u) {
    return sign;
  }
  let p = i32(firstLeadingBit(m));
  // Leading one at bit 30: the 24-bit significand in bits 30..7, rounding bits below.
  let n = select(m << u32(30 - p), (m >> 1u) | (m & 1u), p == 31);
  let biased = p + e + 127;
  if (biased >= 255) {
    return sign | 0x7f800000u;
  }
  if (biased <= 0) {
    // Subnormal: the lowest kept bit weighs 2^-149, 1 - biased bits further up; below half of it everything is 0.
    let shift = u32(8 - biased);
    if (shift >= 32u) {
      return sign;
    }
    let kept = n >> shift;
    let rest = n & ((1u << shift) - 1u);
    let half = 1u << (shift - 1u);
    return sign | (kept + select(0u, 1u, rest > half || (rest == half && (kept & 1u) == 1u)));
  }
  let kept = n >> 7u;
  let rest = n & 0x7fu;
  // A carry out of the significand lands in the exponent field, which is right (up to infinity).
  return sign | ((u32(biased - 1) << 23u) + kept + select(0u, 1u, rest > 0x40u || (rest == 0x40u && (kept & 1u) == 1u)));
}`,
  },
  f32_mul: {
    uses: ['f32_significand', 'f32_lsb_exponent', 'f32_round_pack'],
    code: `
// a · b on f32 bits: the 48-bit product of the significands in 16-bit pieces, folded to 32 bits with a sticky bit.
fn f32_mul(a: u32, b: u32) -> u32 {
  let sign = (a ^ b) & 0x80000000u;
  let ma = a & 0x7fffffffu;
  let mb = b & 0x7fffffffu;
  if (ma > 0x7f800000u || mb > 0x7f800000u) {
    return 0x7fc00000u;
  }
  if (ma == 0x7f800000u || mb == 0x7f800000u) {
    return select(sign | 0x7f800000u, 0x7fc00000u, ma == 0u || mb == 0u);
  }
  if (ma == 0u || mb == 0u) {
    return sign;
  }
  let sa = f32_significand(ma);
  let sb = f32_significand(mb);
  let e = f32_lsb_exponent(ma) + f32_lsb_exponent(mb);
  let lo = (sa & 0xffffu) * (sb & 0xffffu);
  let mid = (sa >> 16u) * (sb & 0xffffu) + (sa & 0xffffu) * (sb >> 16u);
  let low = lo + (mid << 16u);
  let high = (sa >> 16u) * (sb >> 16u) + (mid >> 16u) + select(0u, 1u, low < lo);
  if (high == 0u) {
    return f32_round_pack(sign, low, e);
  }
  let s = firstLeadingBit(high) + 1u;
  let m = (high << (32u - s)) | (low >> s) | select(0u, 1u, (low << (32u - s)) != 0u);
  return f32_round_pack(sign, m, e + i32(s));
}`,
  },
  f32_add: {
    uses: ['f32_significand', 'f32_lsb_exponent', 'f32_round_pack'],
    code: `
// a + b on f32 bits: significands with 6 guard bits, the smaller one shifted into place with a sticky bit.
fn f32_add(a: u32, b: u32) -> u32 {
  let ma = a & 0x7fffffffu;
  let mb = b & 0x7fffffffu;
  if (ma > 0x7f800000u || mb > 0x7f800000u) {
    return 0x7fc00000u;
  }
  if (ma == 0x7f800000u || mb == 0x7f800000u) {
    return select(select(b, a, ma == 0x7f800000u), 0x7fc00000u, ma == mb && a != b);
  }
  if (mb == 0u) {
    // x + 0 = x; of two zeros only -0 + -0 is -0.
    return select(a, a & b, ma == 0u);
  }
  if (ma == 0u) {
    return b;
  }
  let swap = mb > ma;
  let x = select(a, b, swap);
  let y = select(b, a, swap);
  let ex = f32_lsb_exponent(x & 0x7fffffffu);
  let d = u32(ex - f32_lsb_exponent(y & 0x7fffffffu));
  let sx = f32_significand(x & 0x7fffffffu) << 6u;
  var sy = f32_significand(y & 0x7fffffffu) << 6u;
  if (d >= 31u) {
    sy = 1u;
  } else if (d > 0u) {
    sy = (sy >> d) | select(0u, 1u, (sy & ((1u << d) - 1u)) != 0u);
  }
  let m = select(sx - sy, sx + sy, ((x ^ y) & 0x80000000u) == 0u);
  // An exact cancellation is +0.
  return select(f32_round_pack(x & 0x80000000u, m, ex - 6), 0u, m == 0u);
}`,
  },
  f32_div: {
    uses: ['f32_significand', 'f32_lsb_exponent', 'f32_round_pack'],
    code: `
// a / b on f32 bits: significands normalised to 24 bits, a 29-bit quotient by four exact 7-bit integer division steps,
// the remainder as the sticky bit.
fn f32_div(a: u32, b: u32) -> u32 {
  let sign = (a ^ b) & 0x80000000u;
  let ma = a & 0x7fffffffu;
  let mb = b & 0x7fffffffu;
  if (ma > 0x7f800000u || mb > 0x7f800000u) {
    return 0x7fc00000u;
  }
  if (ma == 0x7f800000u) {
    return select(sign | 0x7f800000u, 0x7fc00000u, mb == 0x7f800000u);
  }
  if (mb == 0x7f800000u) {
    return sign;
  }
  if (mb == 0u) {
    return select(sign | 0x7f800000u, 0x7fc00000u, ma == 0u);
  }
  if (ma == 0u) {
    return sign;
  }
  let sa = f32_significand(ma);
  let sb = f32_significand(mb);
  let la = 23u - firstLeadingBit(sa);
  let lb = 23u - firstLeadingBit(sb);
  let na = sa << la;
  let nb = sb << lb;
  var r = na;
  var q = 0u;
  for (var i = 0; i < 4; i++) {
    let t = r << 7u;
    let digit = t / nb;
    q = (q << 7u) | digit;
    r = t - digit * nb;
  }
  let e = f32_lsb_exponent(ma) - i32(la) - f32_lsb_exponent(mb) + i32(lb) - 28;
  return f32_round_pack(sign, q | select(0u, 1u, r != 0u), e);
}`,
  },
  f32_from_i64_scaled: {
    uses: ['f32_round_pack'],
    code: `
// The f32 bits nearest to v · 2^e for the two's complement 64-bit integer v = hi · 2^32 + lo, |v| < 2^63.
fn f32_from_i64_scaled(hi: u32, lo: u32, e: i32) -> u32 {
  let negative = (hi >> 31u) == 1u;
  let l = select(lo, 0u - lo, negative);
  let h = select(hi, ~hi + select(0u, 1u, lo == 0u), negative);
  let sign = select(0u, 0x80000000u, negative);
  if (h == 0u) {
    return f32_round_pack(sign, l, e);
  }
  let s = firstLeadingBit(h) + 1u;
  let m = (h << (32u - s)) | (l >> s) | select(0u, 1u, (l << (32u - s)) != 0u);
  return f32_round_pack(sign, m, e + i32(s));
}`,
  },
};
