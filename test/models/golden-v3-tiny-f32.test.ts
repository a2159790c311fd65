import { describeGoldenCase } from './golden-suite.js';

describeGoldenCase('v3-tiny-f32', ['absorb/absorb', 'naive/naive']);
