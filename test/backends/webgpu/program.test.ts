// Programs from the compiler run on WebGPU equal the compiled CPU backend: one small graph per kernel kind.

import { describe, it } from 'vitest';
import * as ops from '../../../src/ops/index.js';
import { tensorData } from '../../../src/ir/index.js';
import { expectAgree, useWebGpuBackend } from './program-harness.js';

const gpu = useWebGpuBackend();
const ramp = (n: number, scale = 1, offset = 0) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + offset) * scale);

describe('kernel kinds', () => {
  it('map: elementwise', async () => {
    const g = ops.trace('map', { x: { dtype: 'f32', shape: [3, 5] }, y: { dtype: 'f32', shape: [3, 5] } }, ({ x, y }) => ({ out: ops.mul(ops.add(x!, y!), x!) }));
    await expectAgree(await gpu(), g, { x: tensorData('f32', [3, 5], ramp(15)), y: tensorData('f32', [3, 5], ramp(15, 2, 1)) });
  });
});
