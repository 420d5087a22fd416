import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium; playwright-core never downloads a browser of its own here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A headless Chromium with a fresh profile, removed again by `close()`. */
export interface HeadlessChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Fails with what to install when Chromium is missing: a browser test must not pass silently. */
export function assertChromiumInstalled(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  throw new Error(
    `Chromium is not installed at ${CHROMIUM_PATH}, and the web page test needs a real browser. ` +
      'Install it with `apt-get update && apt-get install -y --no-install-recommends chromium` ' +
      '(.ci/run does this), or point CHROMIUM_PATH at another Chromium.',
  );
}

export async function launchChromium(
  viewport = { width: 1280, height: 900 },
): Promise<HeadlessChromium> {
  assertChromiumInstalled();
  const profile = mkdtempSync(path.join(tmpdir(), 'lensq-chromium-'));

  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });

  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
