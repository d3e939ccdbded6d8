import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { counselorDashboardRoutes } from '../../functions/routes/counselor-dashboard';
import { json } from '../../functions/http';
import { matchRoute } from '../../functions/router';
import { freePort } from '../../infra/local/net';
import { serveApiHandler } from '../../infra/local/http-server';
import type { Message } from '../../shared/domain/model';
import { silentLogger } from '../../shared/ports';
import { expectAccessible } from '../support/axe';
import { closeBrowser, launchChromium, openPage, watchCsp } from '../support/browser';
import { counselorEvent, testIssuer, type TestIssuer } from '../support/counselor-tokens';
import { memoryServices, type MemoryServices } from '../support/memory-services';
import { linkSeededMember, seedPerson } from '../support/seed';

/**
 * A counselor uses the dashboard in a real browser (Debian's chromium through playwright-core):
 * signs in by pasting the token `matchcoach counselor add` prints, opens a cohort, sees both
 * charts drawn (checked on the screenshot's pixels, not just in the HTML), opens a flagged
 * member's timeline, and reads the same pages on a phone-sized screen. The routes are served by
 * the local stack's own HTTP adapter over memory twins, with tokens from the real local issuer.
 */

jest.setTimeout(120_000);
const NOW = '2027-01-20T12:00:00.000Z';
const CHECKIN = { sequenceId: 'personal-plan', stepId: 'weekly-checkin' };

let issuer: TestIssuer;
let services: MemoryServices;
let server: { url: string; stop(): Promise<void> };
let browser: Browser;
let shotsDir: string;
let token: string;

function checkin(personId: string, n: number, at: string): Message {
  return {
    personId,
    messageId: `e-${personId}.weekly-checkin.${n}.sms`,
    enrollmentId: `e-${personId}`,
    ...CHECKIN,
    channel: 'sms',
    to: '+919812345678',
    zone: 'Asia/Kolkata',
    anchors: {},
    profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
    sendAt: at,
    status: 'sent',
    attempts: [{ at, outcome: 'sent', detail: 'ok' }],
    updatedAt: at,
    delivery: { status: 'delivered', at },
  };
}

async function seed(): Promise<void> {
  const { counselors, store } = services;
  await counselors.saveCohort({ cohortId: 'spring', orgId: 'org-a', name: 'Spring mentoring', season: 2027, sequenceIds: ['personal-plan'], anchorOverrides: {}, archived: false, createdAt: NOW, updatedAt: NOW });
  const people = [
    { id: 'p-asha', name: 'Asha', scores: [4, 3, 4, 5, 4, 3, 4, 4] },
    { id: 'p-bilal', name: 'Bilal', scores: [3, 3, 2, 2, 3, 2, 1, 2] },
    { id: 'p-chidi', name: 'Chidi', scores: [5, 4, 0, 4, 0, 5, 4, 0] },
  ];
  for (const p of people) {
    await seedPerson(store, {
      personId: p.id,
      firstName: p.name,
      timeZone: 'Asia/Kolkata',
      consent: { sms: { state: 'confirmed', source: 'counselor:c1', at: '2026-11-01T00:00:00.000Z', text: 'YES' } },
      profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
      createdAt: '2026-11-01T00:00:00.000Z',
    });
    // They said yes to the organisation: it may follow their coaching.
    await counselors.saveCohortMember({ orgId: 'org-a', cohortId: 'spring', personId: p.id, addedBy: 'c1', addedAt: '2026-11-01T00:00:00.000Z', status: 'active', consent: { state: 'accepted', at: '2026-11-02T00:00:00.000Z' } });
    // Eight weekly check-ins, Sundays, ending the Sunday before NOW; a 0 is a week they did not answer.
    for (let week = 0; week < p.scores.length; week++) {
      const at = new Date(Date.parse('2027-01-17T12:00:00.000Z') - (p.scores.length - 1 - week) * 7 * 86_400_000).toISOString();
      const message = checkin(p.id, week, at);
      await store.createMessage(message);
      const score = p.scores[week]!;
      if (score > 0) {
        await store.saveJournalEntry({ personId: p.id, entryId: `SM${p.id}${week}`, at: new Date(Date.parse(at) + 3_600_000).toISOString(), kind: 'checkin', inReplyTo: message.messageId, response: { kind: 'score', score } });
      }
    }
  }
  await store.saveJournalEntry({ personId: 'p-bilal', entryId: 'SMbilalnote', at: '2027-01-18T09:00:00.000Z', kind: 'note', text: 'words only Bilal should see' });
  await store.saveSafetyEvent({ personId: 'p-bilal', eventId: 'SMbilalrisk', at: '2027-01-18T09:00:00.000Z', kind: 'risk', rule: 'risk:test' });
  // Their yes took them into the cohort's figures (counts rebuilt from the records above).
  for (const p of people) await linkSeededMember(services, { orgId: 'org-a', cohortId: 'spring', personId: p.id });
}

