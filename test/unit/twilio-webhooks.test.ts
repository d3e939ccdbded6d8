import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import twilio from 'twilio';
import { createApiHandler } from '../../functions/api';
import { escapeXml } from '../../functions/routes/twilio';
import { isSignedByTwilio } from '../../shared/domain/twilio-signature';
import { twimlReplies } from '../../infra/local/sms-sandbox';
import { createDispatcher } from '../../shared/app/dispatch/dispatcher';
import { enroll } from '../../shared/app/scheduling/enroll';
import { helpFor } from '../../shared/app/safety/crisis-resources';
import { crisisReply } from '../../shared/domain/safety-replies';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../shared/domain/model';
import { DELIVERY_RANK } from '../../shared/domain/delivery';
import * as say from '../../shared/domain/sms-replies';
import { silentLogger, type Store } from '../../shared/ports';
import { memoryServices, TEST_PUBLIC_BASE_URL, TEST_TWILIO_AUTH_TOKEN, type MemoryServices } from '../support/memory-services';
import { report } from '../support/report';

/**
 * Twilio's two webhooks through functions/api.ts's handler, over memory twins: signatures (the
 * library's known vector, 403 with no side effect), TwiML, replays, status callbacks that repeat
 * and arrive out of order, and properties over arbitrary requests (never a 5xx; a refused
 * request changes nothing).
 */

jest.setTimeout(120_000);

const PHONE = '+919812345678';
const OUR_NUMBER = '+15005550006';
/** India's resources, chosen by Priya's +91 number. */
const CRISIS_REPLY = crisisReply(helpFor({ phone: PHONE, zone: 'Asia/Kolkata' }));
const SMS_PATH = '/webhooks/twilio/sms';
const STATUS_PATH = '/webhooks/twilio/status';
const hex32 = (n: number) => n.toString(16).padStart(32, '0');

/** Counts every call that may write (everything but reads), to prove a refused request wrote nothing. */
function recording(store: Store) {
  const writes: string[] = [];
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || /^(get|list|find|due)/.test(String(property))) return value;
      return (...args: unknown[]) => {
        writes.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, writes };
}

async function world() {
  const base = memoryServices();
  const { store, writes } = recording(base.store);
  const services: MemoryServices = { ...base, store };
  services.at = base.at;
  const handler = createApiHandler(Promise.resolve(services), silentLogger);
  base.at('2027-01-04T04:00:00.000Z');
  const { personId } = await enroll(services, {
    email: 'priya@example.com', phone: PHONE, firstName: 'Priya', timeZone: 'Asia/Kolkata', sequenceId: 'getting-started', season: 2027,
  });
  // The welcome text goes out with a status callback URL carrying our ids.
  base.at('2027-01-04T13:31:00.000Z');
  await createDispatcher(services)();
  const sent = (await base.store.listMessages(personId)).find((m) => m.channel === 'sms' && m.status === 'sent')!;
  const callbackUrl = base.sms.sent[0]!.statusCallbackUrl!;
  writes.length = 0;
  let sid = 0;
  return {
    services,
    handler,
    writes,
    personId,
    sent,
    callbackUrl,
    nextSid: () => `SM${hex32(++sid)}`,
    snapshot: async () => ({
      person: await base.store.getPerson(personId),
      messages: await base.store.listMessages(personId),
      enrollments: await base.store.listEnrollments(personId),
      journal: await base.store.listJournalEntries(personId),
      safety: await base.store.listSafetyEvents(personId),
      alerts: await base.store.listSafetyAlerts('2027-01'),
    }),
  };
}

interface RequestShape {
  path: string;
  query?: string;
  body?: string;
  base64?: boolean;
  headers?: Record<string, string>;
  method?: string;
}

function event(r: RequestShape): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: r.path,
    rawQueryString: r.query ?? '',
    headers: r.headers ?? {},
    requestContext: { http: { method: r.method ?? 'POST', path: r.path } },
    body: r.body,
    isBase64Encoded: r.base64 ?? false,
  } as unknown as APIGatewayProxyEventV2;
}

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
const urlOf = (path: string, query = '') => `${TEST_PUBLIC_BASE_URL}${path}${query ? `?${query}` : ''}`;
const sign = (path: string, params: Record<string, string>, query = '', token = TEST_TWILIO_AUTH_TOKEN) =>
  twilio.getExpectedTwilioSignature(token, urlOf(path, query), params);

