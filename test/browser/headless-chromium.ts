// A plain headless Chromium (no WebGPU) for tests of the pages dsv3 writes, shared by the file's tests. Skipped
// loudly when Chromium is missing, unless DSV3_REQUIRE_BROWSER=1.

import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { useOptionalResource } from '../support/optional-resource.js';
import { CHROMIUM } from './browser-gpu.js';

class MissingChromium extends Error {}

export function useHeadlessChromium(): () => Browser {
  return useOptionalResource<Browser>({
    what: 'Chromium',
    requireEnv: 'DSV3_REQUIRE_BROWSER',
    acquire: async () => {
      if (!existsSync(CHROMIUM)) throw new MissingChromium(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set DSV3_CHROMIUM)`);
      return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--no-first-run'] });
    },
    missingReason: (e) => (e instanceof MissingChromium ? e.message : undefined),
    release: (b) => b.close(),
  });
}
