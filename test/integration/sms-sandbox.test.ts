import http from 'node:http';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import twilio from 'twilio';
import { freePort } from '../../infra/local/net';
import {
  countSmsSegments,
  optKeyword,
  signTwilioRequest,
  startSmsSandbox,
  twimlReplies,
  type SmsSandbox,
  type SmsSandboxOptions,
} from '../../infra/local/sms-sandbox';
import { createTwilioSmsSender } from '../../shared/adapters/twilio/twilio-sms-sender';

const accountSid = `AC${randomBytes(16).toString('hex')}`;
const authToken = randomBytes(16).toString('hex');
const SERVICE_NUMBER = '+15005550006';
const messagesPath = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const goodAuth = basic(accountSid, authToken);

// ---- helpers ----------------------------------------------------------------------------------

const running: SmsSandbox[] = [];
async function sandboxWith(options: Partial<SmsSandboxOptions> = {}): Promise<SmsSandbox> {
  const sandbox = await startSmsSandbox({ port: await freePort(), accountSid, authToken, statusDelayMs: 5, ...options });
  running.push(sandbox);
  return sandbox;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function call(
  sandbox: SmsSandbox,
  path: string,
  init: { method?: string; form?: Record<string, string>; json?: unknown; body?: string; auth?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const auth = init.auth === undefined ? goodAuth : init.auth;
  if (auth) headers.Authorization = auth;
  let body: string | undefined = init.body;
  if (init.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const res = await fetch(`${sandbox.url}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, redirect: 'manual' });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const create = (sandbox: SmsSandbox, form: Record<string, string>, auth?: string | null) =>
  call(sandbox, messagesPath, { form, auth });

function expectTwilioError(answer: Answer, status: number, code: number): void {
  expect(answer.status).toBe(status);
  expect(answer.json).toEqual({ code, message: expect.any(String), more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

/** Polls without asserting on timing: the bound only stops a broken test from hanging. */
async function waitFor<T>(probe: () => T | undefined | false, what: string, boundMs = 5_000): Promise<T> {
  const until = Date.now() + boundMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Received {
  path: string;
  signature: string | undefined;
  params: Record<string, string>;
}

/** A tiny webhook receiver on 127.0.0.1 that records form posts and answers as told. */
async function startReceiver(answer: (r: Received) => { status: number; type?: string; body?: string } = () => ({ status: 204 })) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        path: req.url ?? '',
        signature: req.headers['x-twilio-signature'] as string | undefined,
        params: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))),
      };
      received.push(r);
      const { status, type, body } = answer(r);
      res.writeHead(status, type ? { 'Content-Type': type } : {});
      res.end(body);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

// ---- signatures -------------------------------------------------------------------------------

describe('Twilio request signatures', () => {
  const vectorUrl = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const vectorParams = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };

  it("reproduces the library's own known vector", () => {
    expect(signTwilioRequest('12345', vectorUrl, vectorParams)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(twilio.validateRequest('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', vectorUrl, vectorParams)).toBe(true);
  });

  it('changes when any parameter or the URL changes', () => {
    expect(signTwilioRequest('12345', vectorUrl, { ...vectorParams, Digits: '1235' })).not.toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(signTwilioRequest('12345', `${vectorUrl}&x=1`, vectorParams)).not.toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });
});

// ---- segments and keywords --------------------------------------------------------------------

describe('segment counting', () => {
  it.each([
    ['', 'GSM-7', 1],
    ['a'.repeat(160), 'GSM-7', 1],
    ['a'.repeat(161), 'GSM-7', 2],
    ['a'.repeat(306), 'GSM-7', 2],
    ['a'.repeat(307), 'GSM-7', 3],
    ['€'.repeat(80), 'GSM-7', 1], // extension characters cost two septets
    ['€'.repeat(81), 'GSM-7', 2],
    ['a'.repeat(152) + '€', 'GSM-7', 1],
    ['a'.repeat(159) + '€', 'GSM-7', 2], // 161 septets; the escape pair is not split
    ['é'.repeat(160), 'GSM-7', 1],
    ['“quoted”', 'UCS-2', 1], // one curly quote switches the whole text to UCS-2
    ['a'.repeat(70) + '’', 'UCS-2', 2],
    ['🍀'.repeat(35), 'UCS-2', 1], // an emoji is two UTF-16 units
    ['🍀'.repeat(36), 'UCS-2', 2],
  ])('%#: %j is %s in %d segment(s)', (body, encoding, segments) => {
    expect(countSmsSegments(body)).toEqual({ encoding, segments });
  });
});

describe('opt-out keywords', () => {
  it.each(['STOP', ' stop ', 'StopAll', 'UNSUBSCRIBE', 'cancel', 'END', 'quit', 'REVOKE', 'optout', 'opt out', 'OPT  OUT'])('%j opts out', (body) => {
    expect(optKeyword(body)).toBe('opt-out');
  });
  it.each(['START', 'yes', ' Unstop'])('%j opts in', (body) => {
    expect(optKeyword(body)).toBe('opt-in');
  });
  it.each(['please stop texting me', 'STOP!', 'HELP', 'stopping'])('%j is no keyword (the app handles free text)', (body) => {
    expect(optKeyword(body)).toBeUndefined();
  });
});

describe('TwiML replies', () => {
  it('reads plain and <Body> messages and decodes entities', () => {
    const xml = '<?xml version="1.0"?><Response><Message>Thanks &amp; welcome &#128512;</Message><Message to="+1"><Body>Two &lt;b&gt;</Body></Message></Response>';
    expect(twimlReplies(xml)).toEqual(['Thanks & welcome 😀', 'Two <b>']);
    expect(twimlReplies('<Response/>')).toEqual([]);
  });
});

// ---- REST API ---------------------------------------------------------------------------------

describe('Messages API', () => {
  let sandbox: SmsSandbox;
  beforeAll(async () => {
    sandbox = await sandboxWith();
  });
  beforeEach(() => sandbox.reset());

  describe('basic auth', () => {
    it('answers 401 / 20003 without credentials', async () => {
      const answer = await create(sandbox, { To: '+15551110001', From: SERVICE_NUMBER, Body: 'x' }, null);
      expectTwilioError(answer, 401, 20003);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Basic /);
    });

    it.each([
      ['a wrong token', basic(accountSid, 'nope')],
      ['another account', basic(`AC${'0'.repeat(32)}`, authToken)],
      ['a malformed header', 'Basic !!!'],
      ['a bearer token', `Bearer ${authToken}`],
    ])('answers 401 / 20003 for %s', async (_, auth) => {
      expectTwilioError(await create(sandbox, { To: '+15551110001', From: SERVICE_NUMBER, Body: 'x' }, auth), 401, 20003);
      expect(sandbox.messages()).toEqual([]);
    });

    it('answers 401 when the path names another account than the credentials', async () => {
      const answer = await call(sandbox, `/2010-04-01/Accounts/AC${'1'.repeat(32)}/Messages.json`, {
        form: { To: '+15551110001', From: SERVICE_NUMBER, Body: 'x' },
      });
      expectTwilioError(answer, 401, 20003);
    });

    it('guards fetch and list too', async () => {
      expectTwilioError(await call(sandbox, messagesPath, { auth: null }), 401, 20003);
      expectTwilioError(await call(sandbox, messagesPath.replace('.json', `/SM${'0'.repeat(32)}.json`), { auth: null }), 401, 20003);
    });
  });

  describe('validation', () => {
    const valid = { To: '+15551110001', From: SERVICE_NUMBER, Body: 'hello' };
    it.each<[string, Record<string, string | undefined>, number]>([
      ['missing To', { To: undefined }, 21604],
      ['empty To', { To: '' }, 21604],
      ['To not E.164', { To: '555-1234' }, 21211],
      ['To without plus', { To: '15551110001' }, 21211],
      ['missing From and service', { From: undefined }, 21603],
      ['From not E.164', { From: 'MatchCoach' }, 21212],
      ['bad Messaging Service sid', { From: undefined, MessagingServiceSid: 'MG123' }, 21705],
      ['missing Body', { Body: undefined }, 21602],
      ['empty Body', { Body: '' }, 21602],
      ['Body over 1600 characters', { Body: 'x'.repeat(1601) }, 21617],
      ['StatusCallback not a URL', { StatusCallback: 'not a url' }, 21609],
      ['StatusCallback not http', { StatusCallback: 'ftp://example.com/x' }, 21609],
      ['ValidityPeriod zero', { ValidityPeriod: '0' }, 21624],
      ['ValidityPeriod too long', { ValidityPeriod: '36001' }, 21624],
      ['ValidityPeriod not a number', { ValidityPeriod: '1h' }, 21624],
    ])('%s answers 400 / %d… and stores nothing', async (_, change, code) => {
      const form = Object.fromEntries(
        Object.entries({ ...valid, ...change }).filter((entry): entry is [string, string] => entry[1] !== undefined),
      );
      expectTwilioError(await create(sandbox, form), 400, code);
      expect(sandbox.messages()).toEqual([]);
    });

    it('accepts 1600 characters (counted as characters, not UTF-16 units) and ValidityPeriod 36000', async () => {
      expect((await create(sandbox, { ...valid, Body: '🍀'.repeat(1600), ValidityPeriod: '36000' })).status).toBe(201);
    });

    it('answers 400 to a body over 64 KiB', async () => {
      expectTwilioError(await call(sandbox, messagesPath, { body: `Body=${'x'.repeat(70_000)}` }), 400, 400);
    });
  });

  it('creates a message shaped like Twilio’s Message resource', async () => {
    const answer = await create(sandbox, { To: '+15551110002', From: SERVICE_NUMBER, Body: 'Your mock interview is at 7pm.' });
    expect(answer.status).toBe(201);
    expect(answer.json).toEqual({
      account_sid: accountSid,
      api_version: '2010-04-01',
      body: 'Your mock interview is at 7pm.',
      date_created: expect.stringMatching(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/),
      date_sent: null,
      date_updated: expect.any(String),
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: SERVICE_NUMBER,
      messaging_service_sid: null,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      status: 'queued',
      subresource_uris: { media: expect.stringMatching(/\/Media\.json$/) },
      to: '+15551110002',
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${answer.json.sid}.json`,
    });
  });

  it('counts segments with GSM-7 / UCS-2 rules in num_segments', async () => {
    const gsm = await create(sandbox, { To: '+15551110003', From: SERVICE_NUMBER, Body: 'a'.repeat(161) });
    const ucs = await create(sandbox, { To: '+15551110003', From: SERVICE_NUMBER, Body: `${'a'.repeat(70)}’` });
    expect([gsm.json.num_segments, ucs.json.num_segments]).toEqual(['2', '2']);
  });

  it('accepts a Messaging Service as sender, answering "accepted" without a From', async () => {
    const service = `MG${randomBytes(16).toString('hex')}`;
    const answer = await create(sandbox, { To: '+15551110004', MessagingServiceSid: service, Body: 'hi' });
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({ status: 'accepted', from: null, messaging_service_sid: service });
  });

  it('refuses an opted-out number with 400 / 21610', async () => {
    sandbox.optOut('+15551110005');
    expectTwilioError(await create(sandbox, { To: '+15551110005', From: SERVICE_NUMBER, Body: 'x' }), 400, 21610);
    sandbox.optIn('+15551110005');
    expect((await create(sandbox, { To: '+15551110005', From: SERVICE_NUMBER, Body: 'x' })).status).toBe(201);
  });

  it('fetches one message, and moves it on to delivered', async () => {
    const { json } = await create(sandbox, { To: '+15551110006', From: SERVICE_NUMBER, Body: 'x' });
    const path = `/2010-04-01/Accounts/${accountSid}/Messages/${json.sid}.json`;
    const fetched = await call(sandbox, path);
    expect(fetched.status).toBe(200);
    expect(fetched.json).toMatchObject({ sid: json.sid, to: '+15551110006', body: 'x' });
    await waitFor(() => sandbox.messages({ to: '+15551110006' })[0]?.status === 'delivered', 'delivery');
    expect((await call(sandbox, path)).json).toMatchObject({ status: 'delivered', date_sent: expect.any(String) });
  });

  it('answers 404 / 20404 for an unknown message or path, and 405 for other methods', async () => {
    expectTwilioError(await call(sandbox, messagesPath.replace('.json', `/SM${'f'.repeat(32)}.json`)), 404, 20404);
    expectTwilioError(await call(sandbox, `/2010-04-01/Accounts/${accountSid}/Calls.json`), 404, 20404);
    expectTwilioError(await call(sandbox, messagesPath, { method: 'DELETE' }), 405, 20004);
    expectTwilioError(await call(sandbox, '/nowhere'), 404, 20404);
  });

  it('lists newest first, filtered by To and From, in pages', async () => {
    for (const body of ['first', 'second', 'third']) await create(sandbox, { To: '+15551110007', From: SERVICE_NUMBER, Body: body });
    await create(sandbox, { To: '+15551110008', From: SERVICE_NUMBER, Body: 'other' });
    await create(sandbox, { To: '+15551110007', From: '+15005550007', Body: 'other sender' });

    const query = new URLSearchParams({ To: '+15551110007', From: SERVICE_NUMBER, PageSize: '2' });
    const first = await call(sandbox, `${messagesPath}?${query}`);
    expect(first.status).toBe(200);
    expect(first.json.messages.map((m: { body: string }) => m.body)).toEqual(['third', 'second']);
    expect(first.json).toMatchObject({ page: 0, page_size: 2, previous_page_uri: null });
    const second = await call(sandbox, first.json.next_page_uri);
    expect(second.json.messages.map((m: { body: string }) => m.body)).toEqual(['first']);
    expect(second.json.next_page_uri).toBeNull();

    const all = await call(sandbox, messagesPath);
    expect(all.json.messages).toHaveLength(5);
    // The benchmark's progress line counts without copying every text.
    expect(sandbox.messageCount()).toBe(sandbox.messages().length);
    expect(sandbox.messageCount()).toBe(5);
    expectTwilioError(await call(sandbox, `${messagesPath}?To=oops`), 400, 21211);
    expectTwilioError(await call(sandbox, `${messagesPath}?PageSize=0`), 400, 400);
  });
});