beforeAll(async () => {
  issuer = testIssuer();
  services = memoryServices();
  services.at(NOW);
  services.counselorAuth = issuer.authenticator(services.clock);
  token = issuer.tokenFor({ counselorId: 'c1', orgId: 'org-a' }, {}, new Date(NOW));
  // The counselor the token names: a verified token opens nothing without the organisation's record.
  await services.counselors.saveCounselor({ counselorId: 'c1', orgId: 'org-a', email: 'c1@org-a.example.org', role: 'counselor', settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: NOW });
  await seed();
  const port = await freePort();
  services.publicBaseUrl = `http://127.0.0.1:${port}`;
  server = await serveApiHandler(async (event) => {
    const match = matchRoute(counselorDashboardRoutes, event.requestContext.http.method, event.rawPath);
    if ('status' in match) return json(match.status, { error: 'not_found' });
    return match.route.handler({ event, params: match.params, services, log: silentLogger });
  }, port);
  browser = await launchChromium({ waitMs: 60_000 });
  shotsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'matchcoach-dashboard-shots-'));
});

afterAll(async () => {
  await closeBrowser(browser);
  await server?.stop();
  issuer?.remove();
});

/**
 * Pixels of a PNG, decoded by the browser itself (a canvas in a blank page): how many differ from
 * the white background, and how many are the charts' ink blue (#0b5394, give or take antialiasing).
 */
async function inkOf(page: Page, png: Buffer): Promise<{ width: number; height: number; nonWhite: number; blue: number }> {
  const blank = await page.context().newPage();
  try {
    // A string, not a function: this code runs in the browser, where the DOM types live.
    return (await blank.evaluate(`(async () => {
      const img = new Image();
      img.src = ${JSON.stringify(`data:image/png;base64,${png.toString('base64')}`)};
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, img.width, img.height).data;
      let nonWhite = 0;
      let blue = 0;
      for (let i = 0; i < data.length; i += 4) {
        const r = data[i], g = data[i + 1], b = data[i + 2];
        if (r < 240 || g < 240 || b < 240) nonWhite += 1;
        if (Math.abs(r - 0x0b) < 40 && Math.abs(g - 0x53) < 40 && Math.abs(b - 0x94) < 40) blue += 1;
      }
      return { width: img.width, height: img.height, nonWhite, blue };
    })()`)) as { width: number; height: number; nonWhite: number; blue: number };
  } finally {
    await blank.close();
  }
}

