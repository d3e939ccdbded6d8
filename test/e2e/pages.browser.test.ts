import type { Browser, Page } from 'playwright-core';
import { createApiHandler } from '../../functions/api';
import { freePort } from '../../infra/local/net';
import { serveApiHandler } from '../../infra/local/http-server';
import { enroll } from '../../shared/app/scheduling/enroll';
import { sequenceLibrary } from '../../shared/content';
import { invitationEmail } from '../../shared/domain/invitation-words';
import { renderEmail } from '../../shared/domain/render';
import { alreadySubscribedEmail } from '../../shared/domain/subscription-words';
import { issueToken } from '../../shared/domain/tokens';
import { silentLogger } from '../../shared/ports';
import * as pages from '../../web/pages';
import { expectAccessible, seriousViolations } from '../support/axe';
import { closeBrowser, launchChromium, openPage } from '../support/browser';
import { memoryServices, TEST_TOKEN_SECRET, type MemoryServices } from '../support/memory-services';

/**
 * Every page a person meets, and every email they get, in Debian's chromium on a phone-sized
 * screen (390 px): the API handler served on 127.0.0.1 over memory twins, the emails rendered as
 * a mail app would. Each page passes axe-core with no serious or critical violation; nothing
 * scrolls sideways; long pages have a table of contents whose links land; a form that comes back
 * with a problem shows it beside its field and puts the focus there; the focus ring is visible
 * (3:1 against the page); passed dates on the plan are folded away.
 */

jest.setTimeout(240_000);
const PHONE = { width: 390, height: 844 };

let browser: Browser | undefined;
let server: { url: string; stop(): Promise<void> } | undefined;
let services: MemoryServices;

beforeAll(async () => {
  const port = await freePort();
  services = memoryServices({ publicBaseUrl: `http://127.0.0.1:${port}` });
  server = await serveApiHandler(createApiHandler(Promise.resolve(services), silentLogger), port);
  browser = await launchChromium();
});

afterAll(async () => {
  await closeBrowser(browser);
  await server?.stop();
});

const url = (path: string) => `${server!.url}${path}`;

/** How wide the page really is: wider than the screen means sideways scrolling. */
const scrollWidth = async (page: Page) => (await page.evaluate('document.documentElement.scrollWidth')) as number;
const focusedId = async (page: Page) => (await page.evaluate("document.activeElement ? document.activeElement.id : ''")) as string;

async function phonePage(javaScriptEnabled = true): Promise<Page> {
  return (await openPage(browser!, { viewport: PHONE, timezoneId: 'Asia/Kolkata', javaScriptEnabled })).page;
}

/** Every "On this page" link points at an element of the page. */
async function expectContentsLand(page: Page): Promise<number> {
  const targets = (await page.locator('nav.contents a').evaluateAll((links) => links.map((a) => String(a.getAttribute('href')).slice(1))));
  for (const id of targets) expect({ id, found: await page.locator(`[id="${id}"]`).count() }).toEqual({ id, found: 1 });
  return targets.length;
}

/** Presses a button that submits a form, and waits for the page that answers it to load. */
async function submit(page: Page, press: () => Promise<void>): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
  await press();
  await navigated;
  await page.waitForLoadState('load');
}