// ---- rate limit -------------------------------------------------------------------------------

describe('rate limit per sender (injected clock)', () => {
  let clock = Date.UTC(2027, 2, 20, 16, 0, 0);
  let sandbox: SmsSandbox;
  beforeAll(async () => {
    sandbox = await sandboxWith({ ratePerSecond: 2, now: () => clock });
  });
  beforeEach(() => sandbox.reset());
  const send = (sender: string) => create(sandbox, { To: '+15552220001', From: sender, Body: 'x' });

  it('answers 429 / 20429 past N per second, per sender, in a sliding window', async () => {
    expect((await send(SERVICE_NUMBER)).status).toBe(201);
    clock += 500;
    expect((await send(SERVICE_NUMBER)).status).toBe(201);
    const limited = await send(SERVICE_NUMBER);
    expectTwilioError(limited, 429, 20429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await send('+15005550007')).status).toBe(201); // another sender has its own window

    clock += 499; // the first send is still inside the window
    expectTwilioError(await send(SERVICE_NUMBER), 429, 20429);
    clock += 1; // now it has left it
    expect((await send(SERVICE_NUMBER)).status).toBe(201);
    expectTwilioError(await send(SERVICE_NUMBER), 429, 20429);
    expect(sandbox.messages({ from: SERVICE_NUMBER })).toHaveLength(3);
  });

  it('can be changed or lifted at run time, also over HTTP', async () => {
    sandbox.setRateLimit(undefined);
    for (let i = 0; i < 5; i += 1) expect((await send(SERVICE_NUMBER)).status).toBe(201);
    expect((await call(sandbox, '/_sandbox/rate-limit', { json: { perSecond: 1 } })).status).toBe(200);
    clock += 1000;
    expect((await send(SERVICE_NUMBER)).status).toBe(201);
    expectTwilioError(await send(SERVICE_NUMBER), 429, 20429);
    expectTwilioError(await call(sandbox, '/_sandbox/rate-limit', { json: { perSecond: -1 } }), 400, 400);
  });
});

