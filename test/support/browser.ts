import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/**
 * The one real browser every e2e browser test drives: Debian's chromium through playwright-core,
 * so no browser is ever downloaded (README, "Run the tests"). Kept in one place so every test
 * launches it the same way and waits for it the same way.
 */

const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless; no sandbox (chromium will not start one as root, nor in many containers); no GPU
 * (a test machine has none); none of chromium's own background requests, which could only make
 * a run slower or flakier.
 */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/**
 * Waits (every 2 s, up to `maxMs`) for the chromium binary to exist: apt may still be installing
 * it when a fresh machine runs the tests, and waiting beats failing early. Returns as soon as it is
 * there, or after `maxMs`, when the launch fails with playwright's own message.
 */
async function waitForChromium(maxMs = 120_000): Promise<void> {
  for (let waited = 0; !fs.existsSync(CHROMIUM) && waited < maxMs; waited += 2_000) await new Promise((r) => setTimeout(r, 2_000));
}

export interface LaunchOptions {
  /** How long to wait for the binary; a test whose hooks have a shorter timeout passes less. */
  waitMs?: number;
  /** Flags on top of the shared ones (a test that maps a host name to 127.0.0.1, say). */
  extraArgs?: string[];
}

/** Waits for chromium, then launches it headless. Close it with closeBrowser in afterAll. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  await waitForChromium(options.waitMs);
  return chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...(options.extraArgs ?? [])] });
}

/** A page in a fresh context of its own (no cookies shared with other tests): close the context when done. */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  return { context, page };
}

/** Closes a browser that beforeAll may not have got as far as launching. */
export async function closeBrowser(browser: Browser | undefined): Promise<void> {
  await browser?.close();
}

/**
 * Collects what the console says about the Content-Security-Policy (a blocked script or style), from
 * now on: the pages allow their one script and stylesheet by hash, and a test expects this to stay empty.
 */
export function watchCsp(page: Page): string[] {
  const found: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) found.push(m.text());
  });
  return found;
}
