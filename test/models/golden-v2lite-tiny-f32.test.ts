import { describeGoldenCase } from './golden-suite.js';

describeGoldenCase('v2lite-tiny-f32', ['absorb/absorb', 'naive/naive']);