// ---- faults -----------------------------------------------------------------------------------

describe('injected faults', () => {
  let sandbox: SmsSandbox;
  beforeAll(async () => {
    sandbox = await sandboxWith();
  });
  beforeEach(() => sandbox.reset());
  const send = () => create(sandbox, { To: '+15553330001', From: SERVICE_NUMBER, Body: 'x' });

  it('answers 500 for the next n creates, then recovers (set over HTTP)', async () => {
    expect((await call(sandbox, '/_sandbox/faults', { json: { mode: '500', count: 2 } })).status).toBe(200);
    expectTwilioError(await send(), 500, 20500);
    expectTwilioError(await send(), 500, 20500);
    expect((await send()).status).toBe(201);
  });

  it('answers 429 / 20429 when told to', async () => {
    sandbox.injectFaults({ mode: '429', count: 1 });
    expectTwilioError(await send(), 429, 20429);
    expect(sandbox.messages()).toEqual([]);
  });

  it('a hanging or accept-then-hanging create makes the adapter time out as retryable', async () => {
    const sender = createTwilioSmsSender({ accountSid, authToken, from: SERVICE_NUMBER, apiBase: sandbox.url, timeoutMs: 1_000 });
    sandbox.injectFaults({ mode: 'hang', count: 1 });
    expect(await sender.send({ to: '+15553330002', body: 'x', messageId: 'm' })).toMatchObject({ status: 'failed', retryable: true });
    expect(sandbox.messages()).toEqual([]);

    sandbox.injectFaults({ mode: 'accept-then-hang', count: 1 });
    expect(await sender.send({ to: '+15553330002', body: 'stored anyway', messageId: 'm' })).toMatchObject({ status: 'failed', retryable: true });
    expect(sandbox.messages().map((m) => m.body)).toEqual(['stored anyway']);
  });

  it('rejects malformed fault requests', async () => {
    expectTwilioError(await call(sandbox, '/_sandbox/faults', { json: { mode: 'explode', count: 1 } }), 400, 400);
    expectTwilioError(await call(sandbox, '/_sandbox/faults', { json: { mode: '500', count: 1.5 } }), 400, 400);
    expectTwilioError(await call(sandbox, '/_sandbox/faults', { body: '{not json' }), 400, 400);
    expect(() => sandbox.injectFaults({ mode: 'boom' as never, count: 1 })).toThrow();
    expect((await send()).status).toBe(201);
  });

  it('stop() closes connections left hanging', async () => {
    const own = await startSmsSandbox({ port: await freePort(), accountSid, authToken });
    own.injectFaults({ mode: 'accept-then-hang', count: 1 });
    const pending = call(own, messagesPath, { form: { To: '+15553330003', From: SERVICE_NUMBER, Body: 'x' } }).then(
      () => 'answered',
      () => 'connection closed',
    );
    await waitFor(() => own.messages().length === 1, 'the request to arrive');
    await own.stop();
    await own.stop(); // idempotent
    expect(await pending).toBe('connection closed');
  });
});

