// The backend SDK: what a backend implements (device-backend.ts) and what every backend shares — the driver that
// makes it a `Backend`, its executables and tensors, the input checks, shadow checking, host memory and the storage
// of a program's weights and constants.
// docs/adding-a-backend.md walks through writing one.

export type { BufferRead, DeviceBackend, DeviceCompileOptions, KernelSource, Launch, PreparedProgram } from './device-backend.js';
export { BufferTensor } from './device-tensor.js';
export { driveBackend, isDrivenBackend, kernelSources, type DriverCompileOptions, type DriverOptions, type DrivenBackend } from './driver.js';
export { envDump, envShadow, envVar, installDumpWriter, type DumpSink, type DumpWriter } from './environment.js';
export { DriverExecutable } from './executable.js';
export { hostLaunch, hostMemory } from './host-memory.js';
export { constantStorage, weightStorage } from './program-storage.js';
export { checkInputs, graphInputs, programInputs, type ExpectedInput } from './inputs.js';
export { firstMismatch, SHADOW_REFERENCE, SHADOW_TOLERANCE, ShadowCheck, ShadowMismatchError } from './shadow.js';
