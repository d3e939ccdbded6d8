import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_TWILIO } from '../../infra/local/settings';
import { signTwilioRequest, type SandboxMessage } from '../../infra/local/sms-sandbox';
import { createDynamoStore } from '../../shared/adapters/dynamo/dynamo-store';
import { helpFor } from '../../shared/app/safety/crisis-resources';
import { crisisReply } from '../../shared/domain/safety-replies';
import * as say from '../../shared/domain/sms-replies';
import type { Store } from '../../shared/ports';
import { startTestStack, type LocalStack } from '../support/local-stack';

/**
 * The SMS conversation end to end, as a person has it: `npm start`'s stack in a child process,
 * a person enrolled with the CLI, and texts sent from the SMS sandbox's phone, which signs them as
 * Twilio does and posts them to the API's webhook; our TwiML replies come back to the phone.
 * What the service recorded is read from DynamoDB Local itself.
 */

const root = path.resolve(__dirname, '../..');
const run = promisify(execFile);
jest.setTimeout(240_000);

const PHONE = '+919812345678';
const ZONE = 'Asia/Kolkata';
/** India's resources, chosen by the +91 number: what a risk text gets back. */
const CRISIS_REPLY = crisisReply(helpFor({ phone: PHONE, zone: ZONE }));

let stack: LocalStack | undefined;
let env: NodeJS.ProcessEnv;
let dataDir: string;
let ports: { api: number; ses: number; sms: number; dynamo: number };
let store: Store;
let dynamo: DynamoDBClient;
let personId: string;

const cli = async (...args: string[]) => {
  const { stdout } = await run(process.execPath, [path.join(root, 'bin/matchcoach.js'), ...args], { env, cwd: root, timeout: 60_000 });
  return stdout;
};
const sandbox = (route: string) => `http://127.0.0.1:${ports.sms}${route}`;

/** A text from the phone, through the sandbox (signed and posted to the webhook like Twilio). */
async function text(body: string): Promise<{ inbound: SandboxMessage; replies: string[] }> {
  const before = (await thread()).length;
  const res = await fetch(sandbox('/_sandbox/inbound'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: PHONE, body }) });
  expect(res.status).toBe(200);
  const inbound = (await res.json()) as SandboxMessage;
  expect(inbound.webhook).toEqual({ status: 200 });
  const replies = (await thread()).slice(before).filter((m) => m.direction === 'outbound-reply').map((m) => m.body);
  return { inbound, replies };
}

async function thread(): Promise<SandboxMessage[]> {
  const res = await fetch(sandbox(`/_sandbox/messages?to=${encodeURIComponent(PHONE)}`));
  const toPhone = (await res.json()) as SandboxMessage[];
  const fromPhone = (await (await fetch(sandbox(`/_sandbox/messages?from=${encodeURIComponent(PHONE)}`))).json()) as SandboxMessage[];
  return [...toPhone, ...fromPhone].sort((a, b) => a.dateCreated.localeCompare(b.dateCreated) || 0);
}

/** The inbound webhook exactly as the sandbox posted it for `message`: the same MessageSid, signed again. */
async function replay(message: SandboxMessage): Promise<Response> {
  const url = `http://127.0.0.1:${ports.api}/webhooks/twilio/sms`;
  const params: Record<string, string> = {
    MessageSid: message.sid, SmsMessageSid: message.sid, SmsSid: message.sid, AccountSid: LOCAL_TWILIO.accountSid, From: message.from!,
    To: message.to, Body: message.body, NumMedia: '0', NumSegments: String(message.numSegments), SmsStatus: 'received', ApiVersion: '2010-04-01',
  };
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(LOCAL_TWILIO.authToken, url, params) },
    body: new URLSearchParams(params).toString(),
  });
}

async function recorded() {
  return {
    person: await store.getPerson(personId),
    journal: await store.listJournalEntries(personId),
    safety: await store.listSafetyEvents(personId),
    messages: await store.listMessages(personId),
  };
}

