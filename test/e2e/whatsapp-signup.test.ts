import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localWhatsAppTemplates } from '../../infra/local/settings';
import type { SandboxMessage } from '../../infra/local/sms-sandbox';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import * as wa from '../../shared/domain/whatsapp-words';
import type { Store } from '../../shared/ports';
import { startTestStack, type LocalStack } from '../support/local-stack';

/**
 * A WhatsApp sign-up end to end, as the README walks through it: the sign-up form with WhatsApp
 * ticked for a Nigerian number, the confirmation email from the mailbox, the opt-in template on
 * the sandbox's WhatsApp twin, YES from the phone page, then a message inside the 24-hour window
 * (free text) and one outside it (the approved template).
 */

const root = path.resolve(__dirname, '../..');
const run = promisify(execFile);
jest.setTimeout(240_000);

const PHONE = '+2348031234567';
const WA = `whatsapp:${PHONE}`;

let stack: LocalStack | undefined;
let env: NodeJS.ProcessEnv;
let dataDir: string;
let ports: { api: number; ses: number; sms: number; dynamo: number };
let store: Store;
let dynamo: DynamoDBClient;

const cli = async (...args: string[]) => {
  const { stdout } = await run(process.execPath, [path.join(root, 'bin/matchcoach.js'), ...args], { env, cwd: root, timeout: 60_000 });
  return stdout;
};
const sandbox = (route: string) => `http://127.0.0.1:${ports.sms}${route}`;
const toPhone = async () => (await (await fetch(sandbox(`/_sandbox/messages?to=${encodeURIComponent(WA)}`))).json()) as SandboxMessage[];

/** The phone's messages once every one has ended (delivered or failed); the bound only stops a broken test hanging. */
async function settled(): Promise<SandboxMessage[]> {
  for (let i = 0; i < 200; i++) {
    const messages = await toPhone();
    if (messages.every((m) => m.status === 'delivered' || m.status === 'failed')) return messages;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the messages to the phone never ended');
}

beforeAll(async () => {
  ({ stack, env, ports, dataDir } = await startTestStack('matchcoach-whatsapp-e2e-'));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  dynamo = new DynamoDBClient({ endpoint: `http://127.0.0.1:${ports.dynamo}`, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  store = createDynamoStore({ client: dynamo, tableName: 'matchcoach-local' });
});

afterAll(async () => {
  dynamo?.destroy();
  await stack?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('sign up for WhatsApp, confirm, answer YES on the phone page, then free text inside the window and a template outside it', async () => {
  const api = `http://127.0.0.1:${ports.api}`;
  const signup = await (await fetch(`${api}/`)).text();
  expect(signup.indexOf('id="whatsappConsent"')).toBeLessThan(signup.indexOf('id="smsConsent"'));

  const form = { email: 'ngozi@example.com', firstName: 'Ngozi', mobile: PHONE, whatsappConsent: 'yes', timeZone: 'Africa/Lagos', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1' };
  const posted = await fetch(`${api}/subscribe`, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });
  expect(posted.status).toBe(303);
  // Nothing reaches the phone until the email is confirmed.
  expect(await toPhone()).toEqual([]);

  const mailbox = (await (await fetch(`http://127.0.0.1:${ports.ses}/store`)).json()) as { emails: { destination: { to: string[] }; body: { text?: string } }[] };
  const mail = mailbox.emails.find((e) => e.destination.to.includes('ngozi@example.com'))!;
  const confirmPath = /\/confirm\/[A-Za-z0-9_.-]+/.exec(mail.body.text ?? '')![0];
  expect((await fetch(`${api}${confirmPath}`, { method: 'POST', body: new URLSearchParams({ confirm: 'yes' }) })).status).toBe(200);

  // The approved opt-in template, by its Content SID, on WhatsApp.
  const [optIn] = await toPhone();
  const optInSid = localWhatsAppTemplates().find((t) => t.name === 'optin_request')!.sid;
  expect(optIn).toMatchObject({ channel: 'whatsapp', contentSid: optInSid, direction: 'outbound-api' });
  expect(optIn!.body).toContain('Reply YES to start');

  // YES from the phone page, on WhatsApp: signed, posted to the webhook, answered on WhatsApp.
  const sent = await fetch(sandbox('/phone/send'), { method: 'POST', body: new URLSearchParams({ From: PHONE, To: '+15005550006', Channel: 'whatsapp', Body: 'YES' }), redirect: 'manual' });
  expect(sent.status).toBe(303);
  const replies = (await toPhone()).filter((m) => m.direction === 'outbound-reply').map((m) => m.body);
  expect(replies).toEqual([wa.whatsappOptInReply]);
  const page = await (await fetch(sandbox('/phone'))).text();
  expect(page).toContain(`WhatsApp · ${PHONE}`);
  expect(page).toContain('Window open until');

  const personId = (await store.findPersonIdByPhone(PHONE))!;
  expect((await store.getPerson(personId))?.consent.whatsapp).toMatchObject({ state: 'confirmed', source: 'whatsapp-keyword' });
  const window = await store.getWindow(personId);
  expect(window?.lastInboundAt).toBeDefined();

  // The first planned WhatsApp message goes as free text if it falls inside the window, as its
  // template if not (when it falls depends on the day the test runs: both are checked exactly).
  const planned = (await store.listMessages(personId)).filter((m) => m.channel === 'whatsapp' && m.status === 'planned').sort((a, b) => a.sendAt.localeCompare(b.sendAt));
  const windowEnd = Date.parse(window!.lastInboundAt!) + 23 * 3_600_000;
  const first = planned[0]!;
  await cli('tick', '--now', new Date(Math.max(Date.parse(first.sendAt), Date.now()) + 60_000).toISOString());
  const firstSent = (await toPhone()).filter((m) => m.direction === 'outbound-api' && m.contentSid !== optInSid);
  expect(firstSent).toHaveLength(1);
  if (Date.parse(first.sendAt) < windowEnd) expect(firstSent[0]!.contentSid).toBeNull();
  else expect(firstSent[0]!.contentSid).not.toBeNull();
  // ... and one after it closed goes as its approved template, delivered.
  const outside = planned.find((m) => Date.parse(m.sendAt) > windowEnd + 3_600_000 && m !== first)!;
  await cli('tick', '--now', new Date(Date.parse(outside.sendAt) + 60_000).toISOString());
  const later = (await toPhone()).filter((m) => m.direction === 'outbound-api' && m.contentSid !== optInSid).slice(1);
  expect(later.length).toBeGreaterThan(0);
  for (const m of later) expect(localWhatsAppTemplates().map((t) => t.sid)).toContain(m.contentSid);
  // Every message to the phone ends delivered: nothing went as free text outside the window (63016).
  const ended = await settled();
  expect(ended.filter((m) => m.status === 'failed')).toEqual([]);
});
