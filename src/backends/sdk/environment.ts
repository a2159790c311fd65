// What the environment asks of every backend: DSV3_DUMP (write each compile's stages and kernels), DSV3_SHADOW=1 or
// DSV3_<NAME>_SHADOW=1 (check every kernel against the reference; DSV3_WEBGPU_SHADOW=1 for WebGPU alone). Read where
// there is an environment (Node); a browser has none, and the backends load there without any `node:` module.

/** A compile stage or kernel source, written under the graph's name (compiler/dump.ts). */
export type DumpSink = (graph: string, stage: string, text: string) => void;

/** An environment variable where there is an environment; undefined in a browser. */
export const envVar = (name: string): string | undefined => (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] || undefined;

/** The dump sink DSV3_DUMP asks for, if it does. */
export async function envDump(): Promise<DumpSink | undefined> {
  const dir = envVar('DSV3_DUMP');
  if (dir === undefined) return undefined;
  // Loaded only when asked for: it writes files, which a browser cannot.
  const { dumpTo } = await import('../../compiler/dump.js');
  return (graph, stage, text) => dumpTo(dir, graph)!(stage, text);
}

/** Whether the environment asks to shadow-check backend `name`: DSV3_SHADOW=1, or DSV3_<NAME>_SHADOW=1. */
export const envShadow = (name: string): boolean => envVar('DSV3_SHADOW') === '1' || envVar(`DSV3_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_SHADOW`) === '1';
