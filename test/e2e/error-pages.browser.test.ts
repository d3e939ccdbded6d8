import type { Browser } from 'playwright-core';
import { freePort } from '../../infra/local/net';
import { serveApiHandler } from '../../infra/local/http-server';
import { silentLogger } from '../../shared/ports';
import { closeBrowser, launchChromium, openPage, watchCsp } from '../support/browser';
import { memoryServices } from '../support/memory-services';
import { createWholeApiHandler } from '../support/whole-api';

/**
 * What a person's browser shows for an address we do not have and for a page it may not see:
 * a readable page (not raw JSON), under the same strict Content-Security-Policy as every page.
 * Debian's chromium over both HTTP functions on 127.0.0.1, on memory twins.
 */

jest.setTimeout(180_000);

let browser: Browser | undefined;
let server: { url: string; stop(): Promise<void> } | undefined;

beforeAll(async () => {
  const port = await freePort();
  server = await serveApiHandler(createWholeApiHandler(Promise.resolve(memoryServices({ publicBaseUrl: `http://127.0.0.1:${port}` })), silentLogger), port);
  browser = await launchChromium();
});

afterAll(async () => {
  await closeBrowser(browser);
  await server?.stop();
});

test('an unknown address and a counselor JSON route each show a page, with no CSP violation', async () => {
  const { context, page } = await openPage(browser!);
  const cspViolations = watchCsp(page);

  const missing = await page.goto(`${server!.url}/preferences-typo/abc`);
  expect(missing!.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('There is no page here');
  await expect(page.getByRole('link', { name: 'Go to the Match Coach home page' }).count()).resolves.toBe(1);

  // A counselor's JSON address opened in a browser without signing in: the sign-in page, not JSON.
  const json = await page.goto(`${server!.url}/counselor/cohorts`);
  expect(json!.status()).toBe(401);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Counselor sign-in');

  expect(cspViolations).toEqual([]);
  await context.close();
});
