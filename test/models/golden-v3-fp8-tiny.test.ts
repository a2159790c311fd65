import { describeGoldenCase } from './golden-suite.js';

describeGoldenCase('v3-fp8-tiny', ['bf16/absorb', 'bf16_naive/naive']);
