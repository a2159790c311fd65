// The DeepSeek decoder block written with each peer library's own ops, as their users would write it: RMSNorm,
// absorbed MLA over the latent cache (causal over cache positions), residual, RMSNorm, sigmoid routing with the
// router bias and group limit, each token's top-k experts applied through gathered expert weights (the same
// multiply-adds as dsv3's grouped GEMM) plus the shared expert, residual. Returns the residual stream after the block.

import type * as Tf from '@tensorflow/tfjs';
import type * as Jax from '@jax-js/jax';
import type { TensorData } from '../src/ir/index.js';
import type { BlockSpec } from './webgpu-block-spec.js';

export interface BlockCall<T> {
  readonly ready: () => Promise<void>;
  readonly run: () => T;
  readonly dispose: () => void;
}

/** Visible cache positions per query row: 0 where position <= startPos + row, -inf elsewhere ([S, T]). */
function causalBias(s: BlockSpec): Float32Array {
  return Float32Array.from({ length: s.S * s.T }, (_, i) => (i % s.T <= s.startPos + Math.floor(i / s.T) ? 0 : -Infinity));
}

/** The row ranges of the cache kept around the chunk's rows ('rows'), empty ranges left out. */
function writtenParts(s: BlockSpec): ('rows' | [number, number])[] {
  const before: [number, number] = [0, s.startPos];
  const after: [number, number] = [s.startPos + s.S, s.T];
  return [before, 'rows' as const, after].filter((p) => p === 'rows' || p[1] > p[0]);
}

