// The WebAssembly instructions this backend generates, as one table from WAT mnemonic to opcode and immediate, and
// the assembler of flat WAT instruction text (`local.get $x i32.const 4 i32.add ...`) into code bytes. Only the
// instructions in the table exist: anything else is an error naming it.

import { uleb, type ByteWriter } from './byte-writer.js';

type Immediate = 'none' | 'local' | 'func' | 'i32' | 'f32' | 'f64' | 'label' | 'block' | 'memory' | 'lane';

interface Instruction {
  readonly opcode: readonly number[];
  readonly immediate: Immediate;
  /** Natural alignment (log2 bytes) of a memory access. */
  readonly align?: number;
}

const op = (opcode: number | readonly number[], immediate: Immediate = 'none', align?: number): Instruction => ({ opcode: typeof opcode === 'number' ? [opcode] : opcode, immediate, ...(align === undefined ? {} : { align }) });
/** A SIMD instruction: prefix 0xfd and its LEB128 sub-opcode. */
const simd = (sub: number, immediate: Immediate = 'none', align?: number): Instruction => op([0xfd, ...uleb(sub)], immediate, align);

const TABLE: Readonly<Record<string, Instruction>> = {
  unreachable: op(0x00),
  block: op(0x02, 'block'),
  loop: op(0x03, 'block'),
  if: op(0x04, 'block'),
  else: op(0x05),
  end: op(0x0b),
  br: op(0x0c, 'label'),
  br_if: op(0x0d, 'label'),
  return: op(0x0f),
  call: op(0x10, 'func'),
  drop: op(0x1a),
  select: op(0x1b),
  'local.get': op(0x20, 'local'),
  'local.set': op(0x21, 'local'),
  'local.tee': op(0x22, 'local'),
  'i32.load': op(0x28, 'memory', 2),
  'f32.load': op(0x2a, 'memory', 2),
  'i32.load8_u': op(0x2d, 'memory', 0),
  'i32.load16_u': op(0x2f, 'memory', 1),
  'i32.store': op(0x36, 'memory', 2),
  'f32.store': op(0x38, 'memory', 2),
  'i32.store8': op(0x3a, 'memory', 0),
  'i32.store16': op(0x3b, 'memory', 1),
  'i32.const': op(0x41, 'i32'),
  'f32.const': op(0x43, 'f32'),
  'f64.const': op(0x44, 'f64'),
  'i32.eqz': op(0x45),
  'i32.eq': op(0x46),
  'i32.ne': op(0x47),
  'i32.lt_s': op(0x48),
  'i32.lt_u': op(0x49),
  'i32.gt_s': op(0x4a),
  'i32.gt_u': op(0x4b),
  'i32.le_s': op(0x4c),
  'i32.ge_s': op(0x4e),
  'i32.ge_u': op(0x4f),
  'f32.eq': op(0x5b),
  'f32.ne': op(0x5c),
  'f32.lt': op(0x5d),
  'f32.le': op(0x5f),
  'i32.add': op(0x6a),
  'i32.sub': op(0x6b),
  'i32.mul': op(0x6c),
  'i32.div_s': op(0x6d),
  'i32.rem_s': op(0x6f),
  'i32.and': op(0x71),
  'i32.or': op(0x72),
  'i32.xor': op(0x73),
  'i32.shl': op(0x74),
  'i32.shr_u': op(0x76),
  'f32.abs': op(0x8b),
  'f32.neg': op(0x8c),
  'f32.ceil': op(0x8d),
  'f32.floor': op(0x8e),
  'f32.sqrt': op(0x91),
  'f32.add': op(0x92),
  'f32.sub': op(0x93),
  'f32.mul': op(0x94),
  'f32.div': op(0x95),
  'f32.min': op(0x96),
  'f32.max': op(0x97),
  'f64.add': op(0xa0),
  'f64.mul': op(0xa2),
  'f32.convert_i32_s': op(0xb2),
  'f32.demote_f64': op(0xb6),
  'f64.convert_i32_s': op(0xb7),
  'f64.promote_f32': op(0xbb),
  'i32.reinterpret_f32': op(0xbc),
  'f32.reinterpret_i32': op(0xbe),
  'i32.trunc_sat_f32_s': op([0xfc, 0x00]),
  'v128.load': simd(0x00, 'memory', 4),
  'v128.store': simd(0x0b, 'memory', 4),
  'f32x4.splat': simd(0x13),
  'f32x4.extract_lane': simd(0x1f, 'lane'),
  'f32x4.add': simd(0xe4),
  'f32x4.mul': simd(0xe6),
  'f32x4.relaxed_madd': simd(0x105),
};

/** Local and function indices by WAT name (without `$`). */
export interface Names {
  readonly local: ReadonlyMap<string, number>;
  readonly func: ReadonlyMap<string, number>;
}

/** A float literal as WAT writes it: decimal, `inf`, `-inf`, `nan`. */
export function parseFloatLiteral(text: string): number {
  const value = text === 'nan' ? NaN : text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);
  if (Number.isNaN(value) && text !== 'nan') throw new Error(`wasm assembler: "${text}" is not a float literal`);
  return value;
}

/** A float as a WAT literal that parses back to the same value. */
export const floatLiteral = (x: number): string => (Number.isNaN(x) ? 'nan' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : Object.is(x, -0) ? '-0' : String(x));

/** Writes the code bytes of flat WAT instruction text into `out`; `where` names the function in errors. */
export function assemble(text: string, names: Names, where: string, out: ByteWriter): void {
  const tokens = text.split(/\s+/).filter(Boolean);
  const index = (map: ReadonlyMap<string, number>, token: string | undefined, what: string): number => {
    const i = token?.startsWith('$') ? map.get(token.slice(1)) : undefined;
    if (i === undefined) throw new Error(`wasm assembler (${where}): unknown ${what} "${token}"`);
    return i;
  };
  for (let t = 0; t < tokens.length; t++) {
    const mnemonic = tokens[t]!;
    const ins = TABLE[mnemonic];
    if (!ins) throw new Error(`wasm assembler (${where}): unknown instruction "${mnemonic}"`);
    out.write(ins.opcode);
    const next = (): string => {
      const token = tokens[++t];
      if (token === undefined) throw new Error(`wasm assembler (${where}): "${mnemonic}" lacks its immediate`);
      return token;
    };
    switch (ins.immediate) {
      case 'none':
        break;
      case 'local':
        out.uleb(index(names.local, next(), 'local'));
        break;
      case 'func':
        out.uleb(index(names.func, next(), 'function'));
        break;
      case 'i32':
        out.sleb(Number(next()));
        break;
      case 'f32':
        out.f32(parseFloatLiteral(next()));
        break;
      case 'f64':
        out.f64(parseFloatLiteral(next()));
        break;
      case 'label':
      case 'lane':
        out.uleb(Number(next()));
        break;
      case 'block':
        out.byte(0x40);
        break;
      case 'memory': {
        const offset = tokens[t + 1]?.startsWith('offset=') ? Number(next().slice('offset='.length)) : 0;
        out.uleb(ins.align!);
        out.uleb(offset);
        break;
      }
    }
  }
}
