// Tests that need something the machine may lack (a WebGPU adapter, a browser): acquired once per test file; when
// it is missing the file's tests are skipped with a banner that says how many and why, unless the environment
// variable `requireEnv` is 1, which makes the absence a failure (CI sets it).

import { afterAll, beforeAll, beforeEach } from 'vitest';

export interface OptionalResource<T> {
  /** Shown in the banner, e.g. 'WebGPU'. */
  readonly what: string;
  readonly requireEnv: string;
  /** Resolves to the resource, or rejects; `missingReason` tells a missing resource from a real failure. */
  acquire(): Promise<T>;
  /** The reason the resource is missing when `error` means it is (the test is then skipped), else undefined. */
  missingReason(error: unknown): string | undefined;
  release(resource: T): Promise<void> | void;
}

/** Registers the file's hooks; the returned getter gives the resource inside tests. */
export function useOptionalResource<T>(spec: OptionalResource<T>): () => T {
  let resource: T | undefined;
  let missing: string | undefined;
  let file = '';
  let skipped = 0;
  // vitest requires the hook's context argument to be a destructuring pattern, even an empty one.
  beforeAll(async ({}, suite) => {
    file = suite.file.name;
    try {
      resource = await spec.acquire();
    } catch (e) {
      missing = spec.missingReason(e);
      if (missing === undefined) throw e;
      if (process.env[spec.requireEnv] === '1') throw new Error(`${spec.requireEnv}=1 but ${spec.what} is missing: ${missing}`, { cause: e });
    }
  });
  beforeEach((context) => {
    if (resource !== undefined) return;
    skipped++;
    context.skip(`${spec.what} missing`);
  });
  afterAll(async () => {
    if (resource !== undefined) await spec.release(resource);
    if (skipped > 0) {
      const rule = '='.repeat(100);
      console.warn(
        `\n${rule}\n${spec.what}: ${skipped} test${skipped === 1 ? '' : 's'} SKIPPED in ${file}\n  why: ${missing}\n` +
          `  set ${spec.requireEnv}=1 to make this a failure instead\n${rule}\n`,
      );
    }
  });
  return () => {
    if (resource === undefined) throw new Error(`${spec.what} is not available here (${missing ?? 'not acquired yet'})`);
    return resource;
  };
}