/** WCAG relative luminance contrast of two rgb() colours. */
function contrast(a: string, b: string): number {
  const luminance = (rgb: string) => {
    const [r, g, bl] = rgb.match(/\d+/g)!.slice(0, 3).map((n) => Number(n) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

test('emails fit a 390 px screen and pass axe: confirmation, invitation, already signed up, coaching', async () => {
  const longLink = `https://coach.example.org/confirm/${issueToken(TEST_TOKEN_SECRET, 'confirm-email', 'a-person-id-of-ordinary-length-0000', new Date())}`;
  const welcome = sequenceLibrary().get('getting-started')!.steps.find((s) => s.email)!;
  const rendered: Record<string, string> = {
    invitation: invitationEmail({ orgName: 'Lagos IMG Mentoring Network', confirmUrl: longLink, postalAddress: 'Match Coach, 1 Test Street, Boston, MA', validDays: 3, firstName: 'Ngozi' }).html,
    'already signed up': alreadySubscribedEmail({ preferencesUrl: longLink.replace('/confirm/', '/preferences/'), postalAddress: 'Match Coach, 1 Test Street, Boston, MA', firstName: 'Asha' }).html,
    coaching: renderEmail(
      { email: welcome.email! } as never,
      { firstName: 'Priya', zone: 'Asia/Kolkata', sendAt: new Date('2027-01-04T13:31:00Z') },
      { postalAddress: 'Match Coach, 1 Test Street, Boston, MA', preferencesUrl: longLink.replace('/confirm/', '/preferences/') },
    ).html,
  };
  // The confirmation email as sign-up really sends it.
  const signUp = await fetch(url('/subscribe'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: 'wide@example.com', timeZone: 'Asia/Kolkata', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1' }),
    redirect: 'manual',
  });
  expect(signUp.status).toBe(303);
  rendered.confirmation = services.email.sent.find((e) => e.to === 'wide@example.com')!.html;

  for (const [name, html] of Object.entries(rendered)) {
    const page = await phonePage(false);
    await page.setContent(html);
    expect({ name, width: await scrollWidth(page) }).toEqual({ name, width: PHONE.width });
    expect({ name, violations: await seriousViolations(browser!, html) }).toEqual({ name, violations: [] });
    await page.context().close();
  }
});

test('sign-up, its problems, check your inbox, confirmation: axe-clean, no sideways scroll, focus on the first problem', async () => {
  const page = await phonePage();
  await page.goto(url('/'));
  await expectAccessible(browser!, page, 'sign-up');
  expect(await scrollWidth(page)).toBe(PHONE.width);

  // Two problems: the focus goes to the first, and each sits beside its own field.
  // Passes the browser's own check of an email field, not ours (an address needs a domain with a dot).
  await page.getByLabel('Email address').fill('meera@localhost');
  await page.getByLabel('Which Match are you applying for?').selectOption('2027');
  await page.getByLabel('USMLE Step 2 CK exam').fill('2031-01-10');
  await submit(page, () => page.getByRole('button', { name: 'Sign up' }).click());
  expect(await focusedId(page)).toBe('email');
  await expect(page.locator('#step2_exam').getAttribute('aria-describedby')).resolves.toContain('step2_exam-error');
  await expect(page.locator('#step2_exam-error').textContent()).resolves.toBe('For Match 2027, dates go from 2025-01-01 to 2027-12-31.');
  // The error is right at its field: between the field's label and the input.
  const [label, error, input] = await Promise.all(['label[for=step2_exam]', '#step2_exam-error', '#step2_exam'].map((s) => page.locator(s).boundingBox()));
  expect(error!.y).toBeGreaterThanOrEqual(label!.y);
  expect(error!.y).toBeLessThan(input!.y);
  await expectAccessible(browser!, page, 'sign-up with problems');

  // The focus ring, on a field and on a button, stands out 3:1 from the page behind it.
  await page.keyboard.press('Tab');
  const ring = (await page.evaluate(`(() => {
    const style = getComputedStyle(document.activeElement);
    return { color: style.outlineColor, width: style.outlineWidth, style: style.outlineStyle, behind: getComputedStyle(document.querySelector('main')).backgroundColor };
  })()`)) as { color: string; width: string; style: string; behind: string };
  expect(ring.style).toBe('solid');
  expect(parseFloat(ring.width)).toBeGreaterThanOrEqual(2);
  expect(contrast(ring.color, ring.behind)).toBeGreaterThanOrEqual(3);

  await page.getByLabel('Email address').fill('meera@example.com');
  await page.getByLabel('USMLE Step 2 CK exam').fill('2026-10-20');
  await Promise.all([page.waitForURL(url('/check-your-inbox')), page.getByRole('button', { name: 'Sign up' }).click()]);
  await expectAccessible(browser!, page, 'check your inbox');

  const confirmLink = /http:\/\/127\.0\.0\.1:\d+(\/confirm\/[A-Za-z0-9_.-]+)/.exec(services.email.sent.find((e) => e.to === 'meera@example.com')!.text)![1]!;
  await page.goto(url(confirmLink));
  await expectAccessible(browser!, page, 'confirm prompt');
  await submit(page, () => page.getByRole('button', { name: 'Yes, confirm my sign-up' }).click());
  await expectAccessible(browser!, page, 'confirmed');
  await page.goto(url(confirmLink));
  await expectAccessible(browser!, page, 'already confirmed');
  await page.context().close();
});

test('the preference centre: contents that land, problems beside their field, the calendar reset, delete and unsubscribe pages', async () => {
  const { personId } = await enroll(services, { email: 'ada@example.com', phone: '+2348031234567', firstName: 'Ada', timeZone: 'Africa/Lagos', season: 2027, anchors: { step2_exam: '2027-02-10' } });
  const page = await phonePage();
  const preferences = url(`/preferences/${issueToken(TEST_TOKEN_SECRET, 'preferences', personId, services.clock.now())}`);
  await page.goto(preferences);
  await expectAccessible(browser!, page, 'preferences');
  expect(await scrollWidth(page)).toBe(PHONE.width);
  expect(await expectContentsLand(page)).toBeGreaterThanOrEqual(10);
  // A contents link moves the page to its section.
  await page.locator('nav.contents a[href="#calendar"]').click();
  expect(await page.evaluate("Math.abs(document.getElementById('calendar').getBoundingClientRect().top)")).toBeLessThan(40);

  await page.getByLabel('USMLE Step 2 CK exam').fill('2031-01-10');
  await submit(page, () => page.getByRole('button', { name: 'Save my preferences' }).click());
  expect(await focusedId(page)).toBe('step2_exam');
  await expect(page.locator('#step2_exam-error').textContent()).resolves.toBe('For Match 2027, dates go from 2025-01-01 to 2027-12-31.');
  await expectAccessible(browser!, page, 'preferences with a problem');

  await page.goto(preferences);
  const before = await page.locator('#calendar ~ p code').first().textContent();
  await submit(page, () => page.getByRole('button', { name: 'Reset my calendar link' }).click());
  await expect(page.getByRole('status').first().textContent()).resolves.toContain('Your calendar link is new.');
  const after = await page.locator('#calendar ~ p code').first().textContent();
  expect(after).not.toBe(before);
  expect((await fetch(before!)).status).toBe(410);
  expect((await fetch(after!)).status).toBe(200);
  await expect(page.locator('a', { hasText: 'Add to Apple Calendar' }).getAttribute('href')).resolves.toBe(after!.replace(/^http:/, 'webcal:'));
  await expectAccessible(browser!, page, 'preferences after a calendar reset');

  await submit(page, () => page.getByRole('button', { name: 'Delete all my data…' }).click());
  await expectAccessible(browser!, page, 'delete: are you sure?');

  await page.goto(url(`/unsubscribe/${issueToken(TEST_TOKEN_SECRET, 'unsubscribe', personId, services.clock.now())}`));
  await expectAccessible(browser!, page, 'unsubscribe prompt');
  await submit(page, () => page.getByRole('button', { name: 'Unsubscribe from emails' }).click());
  await expectAccessible(browser!, page, 'unsubscribed');

  await page.goto(url('/preferences/not-a-token'));
  await expectAccessible(browser!, page, 'a link that does not work');
  await page.context().close();
});

test('the plan: contents, passed dates folded, a problem beside its field with the focus on it; all axe-clean', async () => {
  const { personId } = await enroll(services, { email: 'priya@example.com', firstName: 'Priya', timeZone: 'Asia/Kolkata', season: 2027 });
  const page = await phonePage(false);
  const plan = url(`/plan/${issueToken(TEST_TOKEN_SECRET, 'preferences', personId, services.clock.now())}`);
  await page.goto(plan);
  await expectAccessible(browser!, page, 'plan');
  expect(await scrollWidth(page)).toBe(PHONE.width);
  expect(await expectContentsLand(page)).toBe(5);

  // 4 January 2027: the autumn's dates have passed. They are folded away, counted in one line.
  const passed = page.locator('details.passed');
  await expect(passed.locator('summary').textContent()).resolves.toMatch(/^\d+ dates already passed$/);
  await expect(passed.getAttribute('open')).resolves.toBeNull();
  await expect(passed.locator('li').first().isVisible()).resolves.toBe(false);
  const first = await page.locator('ol.timeline:not(.passed) > li').first().textContent();
  expect(first).not.toContain('(passed)');

  await page.locator('#new-title').fill('Something far away');
  await page.locator('#new-date').fill('2031-05-01');
  await submit(page, () => page.locator('#add-deadline').getByRole('button', { name: 'Add this deadline' }).click());
  expect(await focusedId(page)).toBe('new-date');
  await expect(page.locator('#new-date-error').textContent()).resolves.toBe('For Match 2027, dates go from 2025-01-01 to 2027-12-31.');
  await expect(page.locator('#new-date').getAttribute('aria-describedby')).resolves.toBe('new-date-error');
  await expect(page.locator('#new-title').inputValue()).resolves.toBe('Something far away');
  await expectAccessible(browser!, page, 'plan with a problem');

  // A problem in a deadline's own form opens that form, with the focus in it.
  await page.goto(plan);
  await page.locator('#new-title').fill('Letter from Dr Rao');
  await page.locator('#new-date').fill('2027-01-20');
  await submit(page, () => page.locator('#add-deadline').getByRole('button', { name: 'Add this deadline' }).click());
  const item = page.locator('li#d1');
  await item.locator('summary').click();
  await item.locator('input[name=internalDate]').fill('2027-02-01');
  await submit(page, () => item.getByRole('button', { name: 'Save this deadline' }).click());
  await expect(page.locator('li#d1 details').getAttribute('open')).resolves.toBe('');
  const focused = await focusedId(page);
  expect(focused).toMatch(/-internalDate$/);
  await expect(page.locator(`#${focused}-error`).textContent()).resolves.toBe('Your own finish line must come on or before the deadline.');
  await expectAccessible(browser!, page, 'plan with a problem in a deadline');
  await page.context().close();
});

test('the check itself finds what it is for: a missing alt text, grey-on-white text, a field without a label', async () => {
  const bad = '<!doctype html><html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1><img src="x.png"><p style="color:#c0c0c0">Faint words</p><input type="text"></main></body></html>';
  const found = (await seriousViolations(browser!, bad)).map((v) => v.id).sort();
  expect(found).toEqual(expect.arrayContaining(['color-contrast', 'image-alt', 'label']));
});

test('the pages no test above reaches pass axe too', async () => {
  const bodies = {
    'not pending': pages.notPendingPage().body,
    erased: pages.erasedPage().body,
    'link expired': pages.linkProblemPage('expired').body,
    'nothing here': pages.linkProblemPage('unknown_person').body,
    'bad form': pages.badFormPage('The form did not say what to do.').body,
  };
  for (const [name, html] of Object.entries(bodies)) expect({ name, violations: await seriousViolations(browser!, html) }).toEqual({ name, violations: [] });
});
