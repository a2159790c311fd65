import { describeGoldenCase } from './golden-suite.js';

describeGoldenCase('v3-tiny-mtp', ['mtp/absorb', 'mtp/naive', 'mtp_hpost/absorb', 'mtp_hpost/naive']);
