import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { LOCAL_TWILIO } from '../../infra/local/settings';
import { expectAccessible } from '../support/axe';
import { closeBrowser, launchChromium, openPage } from '../support/browser';
import { startTestStack, type LocalStack } from '../support/local-stack';

/**
 * The counselor's whole path on the local stack as `npm start` runs it (DynamoDB Local, the SES
 * twin, the SMS sandbox, the local token issuer): `matchcoach counselor add` prints a token, a
 * cohort is created and a member imported from CSV; the member texts something that signals
 * risk from the sandbox's phone page; the counselor's alert email arrives in the SES twin's
 * mailbox once; the counselor signs in to the dashboard in Debian's chromium with the printed
 * token and finds the member flagged, with both charts drawn; the weekly digest goes once.
 */

const root = path.resolve(__dirname, '../..');
jest.setTimeout(300_000);
const run = promisify(execFile);

let stack: LocalStack | undefined;
let browser: Browser | undefined;
let env: NodeJS.ProcessEnv;
let dataDir: string;
let ports: { api: number; ses: number; sms: number; dynamo: number };

const api = (p: string) => `http://127.0.0.1:${ports.api}${p}`;
const matchcoach = async (...args: string[]) => (await run(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'bin/matchcoach.ts', ...args], { cwd: root, env })).stdout;
interface StoredEmail {
  subject: string;
  destination: { to: string[] };
  body: { text?: string };
}
const mailbox = async () => ((await (await fetch(`http://127.0.0.1:${ports.ses}/store`)).json()) as { emails: StoredEmail[] }).emails;

/** Reads the mailbox until `found` holds; the inbound webhook answers before nothing else is pending, so this is a handful of reads. */
async function mailUntil(found: (emails: StoredEmail[]) => boolean): Promise<StoredEmail[]> {
  for (let i = 0; i < 50; i++) {
    const emails = await mailbox();
    if (found(emails)) return emails;
    await new Promise((r) => setTimeout(r, 200));
  }
  return mailbox();
}

beforeAll(async () => {
  ({ stack, env, ports, dataDir } = await startTestStack('matchcoach-counselor-stack-'));
  browser = await launchChromium();
});

afterAll(async () => {
  await closeBrowser(browser);
  await stack?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('a risk text reaches the counselor once by email, and the dashboard shows the member flagged with both charts drawn', async () => {
  const added = await matchcoach('counselor', 'add', '--org', 'stack-org', '--email', 'mentor@stack.example.org', '--org-name', 'Stack Org');
  const token = added.split('\n').find((line) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(line.trim()))!.trim();
  const cohortId = (await matchcoach('cohort', 'create', '--name', 'Stack cohort', '--season', '2027', '--sequence', 'getting-started', '--org', 'stack-org')).split('\n')[0]!.trim();
  const csv = path.join(dataDir, 'members.csv');
  fs.writeFileSync(csv, 'email,phone,name,time_zone\nfarah@example.com,+923001234567,Farah,Asia/Karachi\n');
  expect(await matchcoach('import', csv, '--cohort', cohortId, '--org', 'stack-org')).toContain('1 added');

  // Farah says YES to the invitation text (her yes to Stack Org too), then writes from the
  // sandbox's phone page; each webhook is signed as Twilio signs it.
  const yes = await fetch(`http://127.0.0.1:${ports.sms}/phone/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://127.0.0.1:${ports.sms}` },
    body: new URLSearchParams({ From: '+923001234567', To: LOCAL_TWILIO.from, Body: 'YES' }).toString(),
    redirect: 'manual',
  });
  expect(yes.status).toBe(303);
  const sent = await fetch(`http://127.0.0.1:${ports.sms}/phone/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://127.0.0.1:${ports.sms}` },
    body: new URLSearchParams({ From: '+923001234567', To: LOCAL_TWILIO.from, Body: 'I want to end my life' }).toString(),
    redirect: 'manual',
  });
  expect(sent.status).toBe(303);
  const alerts = (await mailUntil((emails) => emails.some((e) => e.destination.to.includes('mentor@stack.example.org')))).filter((e) => e.destination.to.includes('mentor@stack.example.org'));
  expect(alerts.map((e) => e.subject)).toEqual(['Please check in with Farah']);
  expect(alerts[0]!.body.text).toContain(api(`/dashboard/cohorts/${cohortId}/members/`));
  expect(alerts[0]!.body.text).not.toMatch(/end my life/);
  // The tick's sweep finds it sent: nothing more goes.
  expect(await matchcoach('alerts', 'sweep')).toContain('sent 0, sent before 1');

  const { context, page } = await openPage(browser!, { viewport: { width: 1280, height: 900 } });
  await page.goto(api('/dashboard'));
  await page.getByLabel('Your access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Stack cohort' }).click();
  await page.getByRole('heading', { name: 'Stack cohort' }).waitFor();
  await expectAccessible(browser!, page, 'dashboard: a cohort with a flagged member');
  for (const id of ['chart-score', 'chart-response']) {
    const box = (await page.locator(`#${id}`).boundingBox())!;
    expect(box.width).toBeGreaterThan(200);
    expect(box.height).toBeGreaterThan(70);
    // Drawn: the axes' grid lines and labels leave a non-white area (no data yet, so no blue series).
    const shot = await page.locator(`#${id}`).screenshot();
    expect(shot.length).toBeGreaterThan(1000);
  }
  // The flagged filter lists her with the reason.
  await page.getByRole('link', { name: /^Flagged \(1\)$/ }).click();
  expect(await page.locator('#members').getByText('Crisis message (coaching paused)').count()).toBe(1);
  await page.locator('#members').getByRole('link', { name: /Farah/ }).click();
  await page.getByText('Upbeat coaching is paused').waitFor();
  await expectAccessible(browser!, page, 'dashboard: a member on a support hold');
  await context.close();

  expect(await matchcoach('digest', '--org', 'stack-org')).toContain('sent 1,');
  expect(await matchcoach('digest', '--org', 'stack-org')).toContain('sent 0, sent before 1');
  const digests = (await mailbox()).filter((e) => e.subject === 'Weekly digest: Stack cohort');
  expect(digests).toHaveLength(1);
  expect(digests[0]!.body.text).toContain('Flagged: 1 member (1 sent a crisis message)');
});
