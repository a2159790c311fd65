// WebGPU in a real browser for tests: Debian's Chromium (WebGPU on SwiftShader, no GPU needed) driven by
// playwright-core, running GPU jobs in a page on localhost. Skipped loudly when the browser or its adapter is
// missing, unless DSV3_REQUIRE_BROWSER=1.

import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { AdapterDescription } from '../../src/backends/webgpu/index.js';
import type { GpuJob, GpuJobOutputs } from '../support/gpu-job.js';
import { useOptionalResource } from '../support/optional-resource.js';
import type { JobServer } from './job-server.js';
import { startJobServer } from './job-server.js';
import type { PageApi, PageJob, PageProbe } from './page-protocol.js';

export const CHROMIUM = process.env.DSV3_CHROMIUM ?? '/usr/bin/chromium';

/** WebGPU on; and, as root on a closed network, no sandbox and none of Chromium's own network traffic. */
const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserGpu {
  readonly adapter: AdapterDescription;
  run(jobs: readonly GpuJob[]): Promise<GpuJobOutputs[]>;
  /**
   * Loads a module of the tests into the page once (a path the job server serves, e.g. /test/browser/x.js) and
   * waits until it has installed `global` on globalThis, the API the test then calls through `page.evaluate`.
   */
  load(modulePath: string, global: string): Promise<void>;
  readonly page: Page;
}

class MissingBrowser extends Error {}

interface Session {
  readonly server: JobServer;
  readonly browser: Browser;
  readonly page: Page;
  readonly gpu: BrowserGpu;
}

const toPageJob = (job: GpuJob): PageJob => ({
  ...job,
  buffers: job.buffers.map(({ data, ...rest }) => (data === undefined ? rest : { ...rest, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') })),
});

const fromBase64 = (text: string | null): Uint8Array | undefined => (text === null ? undefined : new Uint8Array(Buffer.from(text, 'base64')));

async function openSession(): Promise<Session> {
  if (!existsSync(CHROMIUM)) throw new MissingBrowser(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set DSV3_CHROMIUM)`);
  const server = await startJobServer();
  // The browser is closed (and the server stopped) on any failure below, so no process outlives the test file.
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.pageUrl);
    await page.waitForFunction(() => 'dsv3' in globalThis, undefined, { timeout: 30_000 }).catch((e: unknown) => {
      throw new Error(`the job page did not load: ${pageErrors.join('; ') || String(e)}`);
    });
    const probe: PageProbe = await page.evaluate(() => (globalThis as unknown as { dsv3: PageApi }).dsv3.probe());
    if ('missing' in probe) throw new MissingBrowser(`Chromium has no WebGPU adapter: ${probe.missing}`);
    const loaded = new Map<string, Promise<void>>();
    const gpu: BrowserGpu = {
      adapter: probe.adapter,
      page,
      load(modulePath, global) {
        let done = loaded.get(modulePath);
        if (done === undefined) {
          done = page.addScriptTag({ type: 'module', url: modulePath }).then(async () => {
            await page.waitForFunction((name) => name in globalThis, global, { timeout: 30_000 }).catch((e: unknown) => {
              throw new Error(`${modulePath} did not install globalThis.${global}: ${pageErrors.join('; ') || String(e)}`);
            });
          });
          loaded.set(modulePath, done);
        }
        return done;
      },
      async run(jobs) {
        const results = await page.evaluate((pageJobs) => (globalThis as unknown as { dsv3: PageApi }).dsv3.run(pageJobs), jobs.map(toPageJob));
        return results.map((outputs) => outputs.map(fromBase64));
      },
    };
    return { server, browser, page, gpu };
  } catch (e) {
    await browser?.close();
    await server.close();
    throw e;
  }
}

export function useBrowserGpu(): () => BrowserGpu {
  const session = useOptionalResource<Session>({
    what: 'WebGPU in Chromium',
    requireEnv: 'DSV3_REQUIRE_BROWSER',
    acquire: openSession,
    missingReason: (e) => (e instanceof MissingBrowser ? e.message : undefined),
    release: async ({ browser, server }) => {
      await browser.close();
      await server.close();
    },
  });
  return () => session().gpu;
}
