// The worked example of docs/adding-a-backend.md, registered at run time through the registry and run through the
// whole conformance suite: every case of src/conformance, and the property tests on random graphs.

import { exampleEntry } from '../../../src/backends/example/entry.js';
import { backendEntry, registerBackend } from '../../../src/backends/registry.js';
import { conformanceCases } from '../../../src/conformance/suite.js';
import { backendUnderTest } from '../../conformance/backends.js';
import { caseSuite } from '../../conformance/case-suite.js';
import { propertySuite } from '../../conformance/property-suite.js';

registerBackend(exampleEntry);
const example = backendUnderTest(backendEntry('example'));
caseSuite(example, conformanceCases());
propertySuite(example);
