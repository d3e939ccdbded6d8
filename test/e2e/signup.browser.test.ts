import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Browser } from 'playwright-core';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import type { Store } from '../../shared/ports';
import { localSettings } from '../../infra/local/settings';
import { issueToken } from '../../shared/domain/tokens';
import { expectAccessible } from '../support/axe';
import { closeBrowser, launchChromium, openPage, watchCsp } from '../support/browser';
import { startTestStack, type LocalStack } from '../support/local-stack';

/**
 * A person signs up in a real browser (Debian's chromium, driven by playwright-core) against the
 * whole local stack as `npm start` runs it: the sign-up page (screenshot kept), the confirmation
 * email found in the SES twin's mailbox, the confirmation page, the preference centre, then the
 * RFC 8058 one-click unsubscribe of the link coaching emails carry, and a complaint injected as
 * the local stack allows (LOCAL_SES_EVENTS=1). The stored record is read straight from DynamoDB
 * Local.
 */

jest.setTimeout(300_000);

let stack: LocalStack | undefined;
let browser: Browser | undefined;
let env: NodeJS.ProcessEnv;
let dataDir: string;
let shotsDir: string;
let ports: { api: number; ses: number; sms: number; dynamo: number };
let store: Store;

const api = (p: string) => `http://127.0.0.1:${ports.api}${p}`;

interface StoredEmail {
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
  headers?: { name: string; value: string }[];
}
const mailbox = async () => ((await (await fetch(`http://127.0.0.1:${ports.ses}/store`)).json()) as { emails: StoredEmail[] }).emails;