export function tfjsBlock(tf: typeof Tf, s: BlockSpec): BlockCall<Tf.Tensor> {
  const t = (d: TensorData) => tf.tensor(d.data as Float32Array, [...d.shape], 'float32');
  const w = Object.fromEntries(Object.entries(s.weights).map(([k, v]) => [k, t(v)]));
  const [x, kvCache, peCache, cos, sin, attnNorm, ffnNorm] = [s.x, s.kvCache, s.peCache, s.cos, s.sin, s.attnNorm, s.ffnNorm].map(t) as Tf.Tensor[];
  const bias = tf.tensor(causalBias(s), [1, s.S, s.T]);
  const { heads: H, nope, rope: R, v: V, kvLora: C } = s.mla;
  const E = s.weights.router!.shape[0]!;

  const linear = (a: Tf.Tensor, weight: Tf.Tensor) => tf.matMul(a, weight, false, true);
  const silu = (a: Tf.Tensor) => tf.mul(tf.sigmoid(a), a);
  const rms = (a: Tf.Tensor, weight: Tf.Tensor) => tf.mul(tf.mul(a, tf.rsqrt(tf.add(tf.mean(tf.square(a), -1, true), s.eps))), weight);
  /** Interleaved pairs rotated by (cos, sin), which broadcast against x's last axis halved. */
  const rotate = (a: Tf.Tensor, c: Tf.Tensor, sn: Tf.Tensor) => {
    const pairs = tf.reshape(a, [...a.shape.slice(0, -1), a.shape[a.rank - 1]! / 2, 2]);
    const [a0, a1] = tf.unstack(pairs, pairs.rank - 1) as [Tf.Tensor, Tf.Tensor];
    return tf.reshape(tf.stack([tf.sub(tf.mul(a0, c), tf.mul(a1, sn)), tf.add(tf.mul(a0, sn), tf.mul(a1, c))], -1), a.shape);
  };
  /** The cache with the chunk's rows written at startPos. */
  const written = (cache: Tf.Tensor, rows: Tf.Tensor) =>
    tf.concat(writtenParts(s).map((p) => (p === 'rows' ? rows : tf.slice(cache, [p[0], 0], [p[1] - p[0], -1]))), 0);

  function attention(h: Tf.Tensor): Tf.Tensor {
    const q = tf.reshape(linear(rms(linear(h, w.wq_a!), w.q_norm!), w.wq_b!), [s.S, H, nope + R]);
    const qNope = tf.slice(q, [0, 0, 0], [-1, -1, nope]);
    const qPe = rotate(tf.slice(q, [0, 0, nope], [-1, -1, R]), tf.reshape(cos, [s.S, 1, R / 2]), tf.reshape(sin, [s.S, 1, R / 2]));
    const kvA = linear(h, w.wkv_a!);
    const kv = written(kvCache, rms(tf.slice(kvA, [0, 0], [-1, C]), w.kv_norm!));
    const pe = written(peCache, rotate(tf.slice(kvA, [0, C], [-1, R]), cos, sin));
    const wkvB = tf.reshape(w.wkv_b!, [H, nope + V, C]);
    const qLatent = tf.matMul(tf.transpose(qNope, [1, 0, 2]), tf.slice(wkvB, [0, 0, 0], [-1, nope, -1]));
    const scores = tf.mul(tf.add(tf.matMul(qLatent, kv, false, true), tf.matMul(tf.transpose(qPe, [1, 0, 2]), pe, false, true)), s.mla.scale);
    const latent = tf.matMul(tf.softmax(tf.add(scores, bias)), kv);
    const out = tf.matMul(latent, tf.slice(wkvB, [0, nope, 0], [-1, V, -1]), false, true);
    return linear(tf.reshape(tf.transpose(out, [1, 0, 2]), [s.S, H * V]), w.wo!);
  }

  function experts(f: Tf.Tensor): Tf.Tensor {
    const { topk: k, groups: G, topkGroups, routeScale } = s.moe;
    const scores = tf.sigmoid(linear(f, w.router!));
    const grouped = tf.reshape(tf.add(scores, w.router_bias!), [s.S, G, E / G]);
    const groupScore = tf.sum(tf.topk(grouped, 2).values, -1);
    // Groups below the best topk_groups get -inf: compared as floats, since tfjs-webgpu cannot transpose or tile the
    // int32 and bool tensors a one-hot group mask needs.
    const threshold = tf.slice(tf.topk(groupScore, topkGroups).values, [0, topkGroups - 1], [-1, 1]);
    const penalty = tf.where(tf.less(groupScore, threshold), tf.fill([s.S, G], -Infinity), tf.zeros([s.S, G]));
    const selection = tf.reshape(tf.add(grouped, tf.expandDims(penalty, -1)), [s.S, E]);
    const chosen = tf.topk(selection, k).indices;
    // Row-major positions of the chosen experts' scores (a batched gather would transpose int32 indices, as above).
    const positions = tf.add(chosen, tf.mul(tf.range(0, s.S, 1, 'int32').reshape([s.S, 1]), tf.scalar(E, 'int32')));
    const weights = tf.reshape(tf.gather(tf.reshape(scores, [s.S * E]), tf.reshape(positions, [s.S * k])), [s.S, k]);
    const routed = tf.mul(tf.div(weights, tf.sum(weights, -1, true)), routeScale);
    const ids = tf.reshape(chosen, [s.S * k]);
    const rows = tf.reshape(tf.tile(tf.expandDims(f, 1), [1, k, 1]), [s.S * k, 1, s.D]);
    const hidden = tf.mul(silu(tf.matMul(rows, tf.gather(w.experts_gate!, ids))), tf.matMul(rows, tf.gather(w.experts_up!, ids)));
    const y = tf.reshape(tf.matMul(hidden, tf.gather(w.experts_down!, ids)), [s.S, k, s.D]);
    const shared = linear(tf.mul(silu(linear(f, w['shared.gate']!)), linear(f, w['shared.up']!)), w['shared.down']!);
    return tf.add(tf.sum(tf.mul(y, tf.expandDims(routed, -1)), 1), shared);
  }

  return {
    ready: async () => {},
    run: () =>
      tf.tidy(() => {
        const h = tf.add(x, attention(rms(x, attnNorm)));
        return tf.add(h, experts(rms(h, ffnNorm)));
      }),
    dispose: () => tf.dispose([...Object.values(w), x, kvCache, peCache, cos, sin, attnNorm, ffnNorm, bias]),
  };
}

