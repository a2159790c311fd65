// The peer libraries of suite `webgpu`: tfjs-backend-webgpu and jax-js's webgpu backend, on the same GPU object as
// dsv3 (in Node: Dawn through the `webgpu` package, given to them as navigator.gpu). Benchmark-only dev
// dependencies, loaded dynamically: a peer that is not installed is reported missing, not fatal.

import type * as Tf from '@tensorflow/tfjs';
import type * as Jax from '@jax-js/jax';
import { jaxBlock, tfjsBlock } from './webgpu-peer-blocks.js';
import type { Prepared, System, Workload } from './webgpu-workload.js';

export interface Peer extends System {
  dispose(): void;
}

const asF32 = (x: ArrayLike<number>): Float32Array => (x instanceof Float32Array ? x : Float32Array.from(x));

async function tfjsPeer(): Promise<Peer> {
  const tf: typeof Tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend did not start');
  await tf.ready();
  return {
    name: 'tfjs',
    async prepare(w: Workload): Promise<Prepared> {
      const call = w.peer.kind === 'matmul' ? matmulTf(tf, w.peer.a.data as Float32Array, w.peer.b.data as Float32Array, w.peer.a.shape, w.peer.b.shape) : tfjsBlock(tf, w.peer.block);
      let last: Float32Array | undefined;
      return {
        run: async () => {
          const out = call.run();
          last = asF32(await out.data());
          out.dispose();
        },
        output: async () => last!,
        dispose: call.dispose,
      };
    },
    dispose: () => tf.disposeVariables(),
  };
}

function matmulTf(tf: typeof Tf, a: Float32Array, b: Float32Array, aShape: readonly number[], bShape: readonly number[]) {
  const [ta, tb] = [tf.tensor2d(a, [aShape[0]!, aShape[1]!]), tf.tensor2d(b, [bShape[0]!, bShape[1]!])];
  return { run: () => tf.matMul(ta, tb), dispose: () => tf.dispose([ta, tb]) };
}

async function jaxPeer(): Promise<Peer> {
  const jax: typeof Jax = await import('@jax-js/jax');
  const devices = await jax.init();
  if (!devices.includes('webgpu')) throw new Error(`jax-js: no webgpu device (devices: ${devices.join(', ')})`);
  jax.defaultDevice('webgpu');
  const np = jax.numpy;
  return {
    name: 'jax-js',
    async prepare(w: Workload): Promise<Prepared> {
      const call =
        w.peer.kind === 'matmul'
          ? matmulJax(jax, np.array(w.peer.a.data as Float32Array).reshape([...w.peer.a.shape]), np.array(w.peer.b.data as Float32Array).reshape([...w.peer.b.shape]))
          : jaxBlock(jax, w.peer.block);
      await call.ready();
      let last: Float32Array | undefined;
      return {
        run: async () => {
          last = asF32(await call.run().data());
        },
        output: async () => last!,
        dispose: call.dispose,
      };
    },
    dispose: () => {},
  };
}

/** jax-js counts references: every use of a kept array passes `.ref`, and dispose drops the last one. */
function matmulJax(jax: typeof Jax, a: Jax.Array, b: Jax.Array) {
  const product = jax.jit((x: Jax.Array, y: Jax.Array) => jax.numpy.matmul(x, y));
  return {
    ready: () => jax.blockUntilReady([a, b]).then(() => undefined),
    run: () => product(a.ref, b.ref),
    dispose: () => {
      a.dispose();
      b.dispose();
      product.dispose();
    },
  };
}

/** Installs `gpu` as navigator.gpu where there is no navigator (Node), as both peers look for it there. */
function exposeGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: { gpu?: GPU; userAgent?: string } };
  if (g.navigator?.gpu) return;
  Object.defineProperty(globalThis, 'navigator', { value: { ...g.navigator, gpu, userAgent: g.navigator?.userAgent ?? 'node' }, configurable: true });
}

export async function loadPeers(gpu: GPU): Promise<{ peers: Peer[]; missing: string[] }> {
  exposeGpu(gpu);
  const peers: Peer[] = [];
  const missing: string[] = [];
  for (const [name, load] of [['tfjs-backend-webgpu', tfjsPeer], ['jax-js', jaxPeer]] as const) {
    try {
      peers.push(await load());
    } catch (e) {
      missing.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { peers, missing };
}
