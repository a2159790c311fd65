// `dsv3 cast`: converts a raw little-endian f32 array file to e4m3fn, e5m2, bf16 or f16 with the `cast` op on a
// backend, so another system's conversions can be checked against dsv3 byte for byte.

import fs from 'node:fs';
import type { Backend, Executable } from '../../backends/backend.js';
import { inTask, type ProgressTask } from '../../backends/progress.js';
import { AtomicFile } from '../../io/atomic-file.js';
import { fileError } from '../../io/file-error.js';
import { checkOutputFile } from '../../io/output-path.js';
import { byteSize, isFp8, tensorData, weightMap, type FloatDType } from '../../ir/index.js';
import { cast as castOp, Trace, type Fp8CastMode } from '../../ops/index.js';
import { EXIT, refuseExisting, UsageError, type Command } from '../command.js';
import { backendList, DEFAULT_BACKEND, openBackend } from '../backends.js';
import { commandProgress, QUIET_HELP, QUIET_OPTION } from '../progress.js';

const TARGETS: Readonly<Record<string, FloatDType>> = { e4m3fn: 'f8e4m3fn', e5m2: 'f8e5m2', bf16: 'bf16', f16: 'f16' };
/** Elements per graph run: 16 MiB of f32 input. */
const CHUNK = 1 << 22;

function parseMode(dtype: FloatDType, mode: string | undefined): Fp8CastMode | undefined {
  if (!isFp8(dtype)) {
    if (mode !== undefined) throw new UsageError(`dsv3 cast: --mode applies only to the fp8 targets e4m3fn and e5m2, not ${dtype}`);
    return undefined;
  }
  const m = mode ?? 'torch';
  if (m !== 'torch' && m !== 'saturate') throw new UsageError(`dsv3 cast: --mode must be torch or saturate, got "${m}"`);
  return m;
}

/** Little-endian f32 values of `bytes` (copied, so the result is aligned whatever the host's byte order). */
function readF32(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true));
}

/** The storage of a cast result as little-endian bytes. */
function littleEndianBytes(data: Uint8Array | Uint16Array): Uint8Array {
  if (data instanceof Uint8Array) return data;
  const out = new Uint8Array(data.length * 2);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setUint16(2 * i, v, true));
  return out;
}

/** Casts `input` chunk by chunk, advancing `task` a step per chunk. */
async function castFile(input: Uint8Array, dtype: FloatDType, mode: Fp8CastMode | undefined, backend: Backend, out: AtomicFile, task: ProgressTask): Promise<void> {
  const executables = new Map<number, Executable>();
  let written = 0;
  try {
    for (let start = 0; start < input.byteLength / 4; start += CHUNK) {
      const x = readF32(input.subarray(4 * start, 4 * Math.min(start + CHUNK, input.byteLength / 4)));
      let exe = executables.get(x.length);
      if (exe === undefined) {
        const t = new Trace('cast_file');
        const xin = t.input('x', 'f32', [x.length]);
        exe = await backend.compile(t.build({ y: mode === undefined ? castOp(xin, dtype) : castOp(xin, dtype, mode) }), weightMap({}));
        executables.set(x.length, exe);
      }
      const { outputs } = await exe.run({ x: tensorData('f32', [x.length], x) });
      const bytes = littleEndianBytes(outputs.y!.data as Uint8Array | Uint16Array);
      out.write(bytes, written);
      written += bytes.length;
      task.advance();
    }
  } finally {
    for (const exe of executables.values()) exe.dispose();
  }
}

export const cast: Command = {
  name: 'cast',
  summary: 'convert a raw f32 file to e4m3fn, e5m2, bf16 or f16 bytes on a backend',
  help: `Usage: dsv3 cast --from f32 --to TYPE [--mode MODE] [--backend NAME] [--force] [--quiet] IN OUT

Reads IN as little-endian f32 values and writes each one rounded to TYPE to OUT: one byte per element for
e4m3fn and e5m2, two little-endian bytes (the bit pattern) for bf16 and f16. Rounding is to nearest, ties
to even, with subnormals kept (spec/ops.md, cast). OUT is written under a temporary name and renamed when
complete, so it is never seen half-written.

  --from f32          the input format (f32 is the only one)
  --to TYPE           e4m3fn, e5m2, bf16 or f16
  --mode MODE         fp8 targets only: torch (default; PyTorch's .to(): e4m3fn overflow and inf give NaN,
                      e5m2 overflow gives inf) or saturate (overflow and inf clamp to the largest finite value)
  --backend NAME      the backend to convert on (default ${DEFAULT_BACKEND}):
${backendList('                        ')}
  --force             replace OUT if it exists (without --force, an existing OUT stops the command before any
                      work)
${QUIET_HELP}`,
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    mode: { type: 'string' },
    backend: { type: 'string', default: DEFAULT_BACKEND },
    force: { type: 'boolean', default: false },
    ...QUIET_OPTION,
  },
  positionals: true,
  async run(values, positionals) {
    if (values.from !== 'f32') throw new UsageError(`dsv3 cast: --from must be f32${values.from === undefined ? '' : `, got "${values.from}"`}`);
    const dtype = TARGETS[(values.to as string | undefined) ?? ''];
    if (dtype === undefined) throw new UsageError(`dsv3 cast: --to must be one of ${Object.keys(TARGETS).join(', ')}${values.to === undefined ? '' : `, got "${values.to}"`}`);
    const mode = parseMode(dtype, values.mode as string | undefined);
    if (positionals.length !== 2) throw new UsageError(`dsv3 cast: expected IN and OUT, got ${positionals.length} path(s)\nRun 'dsv3 cast --help' for usage.`);
    const [inPath, outPath] = positionals as [string, string];
    let input: Uint8Array;
    try {
      input = new Uint8Array(fs.readFileSync(inPath));
    } catch (e) {
      throw new UsageError(`dsv3 cast: ${fileError(inPath, 'read it', e).message}`);
    }
    if (input.byteLength % 4 !== 0) throw new UsageError(`dsv3 cast: ${inPath} has ${input.byteLength} bytes, not a whole number of f32 values (4 bytes each)`);
    refuseExisting('cast', outPath, values.force === true, 'file');
    checkOutputFile(outPath, { overwrite: values.force === true });
    const progress = commandProgress(values);
    const backend = await openBackend(values.backend as string, 'cast', progress);
    // Written under a temporary name and renamed when complete: OUT is never half-written.
    const out = AtomicFile.create(outPath, { overwrite: values.force === true });
    try {
      const chunks = Math.ceil(input.byteLength / 4 / CHUNK);
      await inTask(progress, `casting ${inPath}`, chunks, (task) => castFile(input, dtype, mode, backend, out, task));
    } catch (e) {
      out.abort();
      throw e;
    } finally {
      backend.dispose();
    }
    out.commit();
    const n = input.byteLength / 4;
    console.log(`wrote ${n} ${values.to} values (${n * byteSize(dtype)} bytes) to ${outPath} on ${backend.name}`);
    return EXIT.ok;
  },
};
