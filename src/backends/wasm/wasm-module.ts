// A WebAssembly module as this backend writes one: functions imported from JavaScript, the linear memory imported
// as env.memory, and exported functions whose bodies are flat WAT instruction text (instructions.ts). The same
// description prints as WAT (for dumps; wabt's wat2wasm accepts it) and encodes to the binary format.

import { assemble, type Names } from './instructions.js';
import { ByteWriter } from './byte-writer.js';

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

export interface Local {
  readonly name: string;
  readonly type: ValType;
}

export interface FuncImport {
  /** The import's name in the module "js" and the function's WAT name (without `$`). */
  readonly name: string;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export interface WasmFunction {
  /** The function's WAT name and, when exported, its export name. */
  readonly name: string;
  readonly exported: boolean;
  readonly params: readonly Local[];
  readonly results: readonly ValType[];
  readonly locals: readonly Local[];
  /** Flat WAT instructions (no folded expressions). */
  readonly body: string;
}

export interface WasmModule {
  readonly imports: readonly FuncImport[];
  readonly functions: readonly WasmFunction[];
  /** Whether the imported memory is shared (threads) or an ordinary one. */
  readonly sharedMemory: boolean;
}

/** The most 64 KiB pages a 32-bit memory holds (4 GiB). */
export const MAX_PAGES = 65536;

const signature = (params: readonly ValType[], results: readonly ValType[]): string =>
  `${params.length ? ` (param ${params.join(' ')})` : ''}${results.length ? ` (result ${results.join(' ')})` : ''}`;

/** The module as WAT text. */
export function watText(m: WasmModule): string {
  const lines = ['(module', `  (import "env" "memory" (memory 0 ${MAX_PAGES}${m.sharedMemory ? ' shared' : ''}))`];
  for (const f of m.imports) lines.push(`  (import "js" "${f.name}" (func $${f.name}${signature(f.params, f.results)}))`);
  for (const f of m.functions) {
    const params = f.params.map((p) => ` (param $${p.name} ${p.type})`).join('');
    const results = f.results.length ? ` (result ${f.results.join(' ')})` : '';
    lines.push(`  (func $${f.name}${f.exported ? ` (export "${f.name}")` : ''}${params}${results}`);
    for (const l of f.locals) lines.push(`    (local $${l.name} ${l.type})`);
    for (const line of f.body.split('\n')) if (line.trim()) lines.push(`    ${line.trim()}`);
    lines.push('  )');
  }
  lines.push(')');
  return lines.join('\n');
}

const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** The module in the binary format. */
export function encodeModule(m: WasmModule): Uint8Array<ArrayBuffer> {
  const types: string[] = [];
  const typeIndex = (params: readonly ValType[], results: readonly ValType[]): number => {
    const key = `${params.join(',')}->${results.join(',')}`;
    const found = types.indexOf(key);
    return found >= 0 ? found : types.push(key) - 1;
  };
  const importTypes = m.imports.map((f) => typeIndex(f.params, f.results));
  const functionTypes = m.functions.map((f) => typeIndex(f.params.map((p) => p.type), f.results));
  const functionIndex = new Map([...m.imports.map((f) => f.name), ...m.functions.map((f) => f.name)].map((n, i) => [n, i]));

  const out = new ByteWriter();
  out.write([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, fill: (w: ByteWriter) => void) => {
    out.byte(id);
    out.sized(fill);
  };
  const valTypes = (w: ByteWriter, list: readonly ValType[]) => w.vector(list, (t) => w.byte(VALTYPE[t]));
  section(1, (w) =>
    w.vector(types, (key) => {
      const [params, results] = key.split('->').map((s) => (s ? (s.split(',') as ValType[]) : []));
      w.byte(0x60);
      valTypes(w, params!);
      valTypes(w, results!);
    }),
  );
  section(2, (w) => {
    w.uleb(m.imports.length + 1);
    w.name('env');
    w.name('memory');
    w.write([0x02, m.sharedMemory ? 0x03 : 0x01]);
    w.uleb(0);
    w.uleb(MAX_PAGES);
    m.imports.forEach((f, i) => {
      w.name('js');
      w.name(f.name);
      w.byte(0x00);
      w.uleb(importTypes[i]!);
    });
  });
  section(3, (w) => w.vector(functionTypes, (t) => w.uleb(t)));
  const exported = m.functions.filter((f) => f.exported);
  section(7, (w) =>
    w.vector(exported, (f) => {
      w.name(f.name);
      w.byte(0x00);
      w.uleb(functionIndex.get(f.name)!);
    }),
  );
  section(10, (w) =>
    w.vector(m.functions, (f) =>
      w.sized((code) => {
        const names: Names = { local: new Map([...f.params, ...f.locals].map((l, i) => [l.name, i])), func: functionIndex };
        code.vector(f.locals, (l) => {
          code.uleb(1);
          code.byte(VALTYPE[l.type]);
        });
        assemble(f.body, names, f.name, code);
        code.byte(0x0b);
      }),
    ),
  );
  return out.result();
}
