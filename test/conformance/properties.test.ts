// Property tests on random graphs (property-suite.ts) on every backend of backends.ts.

import { BACKENDS_UNDER_TEST } from './backends.js';
import { propertySuite } from './property-suite.js';

for (const target of BACKENDS_UNDER_TEST) propertySuite(target);
