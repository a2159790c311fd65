// Errors of the WebGPU backend. Each names what failed and, where it can, what to do about it.

export class WebGpuError extends Error {
  override name = 'WebGpuError';
}

/** The environment offers WebGPU but no adapter: usually no Vulkan/Metal/D3D driver underneath. */
export class NoAdapterError extends WebGpuError {
  override name = 'NoAdapterError';

  constructor(detail?: string) {
    super(
      'No WebGPU adapter was found' +
        (detail === undefined ? '' : ` (${detail})`) +
        '. WebGPU needs a GPU driver underneath; on a machine without a GPU install a software Vulkan driver, e.g. ' +
        "Mesa's lavapipe on Debian bookworm: add the bookworm-backports suite to apt's sources, then " +
        '`apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1` (Debian 12\'s own Mesa 22.x is too old ' +
        'for Dawn), and set XDG_RUNTIME_DIR to a writable directory. In a browser, ' +
        'enable WebGPU (Chromium: --enable-unsafe-webgpu).',
    );
  }
}

/** The device was lost (destroyed, driver reset, out of memory); every later use raises this. */
export class DeviceLostError extends WebGpuError {
  override name = 'DeviceLostError';

  constructor(
    readonly reason: string,
    readonly detail: string,
    readonly operation?: string,
  ) {
    super(
      `WebGPU device lost (${reason}${detail === '' ? '' : `: ${detail}`})` +
        (operation === undefined ? '' : `; cannot ${operation}`) +
        '. Acquire a new device to continue.',
    );
  }

  /** The same loss, reported for a later operation. */
  during(operation: string): DeviceLostError {
    return new DeviceLostError(this.reason, this.detail, operation);
  }
}

/** A validation, out-of-memory or internal error the device reported for an operation. */
export class GpuOperationError extends WebGpuError {
  override name = 'GpuOperationError';

  constructor(
    readonly operation: string,
    readonly gpuError: GPUError,
  ) {
    super(`WebGPU ${gpuError.constructor.name} while trying to ${operation}: ${gpuError.message.trim()}`);
  }
}

/** Lines of source shown before and after each line with an error. */
const CONTEXT_LINES = 2;

/** WGSL that did not compile: the compiler's messages with line:column, and the source lines around each error. */
export class ShaderCompileError extends WebGpuError {
  override name = 'ShaderCompileError';

  constructor(
    readonly label: string,
    readonly source: string,
    readonly messages: readonly GPUCompilationMessage[],
  ) {
    super(formatCompileError(label, source, messages));
  }
}

function formatCompileError(label: string, source: string, messages: readonly GPUCompilationMessage[]): string {
  const lines = source.split('\n');
  const width = String(lines.length).length;
  const errors = messages.filter((m) => m.type === 'error');
  const out = [`WGSL shader "${label}" failed to compile (${errors.length} error${errors.length === 1 ? '' : 's'}):`];
  for (const m of messages) out.push(`  ${m.type} at ${m.lineNum}:${m.linePos}: ${m.message}`);
  const shown = new Set<number>();
  for (const m of errors) {
    for (let n = m.lineNum - CONTEXT_LINES; n <= m.lineNum + CONTEXT_LINES; n++) if (n >= 1 && n <= lines.length) shown.add(n);
  }
  const caretsAt = new Map<number, GPUCompilationMessage[]>();
  for (const m of errors) caretsAt.set(m.lineNum, [...(caretsAt.get(m.lineNum) ?? []), m]);
  let previous = 0;
  for (const n of [...shown].sort((a, b) => a - b)) {
    if (n > previous + 1) out.push('  ...');
    const marker = caretsAt.has(n) ? '>' : ' ';
    out.push(`${marker} ${String(n).padStart(width)} | ${lines[n - 1]}`);
    for (const m of caretsAt.get(n) ?? []) {
      const column = Math.max(m.linePos - 1, 0);
      const span = Math.max(Math.min(m.length, lines[n - 1].length - column), 1);
      out.push(`  ${' '.repeat(width)} | ${' '.repeat(column)}${'^'.repeat(span)} ${m.message}`);
    }
    previous = n;
  }
  return out.join('\n');
}