beforeAll(async () => {
  ({ stack, env, ports, dataDir } = await startTestStack('matchcoach-sms-e2e-'));
  // As the CLI does: the SDK's notice about Node 22 would only clutter the test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  dynamo = new DynamoDBClient({ endpoint: `http://127.0.0.1:${ports.dynamo}`, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  store = createDynamoStore({ client: dynamo, tableName: 'matchcoach-local' });

  const out = await cli('enroll', '--email', 'priya@example.com', '--phone', PHONE, '--name', 'Priya', '--zone', ZONE, '--sequence', 'getting-started', '--season', '2027');
  personId = /^enrolled person (\S+)/.exec(out)![1]!;
});

afterAll(async () => {
  dynamo?.destroy();
  await stack?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('a conversation from the phone: YES, a score, PAUSE, a journal line, a risk message, STOP; replays change nothing', async () => {
  // Enrolled by an operator, so texts are already on: YES says so.
  expect((await text('YES')).replies).toEqual([say.alreadyOptedInReply]);
  expect((await text('4')).replies).toEqual([say.scoreReply(4)]);
  expect((await store.getPerson(personId))?.recentScores).toEqual([4]);

  const pause = (await text('PAUSE 3')).replies;
  expect(pause).toHaveLength(1);
  expect(pause[0]).toMatch(/^Paused until (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}\. Deadline alerts still come/);
  expect((await store.getPerson(personId))?.profile.pausedUntil).toBeDefined();

  const journaled = await text('Mock interview went better than I feared');
  expect(journaled.replies).toEqual([say.journalReply]);
  expect((await store.listJournalEntries(personId)).map((e) => e.text)).toContain('Mock interview went better than I feared');

  // The same webhook again (same MessageSid, valid signature): an empty answer, nothing changes.
  const before = await recorded();
  const again = await replay(journaled.inbound);
  expect(again.status).toBe(200);
  expect(await again.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  expect(await recorded()).toEqual(before);

  // A message with risk: the crisis resources come straight back, whatever the hour.
  const risk = await text("I can't do this anymore, I want to end my life");
  expect(risk.replies).toEqual([CRISIS_REPLY]);
  const reply = (await thread()).find((m) => m.direction === 'outbound-reply' && m.body === CRISIS_REPLY)!;
  expect(reply).toMatchObject({ to: PHONE, numSegments: 2, encoding: 'GSM-7' });
  const page = await (await fetch(sandbox('/phone'))).text();
  expect(page).toContain('Thank you for telling us. You matter, and you don&#39;t have to face this alone.');
  expect(page).toContain('call Tele-MANAS free on 14416. If you are in danger now, call 112.');
  const held = await store.getPerson(personId);
  expect(held?.profile.supportHold).toBe(true);
  const events = await store.listSafetyEvents(personId);
  expect(events.map((e) => e.kind)).toEqual(['risk']);
  // The alert's month is the event's (not today's, which may have turned since).
  const month = events[0]!.at.slice(0, 7);
  expect((await store.listSafetyAlerts(month)).filter((a) => a.personId === personId).map((a) => a.level)).toEqual(['risk']);

  // An operator checks in with her, then lifts the hold.
  expect(await cli('resume-coaching', '--phone', PHONE, '--by', 'operator:e2e')).toMatch(/^support hold lifted/);
  expect((await store.getPerson(personId))?.profile.supportHold).toBeUndefined();
  expect(await cli('resume-coaching', '--phone', PHONE)).toMatch(/^no support hold/);

  // STOP: the carrier's business (the sandbox blocks the number); we record it and say nothing.
  const stop = await text('STOP');
  expect(stop.replies).toEqual([]);
  expect((await store.getPerson(personId))?.consent.sms).toMatchObject({ state: 'revoked', source: 'sms-keyword' });
  expect((await store.listMessages(personId)).filter((m) => m.channel === 'sms' && m.status === 'planned')).toEqual([]);
  expect(await (await fetch(sandbox('/_sandbox/opt-outs'))).json()).toContain(PHONE);
});

test('a webhook without a valid signature is refused with 403', async () => {
  const url = `http://127.0.0.1:${ports.api}/webhooks/twilio/sms`;
  const body = new URLSearchParams({ MessageSid: 'SM' + '0'.repeat(32), From: PHONE, To: LOCAL_TWILIO.from, Body: 'START' }).toString();
  const before = await recorded();
  const variants: Record<string, string>[] = [{}, { 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' }];
  for (const headers of variants) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    expect(res.status).toBe(403);
  }
  expect(await recorded()).toEqual(before);
});