// ---- test hooks -------------------------------------------------------------------------------

describe('test hooks', () => {
  let sandbox: SmsSandbox;
  beforeAll(async () => {
    sandbox = await sandboxWith({ inboundTo: SERVICE_NUMBER });
  });
  beforeEach(() => sandbox.reset());

  it('lists, filters, opts out and resets over HTTP', async () => {
    await create(sandbox, { To: '+15554440001', From: SERVICE_NUMBER, Body: 'a' });
    await create(sandbox, { To: '+15554440002', From: SERVICE_NUMBER, Body: 'b' });
    const listed = await call(sandbox, `/_sandbox/messages?${new URLSearchParams({ to: '+15554440002' })}`, { auth: null });
    expect(listed.json.map((m: { body: string }) => m.body)).toEqual(['b']);
    expect((await call(sandbox, '/_sandbox/messages', { auth: null })).json).toHaveLength(2);

    expect((await call(sandbox, '/_sandbox/opt-out', { json: { phone: '+15554440001' }, auth: null })).status).toBe(200);
    expect(sandbox.optedOut()).toEqual(['+15554440001']);
    expect((await call(sandbox, '/_sandbox/opt-outs', { auth: null })).json).toEqual(['+15554440001']);
    expectTwilioError(await create(sandbox, { To: '+15554440001', From: SERVICE_NUMBER, Body: 'a' }), 400, 21610);
    expect((await call(sandbox, '/_sandbox/opt-in', { json: { phone: '+15554440001' }, auth: null })).status).toBe(200);
    expect(sandbox.optedOut()).toEqual([]);

    expect((await call(sandbox, '/_sandbox/reset', { method: 'POST', auth: null })).status).toBe(200);
    expect(sandbox.messages()).toEqual([]);
  });

  it('validates hook input', async () => {
    expectTwilioError(await call(sandbox, '/_sandbox/opt-out', { json: { phone: '555' } }), 400, 400);
    expectTwilioError(await call(sandbox, '/_sandbox/opt-out', { json: ['+15554440001'] }), 400, 400);
    expectTwilioError(await call(sandbox, '/_sandbox/messages?to=nope'), 400, 400);
    expectTwilioError(await call(sandbox, '/_sandbox/inbound', { json: { from: '+15554440003' } }), 400, 400);
    expectTwilioError(await call(sandbox, '/_sandbox/reset'), 405, 20004);
    expectTwilioError(await call(sandbox, '/_sandbox/unknown', { method: 'POST' }), 404, 20404);
    expect(() => sandbox.optOut('not a phone')).toThrow();
  });
});