/** jax-js counts references: a value used more than once is passed as `.ref` on all but its last use. */
export function jaxBlock(jax: typeof Jax, s: BlockSpec): BlockCall<Jax.Array> {
  const np = jax.numpy;
  type A = Jax.Array;
  const t = (d: TensorData): A => np.array(d.data as Float32Array).reshape([...d.shape]);
  const { heads: H, nope, rope: R, v: V, kvLora: C } = s.mla;
  const E = s.weights.router!.shape[0]!;
  const names = Object.keys(s.weights);
  const constants = { x: t(s.x), kvCache: t(s.kvCache), peCache: t(s.peCache), cos: t(s.cos), sin: t(s.sin), attnNorm: t(s.attnNorm), ffnNorm: t(s.ffnNorm), bias: np.array(causalBias(s)).reshape([1, s.S, s.T]) };
  const weights = Object.fromEntries(names.map((k) => [k, t(s.weights[k]!)])) as Record<string, A>;

  const linear = (a: A, weight: A) => np.matmul(a, np.transpose(weight));
  const rms = (a: A, weight: A) => a.ref.mul(np.reciprocal(np.sqrt(np.mean(np.square(a), -1, { keepdims: true }).add(s.eps)))).mul(weight);
  const rotate = (a: A, c: A, sn: A) => {
    const shape = a.shape;
    const pairs = a.reshape([...shape.slice(0, -1), shape[shape.length - 1]! / 2, 2]);
    const keep = shape.map((): [] => []);
    const a0 = pairs.ref.slice(...keep, 0);
    const a1 = pairs.slice(...keep, 1);
    const y0 = a0.ref.mul(c.ref).sub(a1.ref.mul(sn.ref));
    const y1 = a0.mul(sn).add(a1.mul(c));
    return np.stack([y0, y1], -1).reshape(shape);
  };
  const written = (cache: A, rows: A) => {
    const parts = writtenParts(s).map((p) => (p === 'rows' ? rows : cache.ref.slice(p)));
    cache.dispose();
    return np.concatenate(parts, 0);
  };
  const silu = (a: A) => jax.nn.silu(a);

  function attention(h: A, c: Record<string, A>, w: Record<string, A>): A {
    const q = linear(rms(linear(h.ref, w.wq_a!), w.q_norm!), w.wq_b!).reshape([s.S, H, nope + R]);
    const qNope = q.ref.slice([], [], [0, nope]);
    const qPe = rotate(q.slice([], [], [nope, nope + R]), c.cos!.ref.reshape([s.S, 1, R / 2]), c.sin!.ref.reshape([s.S, 1, R / 2]));
    const kvA = linear(h, w.wkv_a!);
    const kv = written(c.kvCache!, rms(kvA.ref.slice([], [0, C]), w.kv_norm!));
    const pe = written(c.peCache!, rotate(kvA.slice([], [C, C + R]), c.cos!, c.sin!));
    const wkvB = w.wkv_b!.reshape([H, nope + V, C]);
    const qLatent = np.matmul(np.transpose(qNope, [1, 0, 2]), wkvB.ref.slice([], [0, nope], []));
    const latentScores = np.matmul(qLatent, np.transpose(kv.ref));
    const ropeScores = np.matmul(np.transpose(qPe, [1, 0, 2]), np.transpose(pe));
    const probabilities = jax.nn.softmax(latentScores.add(ropeScores).mul(s.mla.scale).add(c.bias!), -1);
    const out = np.matmul(np.matmul(probabilities, kv), np.transpose(wkvB.slice([], [nope, nope + V], []), [0, 2, 1]));
    return linear(np.transpose(out, [1, 0, 2]).reshape([s.S, H * V]), w.wo!);
  }

  function experts(f: A, w: Record<string, A>): A {
    const { topk: k, groups: G, topkGroups, routeScale } = s.moe;
    const scores = jax.nn.sigmoid(linear(f.ref, w.router!));
    const grouped = scores.ref.add(w.router_bias!).reshape([s.S, G, E / G]);
    const groupScore = np.sum(jax.lax.topK(grouped.ref, 2, -1)[0], -1);
    const kept = np.sum(jax.nn.oneHot(jax.lax.topK(groupScore, topkGroups, -1)[1], G), 1).greater(0);
    const selection = np.where(kept.reshape([s.S, G, 1]), grouped, -Infinity).reshape([s.S, E]);
    const chosen = jax.lax.topK(selection, k, -1)[1];
    const picked = np.takeAlongAxis(scores, chosen.ref, 1);
    const routed = picked.ref.div(np.sum(picked, -1, { keepdims: true })).mul(routeScale);
    const ids = chosen.reshape([s.S * k]);
    const rows = np.repeat(f.ref.reshape([s.S, 1, s.D]), k, 1).reshape([s.S * k, 1, s.D]);
    const gate = np.matmul(rows.ref, np.take(w.experts_gate!, ids.ref, 0));
    const up = np.matmul(rows, np.take(w.experts_up!, ids.ref, 0));
    const y = np.matmul(silu(gate).mul(up), np.take(w.experts_down!, ids, 0)).reshape([s.S, k, s.D]);
    const shared = linear(silu(linear(f.ref, w['shared.gate']!)).mul(linear(f, w['shared.up']!)), w['shared.down']!);
    return np.sum(y.mul(routed.reshape([s.S, k, 1])), 1).add(shared);
  }

  const block = jax.jit((c: Record<string, A>, w: Record<string, A>) => {
    const h = c.x!.ref.add(attention(rms(c.x!, c.attnNorm!), c, w));
    return h.ref.add(experts(rms(h, c.ffnNorm!), w));
  });
  const refs = <R extends Record<string, A>>(r: R) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.ref])) as R;
  return {
    ready: () => jax.blockUntilReady([...Object.values(constants), ...Object.values(weights)]).then(() => undefined),
    run: () => block(refs(constants), refs(weights)),
    dispose: () => {
      for (const a of [...Object.values(constants), ...Object.values(weights)]) a.dispose();
      block.dispose();
    },
  };
}