beforeAll(async () => {
  ({ stack, env, ports, dataDir } = await startTestStack('matchcoach-browser-'));
  shotsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'matchcoach-shots-'));
  store = createDynamoStore({
    client: new DynamoDBClient({ endpoint: `http://127.0.0.1:${ports.dynamo}`, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    tableName: 'matchcoach-local',
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await closeBrowser(browser);
  await stack?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(shotsDir, { recursive: true, force: true });
});

test('sign up, confirm from the mailbox, change preferences, unsubscribe with one click', async () => {
  const { context, page } = await openPage(browser!, { timezoneId: 'Asia/Kolkata', viewport: { width: 390, height: 844 }, locale: 'en-IN' });
  const cspViolations = watchCsp(page);

  // The sign-up page: the browser's zone is filled in (the inline script is allowed by its hash).
  const response = await page.goto(api('/'));
  expect(response!.status()).toBe(200);
  expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
  expect(response!.headers()['set-cookie']).toBeUndefined();
  const detected = await page.locator('#timeZone').inputValue();
  expect(['Asia/Kolkata', 'Asia/Calcutta']).toContain(detected);
  await expect(page.locator('#timeZone-detected').isVisible()).resolves.toBe(true);
  expect(await page.locator('#smsConsent').isChecked()).toBe(false);
  await expectAccessible(browser!, page, 'sign-up');
  const shot = path.join(shotsDir, 'signup.png');
  await page.screenshot({ path: shot, fullPage: true });
  const png = fs.readFileSync(shot);
  expect(png.length).toBeGreaterThan(1_000);
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);

  await page.getByLabel('Email address').fill('meera.iyer@example.com');
  await page.getByLabel('First name (optional)').fill('Meera');
  await page.getByLabel('Which Match are you applying for?').selectOption('2027');
  await page.getByLabel('Visa').selectOption('j1');
  await page.getByLabel('USMLE Step 2 CK exam').fill('2027-02-15');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL(api('/check-your-inbox'));
  await expect(page.locator('h1').textContent()).resolves.toBe('Check your inbox');
  await expectAccessible(browser!, page, 'check your inbox');

  // Only the confirmation email, and nothing planned yet.
  const [confirmation, ...others] = await mailbox();
  expect(others).toEqual([]);
  expect(confirmation!.destination.to).toEqual(['meera.iyer@example.com']);
  expect(confirmation!.subject).toBe('Please confirm your Match Coach sign-up');
  const personId = (await store.findPersonIdByEmail('meera.iyer@example.com'))!;
  expect((await store.getPerson(personId))!.consent.email).toMatchObject({ state: 'pending', source: 'web' });
  expect(await store.listMessages(personId)).toEqual([]);

  // Opening the link shows a button; only the press confirms (a mail scanner's GET does nothing).
  const confirmUrl = /http:\/\/127\.0\.0\.1:\d+\/confirm\/[A-Za-z0-9_.-]+/.exec(confirmation!.body.text!)![0];
  await page.goto(confirmUrl);
  expect((await store.getPerson(personId))!.consent.email!.state).toBe('pending');
  await expectAccessible(browser!, page, 'confirm prompt');
  await page.getByRole('button', { name: 'Yes, confirm my sign-up' }).click();
  await expect(page.locator('h1').textContent()).resolves.toBe('You are in. Welcome to Match Coach.');
  await expectAccessible(browser!, page, 'confirmed');
  expect((await store.getPerson(personId))!.consent.email!.state).toBe('confirmed');
  expect((await store.listMessages(personId)).some((m) => m.channel === 'email' && m.status === 'planned')).toBe(true);

  // The preference centre: a longer quiet window, a week's pause, and no Saturday reflections.
  await page.getByRole('link', { name: 'Open my preferences' }).click();
  await expect(page.locator('h1').textContent()).resolves.toBe('Meera, your Match Coach preferences');
  await expectAccessible(browser!, page, 'preferences');
  await page.getByLabel('From').selectOption('20:00');
  await page.getByLabel('Pause coaching').selectOption('7');
  await expect(page.getByLabel('A reflection question each Wednesday').isChecked()).resolves.toBe(true);
  await page.getByLabel('A reflection question each Wednesday').uncheck();
  await page.getByRole('button', { name: 'Save my preferences' }).click();
  await expect(page.getByRole('status').textContent()).resolves.toContain('Saved.');
  await expectAccessible(browser!, page, 'preferences saved');
  const saved = (await store.getPerson(personId))!;
  expect(saved.quietHours).toEqual({ start: '20:00', end: '08:00' });
  expect(Date.parse(saved.profile.pausedUntil!)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
  expect(saved.profile.mutedSequences).toEqual(['weekly-reflection']);
  await expect(page.getByLabel('A reflection question each Wednesday').isChecked()).resolves.toBe(false);
  await expect(page.getByLabel('Self-care: short nudges twice a week and an occasional email').isChecked()).resolves.toBe(true);
  expect(cspViolations).toEqual([]);
  await context.close();

  // The List-Unsubscribe link every coaching email carries, built as the dispatcher builds it
  // (shared/adapters/services.ts: the unsubscribe token under the stack's TOKEN_SECRET).
  const unsubscribeUrl = api(`/unsubscribe/${issueToken(localSettings(env).env.TOKEN_SECRET, 'unsubscribe', personId, new Date())}`);

  // GET (a scanner) changes nothing; the one-click POST unsubscribes: 200, no redirect, twice.
  expect((await fetch(unsubscribeUrl)).status).toBe(200);
  expect((await store.getPerson(personId))!.consent.email!.state).toBe('confirmed');
  const multipart = new FormData();
  multipart.set('List-Unsubscribe', 'One-Click');
  // Mail providers post urlencoded or multipart, and may post more than once.
  for (const body of ['List-Unsubscribe=One-Click', multipart]) {
    const res = await fetch(unsubscribeUrl, {
      method: 'POST',
      redirect: 'manual',
      ...(typeof body === 'string' && { headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('set-cookie')).toBeNull();
  }
  expect((await store.getPerson(personId))!.consent.email).toMatchObject({ state: 'revoked', source: 'one-click' });
  expect((await store.listMessages(personId)).filter((m) => m.channel === 'email' && m.status === 'planned')).toEqual([]);

  // The local stack takes unsigned SES events (LOCAL_SES_EVENTS=1): a complaint suppresses.
  const complaint = {
    Type: 'Notification', MessageId: 'local-1', TopicArn: 'arn:aws:sns:local:000000000000:ses-events', Timestamp: new Date().toISOString(),
    Message: JSON.stringify({ eventType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: 'meera.iyer@example.com' }] }, mail: { destination: ['meera.iyer@example.com'] } }),
  };
  const injected = await fetch(api('/webhooks/ses'), { method: 'POST', headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: JSON.stringify(complaint) });
  expect(await injected.json()).toEqual({ status: 'suppressed', suppressed: 1, unknown: 0 });
  expect((await store.getPerson(personId))!.consent.email).toMatchObject({ state: 'revoked', source: 'ses-complaint' });
});