// ---- status callbacks -------------------------------------------------------------------------

describe('status callbacks', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let sandbox: SmsSandbox;
  beforeAll(async () => {
    receiver = await startReceiver();
    sandbox = await sandboxWith();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('POSTs sent then delivered, signed exactly as Twilio signs', async () => {
    const callbackUrl = `${receiver.base}/sms/status?tenant=a&x=%2F`;
    const sender = createTwilioSmsSender({ accountSid, authToken, from: SERVICE_NUMBER, apiBase: sandbox.url, statusCallbackUrl: callbackUrl });
    const result = await sender.send({ to: '+15555550001', body: 'hello', messageId: 'm' });
    if (result.status !== 'sent') throw new Error('send failed');

    const calls = await waitFor(() => {
      const mine = receiver.received.filter((r) => r.params.MessageSid === result.providerId);
      return mine.length >= 2 && mine;
    }, 'two status callbacks');
    expect(calls.map((c) => c.params.MessageStatus)).toEqual(['sent', 'delivered']);
    for (const c of calls) {
      expect(c.path).toBe('/sms/status?tenant=a&x=%2F');
      expect(c.params).toMatchObject({
        MessageSid: result.providerId,
        SmsStatus: c.params.MessageStatus,
        To: '+15555550001',
        From: SERVICE_NUMBER,
        AccountSid: accountSid,
      });
      expect(twilio.validateRequest(authToken, c.signature ?? '', callbackUrl, c.params)).toBe(true);
      expect(twilio.validateRequest(authToken, c.signature ?? '', callbackUrl, { ...c.params, MessageStatus: 'failed' })).toBe(false);
    }
  });

  it('ignores a callback URL nobody listens on, and still delivers', async () => {
    const closed = await freePort();
    const answer = await create(sandbox, { To: '+15555550002', From: SERVICE_NUMBER, Body: 'x', StatusCallback: `http://127.0.0.1:${closed}/status` });
    expect(answer.status).toBe(201);
    await waitFor(() => sandbox.messages({ to: '+15555550002' })[0]?.status === 'delivered', 'delivery');
    expect((await call(sandbox, messagesPath)).status).toBe(200);
  });
});

// ---- inbound texts and the phone page ----------------------------------------------------------

describe('phone page and inbound webhook', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let sandbox: SmsSandbox;
  let webhookUrl: string;
  beforeAll(async () => {
    receiver = await startReceiver((r) =>
      r.params.Body === 'hello coach'
        ? { status: 200, type: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Hi &amp; welcome</Message></Response>' }
        : { status: 200, type: 'text/xml', body: '<Response/>' },
    );
    webhookUrl = `${receiver.base}/sms/inbound?stage=local`;
    sandbox = await sandboxWith({ inboundWebhookUrl: webhookUrl, inboundTo: SERVICE_NUMBER });
  });
  afterAll(async () => {
    await receiver.close();
  });
  beforeEach(() => {
    sandbox.reset();
    receiver.received.length = 0;
  });

  const textFromPhone = (form: Record<string, string>) => call(sandbox, '/phone/send', { form, auth: null });

  it('posts the form to the inbound webhook, signed as Twilio signs inbound webhooks', async () => {
    const answer = await textFromPhone({ From: '+15556660001', To: SERVICE_NUMBER, Body: 'hello coach' });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/phone#n-15556660001');

    expect(receiver.received).toHaveLength(1);
    const [hook] = receiver.received;
    expect(hook!.path).toBe('/sms/inbound?stage=local');
    expect(hook!.params).toMatchObject({
      MessageSid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      AccountSid: accountSid,
      From: '+15556660001',
      To: SERVICE_NUMBER,
      Body: 'hello coach',
      NumMedia: '0',
    });
    expect(twilio.validateRequest(authToken, hook!.signature ?? '', webhookUrl, hook!.params)).toBe(true);

    const thread = sandbox.messages();
    expect(thread.map((m) => [m.direction, m.from, m.to, m.body])).toEqual([
      ['inbound', '+15556660001', SERVICE_NUMBER, 'hello coach'],
      ['outbound-reply', SERVICE_NUMBER, '+15556660001', 'Hi & welcome'], // the TwiML <Message> reply
    ]);
    expect(thread[0]!.webhook).toEqual({ status: 200 });
  });

  it('STOP (any case) adds the number to the opt-out set and START removes it, as Twilio does', async () => {
    await textFromPhone({ From: '+15556660002', To: SERVICE_NUMBER, Body: '  stop ' });
    expect(sandbox.optedOut()).toEqual(['+15556660002']);
    expect(receiver.received.map((r) => r.params.Body)).toEqual(['  stop ']); // the app still hears it
    expectTwilioError(await create(sandbox, { To: '+15556660002', From: SERVICE_NUMBER, Body: 'x' }), 400, 21610);

    await textFromPhone({ From: '+15556660002', To: SERVICE_NUMBER, Body: 'START' });
    expect(sandbox.optedOut()).toEqual([]);
    expect((await create(sandbox, { To: '+15556660002', From: SERVICE_NUMBER, Body: 'x' })).status).toBe(201);

    await sandbox.sendInbound({ from: '+15556660002', body: 'please stop texting me' });
    expect(sandbox.optedOut()).toEqual([]); // free text is the app's job (docs/rules.md), not Twilio's
  });

  it('renders texts grouped by number, newest first, with everything HTML-escaped', async () => {
    const nasty = `<script>alert("x")</script> & 'quoted'`;
    await create(sandbox, { To: '+15556660003', From: SERVICE_NUMBER, Body: 'older' });
    await create(sandbox, { To: '+15556660003', From: SERVICE_NUMBER, Body: nasty });
    await create(sandbox, { To: '+15556660004', From: SERVICE_NUMBER, Body: 'other number' });

    const page = await call(sandbox, '/phone', { auth: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.text).toContain('<meta name="viewport"');
    expect(page.text).not.toMatch(/<script|src="http|href="http/);
    expect(page.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;');

    const order = (needle: string) => page.text.indexOf(needle);
    expect(order('+15556660004</h2>')).toBeLessThan(order('+15556660003</h2>')); // newest conversation first
    expect(order('&lt;script&gt;')).toBeLessThan(order('>older<')); // newest text first
    expect(order('>older<')).toBeGreaterThan(order('+15556660003</h2>'));
  });

  it('refuses cross-site posts from other pages in the browser, but not its own form', async () => {
    const post = (origin: string, path: string, body: string) =>
      fetch(`${sandbox.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
      });
    const form = new URLSearchParams({ From: '+15556660006', To: SERVICE_NUMBER, Body: 'hi' }).toString();
    expect((await post('https://evil.example', '/phone/send', form)).status).toBe(403);
    expect((await post('https://evil.example', '/_sandbox/reset', '')).status).toBe(403);
    expect(sandbox.messages()).toEqual([]);
    expect((await post(sandbox.url, '/phone/send', form)).status).toBe(303);
    expect(sandbox.messages()).toHaveLength(1);
  });

  it('re-renders the form with an escaped error on bad input, and sends nothing', async () => {
    const answer = await textFromPhone({ From: '<img src=x onerror=alert(1)>', To: SERVICE_NUMBER, Body: 'hi' });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(answer.text).not.toContain('<img');
    expect(receiver.received).toEqual([]);
    expect(sandbox.messages()).toEqual([]);
  });

  it('records a failing webhook on the text instead of failing the phone', async () => {
    const closed = await freePort();
    sandbox.setInboundWebhookUrl(`http://127.0.0.1:${closed}/sms`);
    try {
      const text = await sandbox.sendInbound({ from: '+15556660005', body: 'anyone there?' });
      expect(text.webhook).toEqual({ error: expect.stringContaining('ECONNREFUSED') });
      expect((await call(sandbox, '/phone', { auth: null })).text).toContain('webhook not reached: connect ECONNREFUSED');
    } finally {
      sandbox.setInboundWebhookUrl(webhookUrl);
    }
  });
});

// ---- robustness -------------------------------------------------------------------------------

describe('robustness', () => {
  it('never answers 5xx (nor dies) on arbitrary input', async () => {
    const sandbox = await sandboxWith();
    const paths = [messagesPath, `${messagesPath}?PageSize=`, messagesPath.replace('.json', '/SMx.json'), '/phone', '/phone/send', '/_sandbox/messages', '/_sandbox/opt-out', '/_sandbox/inbound', '/%zz', '/'];
    const fields = ['To', 'From', 'Body', 'MessagingServiceSid', 'StatusCallback', 'ValidityPeriod', 'phone', 'From ', 'To[]'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.string({ maxLength: 12 }),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        fc.dictionary(fc.constantFrom(...fields), fc.string({ maxLength: 40 })),
        fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
        fc.boolean(),
        async (path, suffix, method, form, raw, authorised) => {
          const body = method === 'GET' ? undefined : (raw ?? new URLSearchParams(form).toString());
          const res = await fetch(`${sandbox.url}${path}${encodeURI(suffix)}`, {
            method,
            body,
            redirect: 'manual',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(authorised ? { Authorization: goodAuth } : {}) },
          });
          await res.arrayBuffer();
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    expect((await call(sandbox, '/phone', { auth: null })).status).toBe(200);
  });

  it('refuses bad options at start', async () => {
    await expect(startSmsSandbox({ port: 0, accountSid: 'nope', authToken })).rejects.toThrow(/accountSid/);
    await expect(startSmsSandbox({ port: 0, accountSid, authToken, inboundWebhookUrl: 'javascript:alert(1)' })).rejects.toThrow(/inboundWebhookUrl/);
  });
});
