import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createCounselorApiHandler } from '../../functions/counselor-api';
import { freePort } from '../../infra/local/net';
import { serveApiHandler } from '../../infra/local/http-server';
import type { Person } from '../../shared/domain/model';
import { silentLogger } from '../../shared/ports';
import { closeBrowser, launchChromium, openPage, watchCsp } from '../support/browser';
import { testIssuer, type TestIssuer } from '../support/counselor-tokens';
import { memoryServices, type MemoryServices } from '../support/memory-services';
import { linkSeededMember, seedPerson } from '../support/seed';

/**
 * A counselor acts in a real browser (Debian's chromium through playwright-core), on a laptop and
 * on a 390 px phone: finds a member by name among many and tells two of the same name apart,
 * opens a flagged member, reaches them through the contacts they shared, marks them contacted
 * with a note, resumes their coaching; uploads a semicolon spreadsheet and reads its report; an
 * admin writes, previews and sends an announcement. Every form is a plain post under the strict
 * CSP (no script); nothing is wider than the screen. The counselors' function is served by the
 * local stack's own HTTP adapter over memory twins, with tokens from the real local issuer.
 */

jest.setTimeout(180_000);
const NOW = '2027-01-20T12:00:00.000Z';
const AT = '2026-11-01T00:00:00.000Z';

let issuer: TestIssuer;
let services: MemoryServices;
let server: { url: string; stop(): Promise<void> };
let browser: Browser;
let shotsDir: string;
let token: string;

const person = (personId: string, firstName: string, over: Partial<Person> = {}): Person => ({
  personId,
  firstName,
  timeZone: 'Africa/Accra',
  consent: { sms: { state: 'confirmed', source: 'sms-keyword', at: AT, text: 'YES' } },
  profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
  createdAt: AT,
  ...over,
});

async function seed(): Promise<void> {
  const { counselors, store } = services;
  await counselors.saveOrganisation({ orgId: 'org-a', name: 'Accra Alumni', createdAt: AT });
  await counselors.saveCohort({ cohortId: 'accra', orgId: 'org-a', name: 'Accra 2027', season: 2027, sequenceIds: ['getting-started'], anchorOverrides: {}, archived: false, createdAt: AT, updatedAt: AT });
  const names = ['Ama', 'Kofi', 'Esi', 'Yaw', 'Akua', 'Kojo', 'Abena', 'Kwesi', 'Efua', 'Kwabena'];
  for (let i = 0; i < 60; i++) {
    const id = `p-${String(i).padStart(2, '0')}`;
    await seedPerson(store, person(id, i < 3 ? 'Kwame' : names[i % names.length]!, { phone: `+2332000000${String(i).padStart(2, '0')}` }));
    await counselors.saveCohortMember({ orgId: 'org-a', cohortId: 'accra', personId: id, addedBy: 'c1', addedAt: AT, status: 'active', consent: { state: 'accepted', at: AT } });
  }
  for (let i = 0; i < 10; i++) {
    const id = `p-wait-${i}`;
    await seedPerson(store, person(id, `Hidden ${i}`, { phone: `+2332100000${String(i).padStart(2, '0')}` }));
    await counselors.saveCohortMember({ orgId: 'org-a', cohortId: 'accra', personId: id, addedBy: 'c1', addedAt: AT, status: 'active', consent: { state: 'pending', at: AT }, label: { firstName: `Typed ${i}` } });
  }
  // The first Kwame texted something that worried us: on hold, flagged; he shared his number with the organisation.
  const kwame = (await store.getPerson('p-00'))!;
  await store.savePerson({ ...kwame, profile: { ...kwame.profile, supportHold: true } });
  await counselors.saveCohortMember({ orgId: 'org-a', cohortId: 'accra', personId: 'p-00', addedBy: 'c1', addedAt: AT, status: 'active', consent: { state: 'accepted', at: AT }, contactShare: { phone: { at: AT, source: 'join-link', text: 'shared' } } });
  await store.saveSafetyEvent({ personId: 'p-00', eventId: 'SMrisk', at: '2027-01-19T21:00:00.000Z', kind: 'risk', rule: 'risk:test' });
  for (let i = 0; i < 60; i++) await linkSeededMember(services, { orgId: 'org-a', cohortId: 'accra', personId: `p-${String(i).padStart(2, '0')}` });
}

