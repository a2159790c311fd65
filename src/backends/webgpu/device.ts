// Acquiring a WebGPU device, with one code path for Node and browsers: the environment supplies the GPU object
// (navigator.gpu in a browser, Dawn through the `webgpu` package in Node). The wrapper remembers when the device is
// lost or reports an uncaptured error and raises that at the next use, so callers never wait on a dead device.

import { DeviceLostError, GpuOperationError, NoAdapterError, WebGpuError } from './errors.js';

/** The limits kernels size themselves by; each is requested at the adapter's maximum. */
export const REQUESTED_LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxUniformBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
] as const;

export type DeviceLimits = Readonly<Record<(typeof REQUESTED_LIMITS)[number], number>>;

export interface AdapterDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
}

export interface AcquireOptions {
  /**
   * Wrap pipeline creation and every dispatch in error scopes and wait for them, so that an error names the operation
   * that caused it (slower: each dispatch waits for the device's verdict).
   */
  readonly debug?: boolean;
  readonly powerPreference?: GPUPowerPreference;
}

const ERROR_FILTERS: readonly GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];

export class WebGpuDevice {
  /** Resolves (never rejects) with the loss once the device is lost. */
  readonly lost: Promise<DeviceLostError>;
  private lostError: DeviceLostError | undefined;
  private readonly uncaptured: GPUError[] = [];
  private readonly waitingOnLoss = new Set<(e: DeviceLostError) => void>();

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterDescription,
    readonly limits: DeviceLimits,
    readonly debug: boolean,
  ) {
    this.lost = device.lost.then((info) => {
      this.lostError ??= new DeviceLostError(info.reason, info.message);
      for (const onLost of this.waitingOnLoss) onLost(this.lostError);
      return this.lostError;
    });
    device.addEventListener('uncapturederror', (event) => {
      // Raised at the next use instead of being logged by the implementation.
      event.preventDefault();
      this.uncaptured.push((event as GPUUncapturedErrorEvent).error);
    });
  }

  get isLost(): boolean {
    return this.lostError !== undefined;
  }

  /**
   * The device, for the operation `what`; throws if the device is lost or reported an uncaptured error since the
   * last check (that error is raised once).
   */
  use(what: string): GPUDevice {
    if (this.lostError !== undefined) throw this.lostError.during(what);
    const pending = this.uncaptured.shift();
    if (pending !== undefined) throw new GpuOperationError(`${what} (reported earlier, by an unscoped operation)`, pending);
    return this.device;
  }

  /**
   * Settles like `promise`, or rejects with the loss if the device is lost first: the promises of a lost device may
   * never settle.
   */
  untilLost<T>(promise: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.lostError !== undefined) return reject(this.lostError.during(what));
      // A callback per pending operation rather than a race against `lost`, which would keep one reaction per call
      // alive for as long as the device lives.
      const onLost = (e: DeviceLostError): void => reject(e.during(what));
      this.waitingOnLoss.add(onLost);
      promise.then(
        (value) => {
          this.waitingOnLoss.delete(onLost);
          resolve(value);
        },
        (e: unknown) => {
          this.waitingOnLoss.delete(onLost);
          reject(this.failure(e, what));
        },
      );
    });
  }

  private failure(e: unknown, what: string): Error {
    if (e instanceof WebGpuError) return e;
    if (this.lostError !== undefined) return this.lostError.during(what);
    return new WebGpuError(`WebGPU: could not ${what}: ${e instanceof Error ? `${e.name}: ${e.message.trim()}` : String(e)}`, { cause: e });
  }

  /**
   * Runs `body` (which issues the device calls of operation `what`); in debug mode inside error scopes, rejecting with
   * the first error the device reports for it.
   */
  async scoped<T>(what: string, body: (device: GPUDevice) => T): Promise<T> {
    const device = this.use(what);
    if (!this.debug) return body(device);
    for (const filter of ERROR_FILTERS) device.pushErrorScope(filter);
    let result: T;
    try {
      result = body(device);
    } finally {
      const errors = await this.untilLost(Promise.all(ERROR_FILTERS.map(() => device.popErrorScope())), what);
      const first = errors.find((e) => e !== null);
      if (first) throw new GpuOperationError(what, first);
    }
    return result;
  }

  /** Destroys the device; later uses raise a DeviceLostError at once. */
  destroy(): void {
    this.lostError ??= new DeviceLostError('destroyed', 'destroyed by WebGpuDevice.destroy()');
    this.device.destroy();
  }
}

let nodeGpu: Promise<GPU> | undefined;

/** The environment's GPU object: navigator.gpu in a browser, else Dawn's (created once per process) in Node. */
export function environmentGpu(): Promise<GPU> {
  const fromNavigator = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (fromNavigator !== undefined) return Promise.resolve(fromNavigator);
  // Dawn prints two start-up warnings about lavapipe's limits from native code, past process.stderr; the dsv3
  // command keeps them off the terminal (src/cli/native-stderr.ts).
  nodeGpu ??= import('webgpu').then(({ create, globals }) => {
    Object.assign(globalThis, globals);
    return create([]);
  });
  return nodeGpu;
}

/**
 * Requests an adapter and a device with the adapter's limits for REQUESTED_LIMITS. No optional feature: f16 is
 * converted with integer operations even where `shader-f16` exists, since WGSL leaves its rounding unspecified.
 */
export async function acquireDevice(gpu?: GPU, options: AcquireOptions = {}): Promise<WebGpuDevice> {
  const source = gpu ?? (await environmentGpu());
  const adapter = await source.requestAdapter(options.powerPreference === undefined ? undefined : { powerPreference: options.powerPreference });
  if (adapter === null) throw new NoAdapterError('requestAdapter() returned null');
  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const { vendor, architecture, device: deviceName, description } = adapter.info;
  const described: AdapterDescription = { vendor, architecture, device: deviceName, description };
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ label: 'dsv3', requiredLimits });
  } catch (e) {
    throw new WebGpuError(`WebGPU: the adapter (${vendor} ${architecture} ${description}) refused a device: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  const limits = Object.fromEntries(REQUESTED_LIMITS.map((name) => [name, device.limits[name]])) as Record<(typeof REQUESTED_LIMITS)[number], number>;
  return new WebGpuDevice(device, described, limits, options.debug ?? false);
}
