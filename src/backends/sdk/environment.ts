// What the environment asks of every backend: DSV3_DUMP (write each compile's stages and kernels), DSV3_SHADOW=1 or
// DSV3_<NAME>_SHADOW=1 (check every kernel against the reference; DSV3_WEBGPU_SHADOW=1 for WebGPU alone). Read where
// there is an environment (Node); a browser has none, and the backends load there without any `node:` module: the
// file writer for dumps is installed by Node code (compiler/dump.ts), never imported from here.

/** A compile stage or kernel source, written under the graph's name (compiler/dump.ts). */
export type DumpSink = (graph: string, stage: string, text: string) => void;

/** An environment variable where there is an environment; undefined in a browser. */
export const envVar = (name: string): string | undefined => (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] || undefined;

/** Writes DSV3_DUMP's files under a directory; only Node code has a file system, so it installs one (installDumpWriter). */
export type DumpWriter = (dir: string) => DumpSink;

let dumpWriter: DumpWriter | undefined;

/** Called by the Node entry (index.ts) and the command line, which can write files; a page never installs one. */
export const installDumpWriter = (writer: DumpWriter): void => {
  dumpWriter = writer;
};

/** The dump sink DSV3_DUMP asks for, if it does. */
export function envDump(): DumpSink | undefined {
  const dir = envVar('DSV3_DUMP');
  if (dir === undefined) return undefined;
  if (dumpWriter === undefined) throw new Error(`DSV3_DUMP=${dir} asks for compile dumps, but no file writer is installed: import dsv3's Node entry (src/index.ts) or call installDumpWriter(dumpWriter) from src/compiler/dump.ts`);
  return dumpWriter(dir);
}

/** Whether the environment asks to shadow-check backend `name`: DSV3_SHADOW=1, or DSV3_<NAME>_SHADOW=1. */
export const envShadow = (name: string): boolean => envVar('DSV3_SHADOW') === '1' || envVar(`DSV3_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_SHADOW`) === '1';
