// Clipping, AdamW and the bias update against the golden step (spec/golden/v3-tiny-train), from its stored
// gradients: the global norm and coefficient within rel 1e-5; every parameter after AdamW bit for bit, our AdamW
// applied to the stored grad.* · clip.coef (the unit test of spec/golden/README.md §The training case); tied copies
// equal to their main tensors; the expert counts, updated biases and MaxVio of each MoE layer exact.

import { afterAll, describe, expect, it } from 'vitest';
import { directoryFiles } from '../../src/io/local-files.js';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { compareBits, compareF32 } from '../../src/models/deepseek/verify/compare.js';
import {
  AdamW,
  copyTiedParameters,
  expertCounts,
  gradientNorm,
  maxViolation,
  scaleGradient,
  tiedParameters,
  updateRouterBias,
} from '../../src/training/index.js';
import { HYPER, loadTrainModel, openTrainCase, TRAIN_CASE } from './train-golden.js';

const golden = openTrainCase();
const model = loadTrainModel();
const checkpoint = SafetensorsFile.open(directoryFiles(TRAIN_CASE).open('model.safetensors'));
afterAll(() => {
  checkpoint.close();
  model.weights.close();
  golden.close();
});

const f32 = (name: string): Float32Array => golden.readIR(name).data as Float32Array;
const scalar = (name: string): number => f32(name)[0]!;
/** Values in row-major order as the comparisons take them (shapes of one axis: they compare up to size-1 axes). */
const flat = (data: ArrayLike<number>) => ({ shape: [data.length], data });
/** The trainable tensors: every grad.<name> stored (tied MTP copies and router biases have none). */
const trainable = golden.names().flatMap((n) => (n.startsWith('grad.') ? [n.slice('grad.'.length)] : []));

describe('clipping', () => {
  it('gives torch’s global norm and coefficient', () => {
    const { total, coef } = gradientNorm(trainable.map((n) => f32(`grad.${n}`)), HYPER.maxNorm);
    expect(compareF32('clip.grad_norm', flat([total]), golden.readIR('clip.grad_norm'), { abs: 0, rel: 1e-5 }).pass).toBe(true);
    expect(compareF32('clip.coef', flat([coef]), golden.readIR('clip.coef'), { abs: 0, rel: 1e-5 }).pass).toBe(true);
  });

  it('leaves gradients whose norm is within the bound unscaled', () => {
    expect(gradientNorm([Float32Array.of(0.6, 0.8)], 2).coef).toBe(1);
  });
});

describe('AdamW', () => {
  it('reproduces every parameter of the golden step bit for bit, tied copies and unused experts included', () => {
    const coef = scalar('clip.coef');
    const params = new Map(checkpoint.names().map((n) => [n, Float32Array.from(checkpoint.read(n) as Float32Array)]));
    const trained = new Map(trainable.map((n) => [n, params.get(n)!]));
    const grads = new Map(trainable.map((n) => [n, scaleGradient(f32(`grad.${n}`), coef)]));
    // An expert no token reached (layer 1, experts 6 and 11: spec/golden/README.md §The training case) has a zero gradient and still decays.
    expect(grads.get('model.layers.1.mlp.experts.6.up_proj.weight')!.every((g) => g === 0)).toBe(true);
    const opt = new AdamW({ lr: HYPER.lr, betas: HYPER.betas, eps: HYPER.eps, weightDecay: HYPER.weightDecay });
    opt.update(trained, grads);
    const ties = tiedParameters(model.weights.layout);
    copyTiedParameters(params, ties);

    const failing = trainable.map((n) => compareBits(n, flat(params.get(n)!), flat(f32(`adamw.param.${n}`)))).filter((c) => !c.pass);
    expect(failing).toEqual([]);
    expect(ties.map((t) => t.copy)).toEqual(['model.layers.3.embed_tokens.weight', 'model.layers.3.shared_head.head.weight']);
    for (const t of ties) expect(compareBits(t.copy, flat(params.get(t.copy)!), flat(f32(`adamw.param.${t.main}`))).pass).toBe(true);
    expect(opt.step).toBe(1);
  });

  it('refuses a parameter without a gradient, naming it', () => {
    const opt = new AdamW({ lr: 1e-3, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1 });
    expect(() => opt.update(new Map([['w', new Float32Array(2)]]), new Map())).toThrow(/parameter w has no gradient/);
  });
});

describe('auxiliary-loss-free bias update', () => {
  it.each([1, 2, 3])('layer %i: counts, updated bias and MaxVio exact', (l) => {
    const counts = expertCounts(golden.readIR(`route.${l}.indices`).data, model.config.nRoutedExperts);
    expect(counts).toEqual(Array.from(golden.readIR(`bias.counts.${l}`).data));
    const updated = updateRouterBias(f32(`bias.old.${l}`), counts, HYPER.gamma);
    expect(compareBits(`bias.updated.${l}`, flat(updated), golden.readIR(`bias.updated.${l}`)).pass).toBe(true);
    expect(Math.fround(maxViolation(counts))).toBe(scalar(`maxvio.${l}`));
  });

  it('leaves a balanced layer’s bias unchanged (sign 0) and refuses an index that is not an expert', () => {
    const bias = Float32Array.of(0.25, -0.5);
    expect(updateRouterBias(bias, [3, 3], 1e-3)).toEqual(bias);
    expect(() => expertCounts([0, 2], 2)).toThrow(/index 2 at 1 is not an expert/);
  });
});
