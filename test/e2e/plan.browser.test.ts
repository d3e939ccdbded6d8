import type { Browser, Page } from 'playwright-core';
import { createApiHandler } from '../../functions/api';
import { freePort } from '../../infra/local/net';
import { serveApiHandler } from '../../infra/local/http-server';
import { enroll } from '../../shared/app/scheduling/enroll';
import { issueToken } from '../../shared/domain/tokens';
import { silentLogger } from '../../shared/ports';
import { expectAccessible } from '../support/axe';
import { closeBrowser, launchChromium, openPage, watchCsp } from '../support/browser';
import { memoryServices, TEST_TOKEN_SECRET, type MemoryServices } from '../support/memory-services';

/**
 * "My plan" in Debian's chromium: the very API handler served on 127.0.0.1 over memory
 * twins (the page's storage is proved on DynamoDB Local by test/integration/dynamo-plan.test.ts),
 * a phone-sized window with JavaScript turned OFF, reached from the preference centre's link.
 * Adds, changes and deletes a deadline and goals, and meets a rejection; reads the stored plan and
 * the planned messages after each step.
 */

jest.setTimeout(180_000);

let browser: Browser | undefined;
let server: { url: string; stop(): Promise<void> } | undefined;
let services: MemoryServices;
let personId: string;

beforeAll(async () => {
  const port = await freePort();
  services = memoryServices({ publicBaseUrl: `http://127.0.0.1:${port}` });
  server = await serveApiHandler(createApiHandler(Promise.resolve(services), silentLogger), port);
  // Monday 4 Jan 2027, 09:30 in Kolkata.
  ({ personId } = await enroll(services, { email: 'priya@example.com', phone: '+919812345678', firstName: 'Priya', timeZone: 'Asia/Kolkata', season: 2027 }));
  browser = await launchChromium();
});

afterAll(async () => {
  await closeBrowser(browser);
  await server?.stop();
});

const submit = async (page: Page, form: string, button: string) => {
  await Promise.all([page.waitForLoadState('load'), page.locator(form).getByRole('button', { name: button }).click()]);
};
const pending = async () => (await services.store.listMessages(personId)).filter((m) => m.status === 'planned' && m.enrollmentId.startsWith('plan-'));

test('a person shapes their plan on a phone, without JavaScript, and their reminders follow', async () => {
  const { context, page } = await openPage(browser!, { javaScriptEnabled: false, viewport: { width: 390, height: 844 }, timezoneId: 'Asia/Kolkata' });
  const cspViolations = watchCsp(page);

  // From the preference centre (the link every email carries) to the plan.
  await page.goto(`${server!.url}/preferences/${issueToken(TEST_TOKEN_SECRET, 'preferences', personId, services.clock.now())}`);
  await Promise.all([page.waitForLoadState('load'), page.locator('#plan-link').click()]);
  // The plan page's own signed link (a preference token of its own, freshly issued).
  const token = /\/plan\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(page.url())![1]!;
  await expect(page.locator('h1').textContent()).resolves.toBe('Priya, your plan for Match 2027');
  await expectAccessible(browser!, page, 'plan');
  // The season's official dates are on the timeline already, each with a suggested finish line.
  // (Every season date that applies to her: the calendar lists the Pathway and OET steps apart.)
  await expect(page.locator('ol.timeline > li').count()).resolves.toBe(20);

  // Add a deadline, leaving the finish line empty: the suggestion for documents (7 days) is used.
  await page.locator('#new-title').fill('Letter from Dr Rao');
  await page.locator('#new-kind').selectOption('documents');
  await page.locator('#new-date').fill('2027-01-20');
  await submit(page, '#add-deadline', 'Add this deadline');
  expect(page.url()).toBe(`${server!.url}/plan/${token}?saved=1`);
  await expect(page.getByRole('status').textContent()).resolves.toContain('Saved.');
  const item = page.locator('li#d1');
  await expect(item.textContent()).resolves.toContain('Your finish line: Wed 13 Jan 2027');
  expect((await pending()).map((m) => [m.stepId, m.sendAt])).toEqual([
    ['internal-in-three-days', '2027-01-10T03:30:00.000Z'],
    ['internal-today', '2027-01-13T03:30:00.000Z'],
  ]);

  // Change its finish line (details/summary opens without JavaScript).
  await item.locator('summary').click();
  await item.locator('input[name=internalDate]').fill('2027-01-15');
  await submit(page, 'li#d1 form:has(input[value=update-deadline])', 'Save this deadline');
  await expect(page.locator('li#d1').textContent()).resolves.toContain('Your finish line: Fri 15 Jan 2027');
  expect((await pending()).map((m) => m.sendAt)).toEqual(['2027-01-12T03:30:00.000Z', '2027-01-15T03:30:00.000Z']);

  // A date outside the season is refused with the reason, and nothing changes.
  const before = await services.store.getPlan(personId);
  await page.locator('#new-title').fill('Something far away');
  await page.locator('#new-date').fill('2031-05-01');
  await submit(page, '#add-deadline', 'Add this deadline');
  await expect(page.getByRole('alert').textContent()).resolves.toContain('Date: For Match 2027, dates go from 2025-01-01 to 2027-12-31.');
  await expectAccessible(browser!, page, 'plan with a problem');
  // What they typed is still there to fix.
  await expect(page.locator('#new-title').inputValue()).resolves.toBe('Something far away');
  expect(await services.store.getPlan(personId)).toEqual(before);

  // This week's goals: add one, mark it done.
  await page.goto(`${server!.url}/plan/${token}`);
  await page.locator('#week-text').fill('40 UWorld questions a day');
  await submit(page, 'form:has(#week-text)', 'Add this goal');
  await submit(page, 'main', 'Mark goal 1 done');
  await expect(page.locator('main ol').first().textContent()).resolves.toContain('Done: 40 UWorld questions a day');
  expect((await services.store.getPlan(personId))!.week!.goals).toEqual([{ text: '40 UWorld questions a day', doneAt: services.clock.now().toISOString() }]);

  // A finish line on an official date, then delete the own deadline: its reminders go.
  const rol = page.locator('ol.timeline > li', { hasText: 'Rank order list certification deadline' });
  await rol.locator('summary').click();
  await rol.locator('input[name=date]').fill('2027-02-20');
  await submit(page, 'ol.timeline > li:has-text("Rank order list certification deadline")', 'Save my finish line');
  await page.locator('li#d1 summary').click();
  await submit(page, 'li#d1', 'Delete this deadline');
  await expect(page.locator('li#d1').count()).resolves.toBe(0);
  expect((await pending()).map((m) => [m.enrollmentId, m.stepId])).toEqual([
    ['plan-season-rol_deadline', 'internal-in-three-days'],
    ['plan-season-rol_deadline', 'internal-today'],
  ]);

  // Fits a phone: nothing wider than the window.
  const main = await page.locator('main').boundingBox();
  expect(main!.width).toBeLessThanOrEqual(390);
  expect(cspViolations).toEqual([]);
  await context.close();
});