it('signs in with a pasted token, shows a cohort with both charts drawn, and a flagged member\'s timeline', async () => {
  const { context, page } = await openPage(browser, { viewport: { width: 1280, height: 900 } });
  const cspViolations = watchCsp(page);

  await page.goto(`${server.url}/dashboard`);
  expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in');
  await expectAccessible(browser, page, 'dashboard sign-in');
  await page.getByLabel('Your access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${server.url}/dashboard`);
  const [cookie] = await context.cookies();
  expect(cookie).toMatchObject({ name: 'mc_counselor', httpOnly: true, sameSite: 'Strict' });
  expect(await page.evaluate('document.cookie')).toBe('');
  await expectAccessible(browser, page, 'dashboard: cohorts');

  await page.getByRole('link', { name: 'Spring mentoring' }).click();
  await page.getByRole('heading', { name: 'Spring mentoring' }).waitFor();
  await expectAccessible(browser, page, 'dashboard: a cohort');

  for (const [id, name] of [
    ['chart-score', 'Average check-in score, by week'],
    ['chart-response', 'Check-in response rate, by week'],
  ] as const) {
    const chart = page.locator(`#${id}`);
    // Its accessible name comes from the SVG's own title.
    expect(await page.getByRole('img', { name }).count()).toBe(1);
    const box = (await chart.boundingBox())!;
    expect(box.width).toBeGreaterThan(200);
    expect(box.height).toBeGreaterThan(70);
    const shot = await chart.screenshot({ path: path.join(shotsDir, `${id}.png`) });
    const ink = await inkOf(page, shot);
    expect(ink.width).toBeGreaterThan(200);
    // Drawn, not blank: axes and labels in grey, the series in blue.
    expect(ink.nonWhite / (ink.width * ink.height)).toBeGreaterThan(0.01);
    expect(ink.blue).toBeGreaterThan(200);
  }
  await page.screenshot({ path: path.join(shotsDir, 'cohort-laptop.png'), fullPage: true });

  // The flagged filter shows Bilal with both his open flags (crisis, low scores); his timeline keeps his words private.
  await page.getByRole('link', { name: /^Flagged \(1\)$/ }).click();
  const flagged = page.locator('#members');
  expect(await flagged.getByText('Crisis message (coaching paused)').count()).toBe(1);
  expect(await flagged.getByText('Two low check-ins in a row').count()).toBe(1);
  await flagged.getByRole('link', { name: /Bilal/ }).first().click();
  await page.getByRole('heading', { name: /Bilal/ }).waitFor();
  expect(await page.getByText('Wrote a note').count()).toBe(1);
  expect(await page.getByText('words only Bilal should see').count()).toBe(0);
  await expectAccessible(browser, page, "dashboard: a member's timeline");

  // Sign out: the cookie goes, and the dashboard asks for the token again.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You are signed out.').waitFor();
  await expectAccessible(browser, page, 'dashboard: signed out');
  expect(await context.cookies()).toEqual([]);
  await page.goto(`${server.url}/dashboard`);
  expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in');

  expect(cspViolations).toEqual([]);
  await context.close();
});

it('reads on a phone: nothing wider than the screen, charts scaled to fit', async () => {
  const { context, page } = await openPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  // Signed in as the sign-in page leaves it: the session cookie, set before the first request.
  const url = new URL(server.url);
  await context.addCookies([{ name: 'mc_counselor', value: token, domain: url.hostname, path: '/', httpOnly: true, sameSite: 'Strict' }]);
  await page.goto(`${server.url}/dashboard/cohorts/spring`);
  await page.getByRole('heading', { name: 'Spring mentoring' }).waitFor();
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
  expect(overflow).toBeLessThanOrEqual(0);
  const box = (await page.locator('#chart-score').boundingBox())!;
  expect(box.width).toBeGreaterThan(200);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  const ink = await inkOf(page, await page.locator('#chart-score').screenshot({ path: path.join(shotsDir, 'chart-score-phone.png') }));
  expect(ink.blue).toBeGreaterThan(100);
  await page.screenshot({ path: path.join(shotsDir, 'cohort-phone.png'), fullPage: true });
  await expectAccessible(browser, page, 'dashboard: a cohort on a phone');
  await context.close();
});

it('serves the same routes to a plain API client with the Bearer token (sanity of the served handler)', async () => {
  const event = counselorEvent('GET', '/counselor/cohorts/spring/report', { token });
  const match = matchRoute(counselorDashboardRoutes, 'GET', event.rawPath);
  expect('route' in match).toBe(true);
  const answer = await fetch(`${server.url}/counselor/cohorts/spring/report`, { headers: { authorization: `Bearer ${token}` } });
  expect(answer.status).toBe(200);
  const body = (await answer.json()) as { figures: { flagged: number; flags: Record<string, number>; checkins: { sent: number } } };
  expect(body.figures.checkins.sent).toBe(24);
  expect(body.figures.flagged).toBe(1);
  expect(body.figures.flags).toMatchObject({ crisis: 1, 'low-scores': 1 });
});
