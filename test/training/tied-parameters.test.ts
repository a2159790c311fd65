// Tied parameters: each MTP module's embedding and head are the main model's; their gradients add into the main
// tensor's (the copy's left out), and after a step the copies take the main tensors' values.

import { describe, expect, it } from 'vitest';
import { copyTiedParameters, tiedParameters, tieGradients } from '../../src/training/index.js';
import { loadTrainModel } from './train-golden.js';

describe('tied parameters', () => {
  const ties = [{ copy: 'mtp.embed', main: 'embed' }];

  it('ties every MTP module’s embedding and head to the main model’s', () => {
    const model = loadTrainModel();
    try {
      expect(tiedParameters(model.weights.layout)).toEqual([
        { copy: 'model.layers.3.embed_tokens.weight', main: 'model.embed_tokens.weight' },
        { copy: 'model.layers.3.shared_head.head.weight', main: 'lm_head.weight' },
      ]);
    } finally {
      model.weights.close();
    }
  });

  it('adds a copy’s gradient into its main tensor’s, in f32, and drops the copy', () => {
    const main = Float32Array.of(1, 2 ** -30);
    const grads = tieGradients(new Map([['embed', main], ['mtp.embed', Float32Array.of(0.5, 1)], ['other', Float32Array.of(3)]]), ties);
    expect([...grads.keys()].sort()).toEqual(['embed', 'other']);
    expect([...grads.get('embed')!]).toEqual([1.5, 1]);
    expect([...main]).toEqual([1, 2 ** -30]);
  });

  it('sets copies equal to their main tensors', () => {
    const params = new Map([['embed', Float32Array.of(7, 8)], ['mtp.embed', Float32Array.of(0, 0)]]);
    copyTiedParameters(params, ties);
    expect([...params.get('mtp.embed')!]).toEqual([7, 8]);
  });

  it('names a missing tensor', () => {
    expect(() => tieGradients(new Map([['embed', new Float32Array(1)]]), ties)).toThrow(/no gradient for mtp.embed/);
  });
});
