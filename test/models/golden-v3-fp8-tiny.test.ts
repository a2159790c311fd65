import { describeGoldenCase } from './golden-suite.js';

describeGoldenCase('v3-fp8-tiny', ['bf16/absorb', 'bf16_naive/naive', 'fp8/absorb', 'fp8_naive/naive', 'fp8_ue8m0/absorb', 'fp8_ue8m0_all/absorb']);
