// Choosing backends on the command line (--backend). Every name, description and requirement comes from the
// registry (src/backends/registry.ts), so the commands hold no per-backend code.

import type { Backend } from '../backends/backend.js';
import type { Progress } from '../backends/progress.js';
import { backendEntries, BackendUnavailableError, openBackend as openRegistered, type BackendEntry } from '../backends/registry.js';
import { isDrivenBackend, type DrivenBackend } from '../backends/sdk/driver.js';
import { UsageError } from './command.js';

/** The backend a command runs on without --backend. */
export const DEFAULT_BACKEND = 'cpu';

/** The registered backends, or those that run compiled kernels. */
const entries = (kernelsOnly = false): readonly BackendEntry[] => backendEntries().filter((e) => !kernelsOnly || e.runsKernels);

export const backendNames = (kernelsOnly = false): string[] => entries(kernelsOnly).map((e) => e.name);

/** One line per backend, `name: description`, indented for a help text. */
export const backendList = (indent: string, kernelsOnly = false): string => entries(kernelsOnly).map((e) => `${indent}${e.name}: ${e.description}${e.needs ? ` (needs a ${e.needs.what})` : ''}`).join('\n');

function entry(name: string, command: string): BackendEntry {
  const found = entries().find((e) => e.name === name);
  if (found === undefined) throw new UsageError(`dsv3 ${command}: unknown backend "${name}"; expected one of ${backendNames().join(', ')}`);
  return found;
}

/** Backend `name`, checked to run compiled kernels, which `need` (e.g. "--profile times compiled kernels") requires. */
export function requireKernels(name: string, command: string, need: string): void {
  const e = entry(name, command);
  if (!e.runsKernels) throw new UsageError(`dsv3 ${command}: ${need}, and ${name} (${e.description}) runs none; use --backend ${backendNames(true).join(' or ')}`);
}

/** Backend `name`, telling `progress` about its compiles; one this machine cannot run fails naming the option. */
export async function openBackend(name: string, command: string, progress?: Progress): Promise<Backend> {
  entry(name, command);
  try {
    return await openRegistered(name, { progress });
  } catch (e) {
    if (e instanceof BackendUnavailableError) throw new Error(`--backend ${name}: no ${e.what} (${e.reason})`, { cause: e });
    throw e;
  }
}

/** A backend that runs compiled kernels, opened with what it tells the compiler (`dsv3 compile`, `dsv3 inspect`). */
export async function openKernelBackend(name: string, command: string): Promise<DrivenBackend> {
  if (!entries(true).some((e) => e.name === name)) throw new UsageError(`dsv3 ${command}: --backend must be ${backendNames(true).join(' or ')}, got "${name}"`);
  const backend = await openBackend(name, command);
  if (!isDrivenBackend(backend)) throw new Error(`backend ${name} is registered as running kernels but is not run by the driver`);
  return backend;
}

/** Opens each named backend; with `skipUnavailable`, one this machine cannot run is skipped, saying why. */
export async function openBackends(names: readonly string[], command: string, skipUnavailable: boolean, progress?: Progress): Promise<Backend[]> {
  const backends: Backend[] = [];
  for (const name of names) {
    entry(name, command);
    try {
      backends.push(await openRegistered(name, { progress }));
    } catch (e) {
      if (!(skipUnavailable && e instanceof BackendUnavailableError)) throw e;
      console.log(`skip ${name}: no ${e.what} (${e.reason})`);
    }
  }
  return backends;
}
