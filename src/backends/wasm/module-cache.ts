// Compiled kernel modules by their WAT text: the programs of one model (prefill and decode steps, each golden run)
// repeat most kernels, and compiling a module again costs more than printing its text. Bounded: the oldest entries
// go first.

import { encodeModule, watText, type WasmModule } from './wasm-module.js';

const CAPACITY = 4096;

export class ModuleCache {
  private readonly modules = new Map<string, Promise<WebAssembly.Module>>();

  compile(m: WasmModule): Promise<WebAssembly.Module> {
    const key = watText(m);
    const found = this.modules.get(key);
    if (found) return found;
    const compiled = WebAssembly.compile(encodeModule(m));
    // A failed compile is not kept.
    compiled.catch(() => this.modules.delete(key));
    this.modules.set(key, compiled);
    if (this.modules.size > CAPACITY) this.modules.delete(this.modules.keys().next().value!);
    return compiled;
  }
}