beforeAll(async () => {
  issuer = testIssuer();
  services = memoryServices();
  services.at(NOW);
  services.counselorAuth = issuer.authenticator(services.clock);
  token = issuer.tokenFor({ counselorId: 'c1', orgId: 'org-a', role: 'admin' }, {}, new Date(NOW));
  await services.counselors.saveCounselor({ counselorId: 'c1', orgId: 'org-a', email: 'c1@org-a.example.org', role: 'admin', settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: NOW });
  await seed();
  const port = await freePort();
  services.publicBaseUrl = `http://127.0.0.1:${port}`;
  server = await serveApiHandler(createCounselorApiHandler(Promise.resolve(services), silentLogger), port);
  browser = await launchChromium({ waitMs: 60_000 });
  shotsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'matchcoach-act-shots-'));
});

afterAll(async () => {
  await closeBrowser(browser);
  await server?.stop();
  issuer?.remove();
});

/** A signed-in browser (the session cookie as the sign-in page sets it), collecting CSP complaints. */
async function signedIn(viewport: { width: number; height: number }, mobile = false): Promise<{ context: BrowserContext; page: Page; csp: string[] }> {
  const { context, page } = await openPage(browser, { viewport, ...(mobile && { isMobile: true, hasTouch: true }) });
  const url = new URL(server.url);
  await context.addCookies([{ name: 'mc_counselor', value: token, domain: url.hostname, path: '/', httpOnly: true, sameSite: 'Strict' }]);
  const csp = watchCsp(page);
  return { context, page, csp };
}

const overflow = (page: Page) => page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as Promise<number>;

it('finds a Kwame among many, reaches the flagged one through his shared number, marks him contacted and resumes his coaching', async () => {
  const { context, page, csp } = await signedIn({ width: 1280, height: 900 });
  await page.goto(`${server.url}/dashboard`);
  const row = page.locator('#cohorts tbody tr', { hasText: 'Accra 2027' });
  expect(await row.locator('td.num').allTextContents()).toEqual(['60', '10', '1 flagged']);
  await page.getByRole('link', { name: 'Accra 2027' }).click();
  await page.getByRole('heading', { name: 'Accra 2027' }).waitFor();
  // 70 people: the first page holds 50; the next page the rest.
  expect(await page.locator('#members tbody tr').count()).toBe(50);
  await page.getByRole('link', { name: 'Next page' }).click();
  await page.waitForURL(/after=/);
  expect(await page.locator('#members tbody tr').count()).toBe(20);

  // Exact search by first name: three Kwames, told apart by their tags; nobody waiting is ever found.
  await page.getByLabel('Find a member who said yes: first name, email or phone, exactly').fill('kwame');
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByText('3 members have that name.', { exact: false }).waitFor();
  const tags = await page.locator('#members .tagid').allTextContents();
  expect(new Set(tags).size).toBe(3);
  await page.getByLabel('Find a member who said yes: first name, email or phone, exactly').fill('Hidden 1');
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByText('No member who said yes to your organisation has that name.').waitFor();

  await page.getByRole('link', { name: /^Flagged \(1\)$/ }).click();
  await page.locator('#members').getByText('Crisis message (coaching paused)').waitFor();
  await page.locator('#members').getByRole('link', { name: /Kwame/ }).click();
  await page.getByRole('heading', { name: /Kwame/ }).waitFor();
  expect(await page.getByRole('link', { name: '+233200000000' }).getAttribute('href')).toBe('tel:+233200000000');
  expect(await page.getByText('Reach them first by phone or text').count()).toBe(1);
  await page.screenshot({ path: path.join(shotsDir, 'member-laptop.png'), fullPage: true });

  await page.getByLabel('How you reached them').selectOption('phone');
  await page.getByLabel('A note for the other counselors (optional)').fill('Called Kwame; he is safe and has his mentor’s number.');
  await page.getByRole('button', { name: 'Mark as contacted' }).click();
  await page.getByText('Marked as contacted.').waitFor();
  expect(await page.locator('#notes').getByText('he is safe').count()).toBe(1);
  expect(await page.locator('#open-flags').textContent()).toBe('No open flags.');

  await page.getByRole('button', { name: 'Resume coaching: I have checked in with them' }).click();
  await page.locator('#done').getByText('Coaching resumed').waitFor();
  expect(await page.getByText('Upbeat coaching is paused').count()).toBe(0);
  expect((await services.store.getPerson('p-00'))!.profile.supportHold).toBeUndefined();
  const actions = (await services.counselors.listAudit('org-a')).map((e) => e.action);
  expect(actions).toEqual(expect.arrayContaining(['member.view', 'member.contacted', 'member.resume']));
  expect(csp).toEqual([]);
  await context.close();
});