/** A form POST signed the way Twilio signs it. */
function signedPost(path: string, params: Record<string, string>, query = '', extraHeaders: Record<string, string> = {}): RequestShape {
  return {
    path,
    query,
    body: form(params),
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'x-twilio-signature': sign(path, params, query), ...extraHeaders },
  };
}

/** Twilio's parameters for an inbound SMS. */
const inbound = (messageSid: string, body: string, from = PHONE) => ({
  MessageSid: messageSid, SmsMessageSid: messageSid, SmsSid: messageSid, AccountSid: 'AC' + hex32(7), From: from, To: OUR_NUMBER,
  Body: body, NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01', FromCountry: 'IN',
});

const statusParams = (messageSid: string, status: string, errorCode?: string) => ({
  MessageSid: messageSid, SmsSid: messageSid, MessageStatus: status, SmsStatus: status, To: PHONE, From: OUR_NUMBER,
  AccountSid: 'AC' + hex32(7), ApiVersion: '2010-04-01', ...(errorCode ? { ErrorCode: errorCode } : {}),
});

describe('signatures', () => {
  it("reproduces the twilio library's own known vector in the check the routes use", () => {
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
    expect(twilio.getExpectedTwilioSignature('12345', url, params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(isSignedByTwilio('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, params)).toBe(true);
    expect(isSignedByTwilio('12346', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, params)).toBe(false);
    expect(isSignedByTwilio('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', url, { ...params, Digits: '1235' })).toBe(false);
    expect(isSignedByTwilio('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'https://mycompany.com/myapp.php?foo=1&bar=3', params)).toBe(false);
    expect(isSignedByTwilio('12345', '', url, params)).toBe(false);
    expect(isSignedByTwilio('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'not a url', params)).toBe(false);
  });

  it.each([
    ['missing', (r: RequestShape) => ({ ...r, headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
    ['empty', (r: RequestShape) => ({ ...r, headers: { ...r.headers, 'x-twilio-signature': '' } })],
    ['wrong', (r: RequestShape) => ({ ...r, headers: { ...r.headers, 'x-twilio-signature': 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' } })],
    ['for another token', (r: RequestShape) => ({ ...r, headers: { ...r.headers, 'x-twilio-signature': twilio.getExpectedTwilioSignature('other-token', urlOf(SMS_PATH), Object.fromEntries(new URLSearchParams(r.body))) } })],
    ['over another URL', (r: RequestShape) => ({ ...r, headers: { ...r.headers, 'x-twilio-signature': twilio.getExpectedTwilioSignature(TEST_TWILIO_AUTH_TOKEN, `http://coach.example.test${SMS_PATH}`, Object.fromEntries(new URLSearchParams(r.body))) } })],
    ['over other parameters', (r: RequestShape) => ({ ...r, body: r.body!.replace('Body=STOP', 'Body=START') })],
    ['over another query', (r: RequestShape) => ({ ...r, query: 'x=1' })],
  ])('an inbound text with a %s signature gets 403 and changes nothing', async (_name, tamper) => {
    const w = await world();
    const before = await w.snapshot();
    const res = await w.handler(event(tamper(signedPost(SMS_PATH, inbound(w.nextSid(), 'STOP')))));
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('Response');
    expect(w.writes).toEqual([]);
    expect(await w.snapshot()).toEqual(before);
  });

  it('a status callback with a wrong signature, or with our ids changed in the URL, gets 403 and changes nothing', async () => {
    const w = await world();
    const query = new URL(w.callbackUrl).search.slice(1);
    const good = signedPost(STATUS_PATH, statusParams(w.sent.providerId!, 'delivered'), query);
    const before = await w.snapshot();
    const forged = { ...good, query: query.replace(/m=[^&]*/, 'm=someone-else') };
    for (const r of [forged, { ...good, headers: { 'content-type': 'application/x-www-form-urlencoded' } }]) {
      expect((await w.handler(event(r))).statusCode).toBe(403);
    }
    expect(w.writes).toEqual([]);
    expect(await w.snapshot()).toEqual(before);
    expect((await w.handler(event(good))).statusCode).toBe(204);
  });
});

describe('inbound texts', () => {
  it('answers with TwiML, tolerating the extra parameters Twilio sends', async () => {
    const w = await world();
    const res = await w.handler(event(signedPost(SMS_PATH, inbound(w.nextSid(), 'HELP'))));
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('text/xml; charset=utf-8');
    expect(res.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Message>Match Coach: .*<\/Message><\/Response>$/);
    expect(twimlReplies(res.body!)).toEqual([say.helpReply('help@coach.example.test')]);
  });

  it('a risk text gets the crisis resources as the reply, whatever the hour', async () => {
    const w = await world();
    w.services.at('2027-01-04T17:45:00.000Z'); // 23:15 in Kolkata
    const res = await w.handler(event(signedPost(SMS_PATH, inbound(w.nextSid(), "honestly I don't want to live anymore"))));
    expect(twimlReplies(res.body!)).toEqual([CRISIS_REPLY]);
    expect((await w.services.store.getPerson(w.personId))?.profile.supportHold).toBe(true);
  });

  it('a replayed webhook (same MessageSid, same valid signature) gets an empty TwiML answer and changes nothing', async () => {
    const w = await world();
    const request = event(signedPost(SMS_PATH, inbound(w.nextSid(), 'Today was hard but I finished the NBME')));
    expect(twimlReplies((await w.handler(request)).body!)).toEqual([say.journalReply]);
    const before = await w.snapshot();
    const writesBefore = w.writes.length;
    const again = await w.handler(request);
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect(await w.snapshot()).toEqual(before);
    // The only write a replay makes is the claim that refuses it.
    expect(w.writes.slice(writesBefore)).toEqual(['claimInboundSms']);
  });

  it('signed but malformed parameters get a clear 400 and change nothing', async () => {
    const w = await world();
    const before = await w.snapshot();
    for (const params of [{ From: PHONE, To: OUR_NUMBER, Body: 'hi' }, { ...inbound('SM123', 'hi') }, { ...inbound(w.nextSid(), 'x'.repeat(3300)) }]) {
      const res = await w.handler(event(signedPost(SMS_PATH, params)));
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body!)).toMatchObject({ error: expect.any(String), message: expect.stringMatching(/MessageSid|body|Body/) });
    }
    expect(w.writes).toEqual([]);
    expect(await w.snapshot()).toEqual(before);
  });

  it('escapes what XML cannot carry as it is', () => {
    expect(escapeXml(`<b>&"'</b>\u0000\u0007ok`)).toBe('&lt;b&gt;&amp;&quot;&apos;&lt;/b&gt;ok');
    expect(twimlReplies(`<Response><Message>${escapeXml('a < b & "c"')}</Message></Response>`)).toEqual(['a < b & "c"']);
  });
});

describe('status callbacks', () => {
  const post = (w: Awaited<ReturnType<typeof world>>, status: string, errorCode?: string) =>
    w.handler(event(signedPost(STATUS_PATH, statusParams(w.sent.providerId!, status, errorCode), new URL(w.callbackUrl).search.slice(1))));

  it('record the latest state with its time, and an error code when a text did not arrive', async () => {
    const w = await world();
    expect((await post(w, 'sent')).statusCode).toBe(204);
    expect((await w.services.store.getMessage(w.personId, w.sent.messageId))?.delivery).toEqual({ status: 'sent', at: '2027-01-04T13:31:00.000Z' });
    w.services.at('2027-01-04T13:32:00.000Z');
    expect((await post(w, 'undelivered', '30003')).statusCode).toBe(204);
    expect((await w.services.store.getMessage(w.personId, w.sent.messageId))?.delivery).toEqual({ status: 'undelivered', at: '2027-01-04T13:32:00.000Z', errorCode: 30003 });
    // The message's own outcome (our send) is untouched: delivery is the carrier's side.
    expect((await w.services.store.getMessage(w.personId, w.sent.messageId))?.status).toBe('sent');
  });

  it('a state we do not track is acknowledged and ignored; bad ids or fields get 400', async () => {
    const w = await world();
    expect((await post(w, 'partially_delivered')).statusCode).toBe(204);
    expect(w.writes).toEqual([]);
    const unsigned = (query: string, params: Record<string, string>) => w.handler(event(signedPost(STATUS_PATH, params, query)));
    expect((await unsigned('', statusParams(w.sent.providerId!, 'delivered'))).statusCode).toBe(400);
    expect((await unsigned(new URL(w.callbackUrl).search.slice(1), statusParams('SMnope', 'delivered'))).statusCode).toBe(400);
    expect((await unsigned(new URL(w.callbackUrl).search.slice(1), statusParams(w.sent.providerId!, 'Delivered!'))).statusCode).toBe(400);
    expect((await unsigned(new URL(w.callbackUrl).search.slice(1), statusParams(w.sent.providerId!, 'failed', '3x'))).statusCode).toBe(400);
    expect(w.writes).toEqual([]);
    // A callback for a message we no longer have (erased) is acknowledged and creates nothing.
    const gone = `p=${w.personId}&m=gone`;
    expect((await unsigned(gone, statusParams(w.sent.providerId!, 'delivered'))).statusCode).toBe(204);
    expect(await w.services.store.getMessage(w.personId, 'gone')).toBeUndefined();
  });

  it('duplicated and out-of-order callbacks converge to the latest state, one by one or all at once (property)', async () => {
    const w = await world();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...DELIVERY_STATUSES), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        async (statuses: DeliveryStatus[], concurrent) => {
          // A fresh message for each run, as the dispatcher would send it.
          const messageId = `${w.sent.messageId}.run${++run}`;
          await w.services.store.createMessage({ ...w.sent, messageId });
          const query = `p=${encodeURIComponent(w.personId)}&m=${encodeURIComponent(messageId)}`;
          const requests = statuses.map((s) => event(signedPost(STATUS_PATH, statusParams(w.sent.providerId!, s, s === 'failed' ? '30008' : undefined), query)));
          const answers = concurrent ? await Promise.all(requests.map((r) => w.handler(r))) : await sequentially(requests, w.handler);
          expect(answers.every((a) => a.statusCode === 204)).toBe(true);
          const latest = statuses.reduce((a, b) => (DELIVERY_RANK[b] > DELIVERY_RANK[a] ? b : a));
          expect((await w.services.store.getMessage(w.personId, messageId))?.delivery?.status).toBe(latest);
        },
      ),
      { numRuns: 300 },
    );
  });
});

async function sequentially(requests: APIGatewayProxyEventV2[], handler: (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>) {
  const out: APIGatewayProxyStructuredResultV2[] = [];
  for (const r of requests) out.push(await handler(r));
  return out;
}

// ---- properties over arbitrary requests ------------------------------------------------------------

const FIELD_NAMES = ['MessageSid', 'SmsSid', 'From', 'To', 'Body', 'MessageStatus', 'ErrorCode', 'NumMedia', 'AccountSid'];
const VALUES = [PHONE, OUR_NUMBER, 'STOP', 'YES', 'START', 'HELP', 'PAUSE 3', 'RESUME', '4', 'DONE', 'GOAL 40 qs', 'i want to die', 'so hopeless',
  'please stop texting me', 'delivered', 'failed', 'sent', '30003', '', '<Response>&', '\u0000', '🙂'];

const paramsArb = fc.dictionary(
  fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 12 })),
  fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 })),
  { maxKeys: 9 },
);

type Encoding = 'urlencoded' | 'multipart' | 'broken-multipart' | 'json' | 'text' | 'no-type' | 'random';
// Weighted toward what Twilio sends, so that enough requests get past the signature to the use cases.
const encodingArb = fc.oneof(
  { arbitrary: fc.constant<Encoding>('urlencoded'), weight: 5 },
  { arbitrary: fc.constant<Encoding>('multipart'), weight: 2 },
  { arbitrary: fc.constantFrom<Encoding>('broken-multipart', 'json', 'text', 'no-type', 'random'), weight: 3 },
);
type SignatureChoice = { kind: 'valid' } | { kind: 'none' } | { kind: 'random'; value: string } | { kind: 'vector' };
const signatureArb = fc.oneof(
  { arbitrary: fc.constant<SignatureChoice>({ kind: 'valid' }), weight: 4 },
  fc.constant<SignatureChoice>({ kind: 'none' }),
  fc.constant<SignatureChoice>({ kind: 'vector' }),
  fc.string({ maxLength: 40 }).map((value): SignatureChoice => ({ kind: 'random', value })),
);
const headersArb = fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 60 }), { maxKeys: 4 });

function encode(params: Record<string, string>, encoding: Encoding, random: string): { body: string | undefined; type?: string } {
  switch (encoding) {
    case 'urlencoded':
      return { body: form(params), type: 'application/x-www-form-urlencoded; charset=UTF-8' };
    case 'no-type':
      return { body: form(params) };
    case 'multipart': {
      const boundary = 'b0undary' + random.replace(/[^a-z0-9]/gi, '').slice(0, 10);
      const parts = Object.entries(params).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k.replace(/["\r\n]/g, '')}"\r\n\r\n${v}\r\n`);
      return { body: `${parts.join('')}--${boundary}--\r\n`, type: `multipart/form-data; boundary=${boundary}` };
    }
    case 'broken-multipart':
      return { body: random, type: 'multipart/form-data' };
    case 'json':
      return { body: JSON.stringify(params), type: 'application/json' };
    case 'text':
      return { body: random, type: 'text/plain' };
    case 'random':
      return { body: random, type: random.slice(0, 30) };
  }
}

/** What the server will read back from that body, for signing it "validly". */
function parsedBack(params: Record<string, string>, encoding: Encoding): Record<string, string> {
  if (encoding === 'urlencoded' || encoding === 'no-type') return Object.fromEntries(new URLSearchParams(form(params)));
  if (encoding === 'multipart') return Object.fromEntries(Object.entries(params).map(([k, v]) => [k.replace(/["\r\n]/g, ''), v]));
  return params;
}

describe.each([
  ['inbound SMS', SMS_PATH],
  ['status callback', STATUS_PATH],
])('%s endpoint under arbitrary requests', (_name, path) => {
  it('never answers 5xx, and a refused request changes nothing (1,000 cases)', async () => {
    const w = await world();
    const validQuery = new URL(w.callbackUrl).search.slice(1);
    const counts: Record<string, number> = {};
    let validSids = 0;
    await fc.assert(
      fc.asyncProperty(
        paramsArb,
        fc.boolean(),
        encodingArb,
        signatureArb,
        headersArb,
        fc.string({ maxLength: 60 }),
        fc.oneof({ arbitrary: fc.constant(validQuery), weight: 3 }, fc.string({ maxLength: 40 }), fc.constant('')),
        fc.boolean(),
        fc.constantFrom('x-twilio-signature', 'X-Twilio-Signature', 'X-TWILIO-SIGNATURE'),
        fc.constantFrom(...DELIVERY_STATUSES, 'partially_delivered'),
        async (rawParams, useValidSid, encoding, signature, headers, random, query, base64, signatureHeader, status) => {
          const params = { ...rawParams };
          // Often well-formed Twilio parameters, so the property reaches the use cases too.
          if (useValidSid) {
            params.MessageSid = `SM${hex32(0xabc000 + ++validSids)}`;
            params.From ??= PHONE;
            params.To ??= OUR_NUMBER;
            params.MessageStatus ??= status;
          }
          const q = path === STATUS_PATH ? query : random.length % 3 === 0 ? query : '';
          const { body, type } = encode(params, encoding, random);
          const sig =
            signature.kind === 'valid' ? sign(path, parsedBack(params, encoding), q)
            : signature.kind === 'vector' ? 'RSOYDt4T1cUTdK1PDd93/VVr8B8='
            : signature.kind === 'random' ? signature.value
            : undefined;
          const allHeaders: Record<string, string> = { ...headers };
          if (type !== undefined) allHeaders['content-type'] = type;
          if (sig !== undefined) allHeaders[signatureHeader] = sig;
          const encodedBody = base64 && body !== undefined ? Buffer.from(body, 'utf8').toString('base64') : body;

          const before = await w.snapshot();
          w.writes.length = 0;
          const res = await w.handler(event({ path, query: q, body: encodedBody, base64, headers: allHeaders }));
          counts[res.statusCode!] = (counts[res.statusCode!] ?? 0) + 1;
          expect(res.statusCode).toBeLessThan(500);
          if (res.statusCode !== 200 && res.statusCode !== 204) {
            expect(w.writes).toEqual([]);
            expect(await w.snapshot()).toEqual(before);
          }
          if (sig === undefined || signature.kind === 'vector') expect(res.statusCode).toBe(403);
        },
      ),
      { numRuns: 1000 },
    );
    report(`${path}: answers over 1,000 arbitrary requests ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(expect.arrayContaining(['400', '403']));
  });
});
