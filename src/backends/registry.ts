// Every backend by name: a line saying what it is, what it needs from the machine, and how to open it. The command
// line (--backend), `dsv3 verify`, the conformance tests and the benchmarks all read this list, so a backend is added
// by its folder (with its entry.ts) and one line below; a test may register one at run time with registerBackend.

import type { Backend } from './backend.js';
import { cpuEntry } from './cpu/entry.js';
import { referenceEntry } from './reference/entry.js';
import type { DriverOptions } from './sdk/driver.js';
import { wasmEntry } from './wasm/entry.js';
import { webgpuEntry } from './webgpu/entry.js';

/** Something a backend needs that a machine may lack (a GPU adapter, threads). */
export interface BackendRequirement {
  /** What it is, as in "no WebGPU device". */
  readonly what: string;
  /** Set to 1, this environment variable makes its absence a test failure instead of a loud skip. */
  readonly requireEnv: string;
  /** Why it is missing, when opening the backend failed with `error` for want of it; undefined for any other failure. */
  missingReason(error: unknown): string | undefined;
}

export interface BackendEntry {
  readonly name: string;
  /** One line: what the backend is. */
  readonly description: string;
  /** Whether it runs compiled kernels (profiles, shadow checks, `dsv3 compile`); the op-by-op interpreter does not. */
  readonly runsKernels: boolean;
  readonly needs?: BackendRequirement;
  /** Whether compiling is slow (a GPU driver compiling shaders on the CPU): the conformance tests run their quick pass. */
  readonly slowToCompile?: boolean;
  /**
   * Whether float arithmetic on ±inf and NaN follows IEEE 754 (default true). WGSL lets shader compilers assume finite
   * values, so on WebGPU only casts and moves are held to exact special values.
   */
  readonly ieeeSpecials?: boolean;
  /** Opens the backend (a driven one takes the driver's options; the interpreter ignores them). */
  open(options?: DriverOptions): Promise<Backend>;
}

/** A backend that cannot run on this machine: it lacks what the backend needs. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';

  constructor(
    readonly backend: string,
    readonly what: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`backend ${backend}: no ${what} (${reason})`, options);
  }
}

const registered = new Map<string, BackendEntry>([cpuEntry, referenceEntry, webgpuEntry, wasmEntry].map((e) => [e.name, e]));

/** Adds a backend under its name (a test's own backend, say); a name is registered once. */
export function registerBackend(entry: BackendEntry): void {
  if (registered.has(entry.name)) throw new Error(`backend "${entry.name}" is already registered`);
  registered.set(entry.name, entry);
}

/** Every registered backend, in the order registered. */
export const backendEntries = (): readonly BackendEntry[] => [...registered.values()];

export function backendEntry(name: string): BackendEntry {
  const entry = registered.get(name);
  if (entry === undefined) throw new Error(`unknown backend "${name}"; expected one of ${[...registered.keys()].join(', ')}`);
  return entry;
}

/** Opens backend `name`; a machine without what it needs raises BackendUnavailableError. */
export async function openBackend(name: string, options?: DriverOptions): Promise<Backend> {
  const entry = backendEntry(name);
  try {
    return await entry.open(options);
  } catch (e) {
    const reason = entry.needs?.missingReason(e);
    if (reason === undefined) throw e;
    throw new BackendUnavailableError(name, entry.needs!.what, reason, { cause: e });
  }
}