it('uploads a spreadsheet saved with semicolons and reads the report of every row', async () => {
  const { context, page, csp } = await signedIn({ width: 1280, height: 900 });
  await page.goto(`${server.url}/dashboard/cohorts/accra`);
  const file = path.join(shotsDir, 'members.csv');
  fs.writeFileSync(file, 'Email;Name;Time Zone\r\nnana@example.com;Nana;Africa/Accra\r\nnot-an-address;Esi;Africa/Accra\r\n');
  await page.getByLabel('CSV file (up to 4 MB and 20,000 rows)').setInputFiles(file);
  await page.getByRole('button', { name: 'Upload and add' }).click();
  await page.getByRole('heading', { name: 'Upload report' }).waitFor();
  const rows = await page.locator('#rows tbody tr').allTextContents();
  expect(rows).toHaveLength(2);
  expect(rows[0]).toMatch(/^2Added$/);
  expect(rows[1]).toMatch(/^3Not addedemail: expected an email address/);
  expect(await page.getByText('1 invitation is on their way').count()).toBe(1);
  expect(csp).toEqual([]);
  await context.close();
});

it('an admin writes an announcement, sees who gets it and how, and sends it', async () => {
  const { context, page, csp } = await signedIn({ width: 1280, height: 900 });
  await page.goto(`${server.url}/dashboard`);
  await page.getByRole('link', { name: 'Send an announcement' }).click();
  await page.getByLabel('The text').fill('J-1 interview slots reopened today at most consulates. Book early.');
  await page.getByLabel(/Accra 2027/).check();
  await page.getByRole('button', { name: 'Preview who gets it' }).click();
  await page.getByRole('heading', { name: 'Who gets it, and how' }).waitFor();
  expect(await page.locator('#recipients .n').textContent()).toBe('60');
  expect(await page.locator('#sms-preview').textContent()).toBe('Accra Alumni via Match Coach: J-1 interview slots reopened today at most consulates. Book early. Reply STOP to end.');
  await page.getByRole('button', { name: 'Send to 60 people' }).click();
  await page.getByText('60 messages are queued').waitFor();
  expect((await services.store.listMessages('p-05')).filter((m) => m.announcement)).toHaveLength(1);
  expect(csp).toEqual([]);
  await context.close();
});

it('on a 390 px phone, every new page fits the screen and its forms work', async () => {
  const { context, page, csp } = await signedIn({ width: 390, height: 844 }, true);
  for (const address of ['/dashboard', '/dashboard/cohorts/accra', '/dashboard/cohorts/accra?show=flagged', '/dashboard/cohorts/accra?q=Kwame', '/dashboard/cohorts/accra/members/p-01', '/dashboard/announcements']) {
    await page.goto(`${server.url}${address}`);
    await page.locator('h1').waitFor();
    expect({ address, overflow: await overflow(page) }).toEqual({ address, overflow: 0 });
    await page.screenshot({ path: path.join(shotsDir, `phone-${address.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
  }
  // A form on the phone: mark the second Kwame contacted.
  await page.goto(`${server.url}/dashboard/cohorts/accra/members/p-01`);
  await page.getByLabel('How you reached them').selectOption('text');
  await page.getByRole('button', { name: 'Mark as contacted' }).tap();
  await page.getByText('Marked as contacted.').waitFor();
  expect(await overflow(page)).toBe(0);
  // The announcement's preview on the phone.
  await page.goto(`${server.url}/dashboard/announcements`);
  await page.getByLabel('The text').fill('Reminder: the NRMP fee rises next week.');
  await page.getByRole('button', { name: 'Preview who gets it' }).tap();
  await page.getByRole('heading', { name: 'Who gets it, and how' }).waitFor();
  expect(await overflow(page)).toBe(0);
  expect(csp).toEqual([]);
  await context.close();
});
