import http from 'node:http';
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { freePort } from '../../infra/local/net';
import { startSmsSandbox, type SandboxFaultMode, type SmsSandbox } from '../../infra/local/sms-sandbox';
import { createTwilioWhatsAppSender } from '../../shared/adapters/twilio/twilio-whatsapp-sender';
import { describeWhatsAppSenderContract } from '../support/whatsapp-sender-contract';
import type { SmsContractFault } from '../support/sms-sender-contract';

/**
 * The WhatsApp twin in the SMS sandbox, and the Twilio WhatsApp adapter against it: the shared
 * sender contract (the memory twin passes the same one), the exact request the adapter makes,
 * and what the twin does that the contract cannot see (signed inbound WhatsApp webhooks, the
 * window per person, the phone page).
 */

const accountSid = `AC${randomBytes(16).toString('hex')}`;
const authToken = randomBytes(16).toString('hex');
const WHATSAPP_FROM = 'whatsapp:+15005550006';
const timeoutMs = 1_500;
const messagesPath = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
const goodAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
const sid = (n: number) => `HX${n.toString(16).padStart(32, '0')}`;

let sandbox: SmsSandbox;
beforeAll(async () => {
  sandbox = await startSmsSandbox({ port: await freePort(), accountSid, authToken, statusDelayMs: 5 });
});
afterAll(async () => {
  await sandbox.stop();
});

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

const sandboxFault: Record<SmsContractFault, SandboxFaultMode> = { 'rate-limited': '429', 'server-error': '500', timeout: 'hang', 'accepted-then-timeout': 'accept-then-hang' };

describeWhatsAppSenderContract('Twilio adapter on the sandbox\'s WhatsApp twin', async () => {
  sandbox.reset();
  return {
    sender: createTwilioWhatsAppSender({ accountSid, authToken, from: WHATSAPP_FROM, apiBase: sandbox.url, timeoutMs }),
    openWindow: async (phone) => {
      await sandbox.sendInbound({ from: `whatsapp:${phone}`, to: WHATSAPP_FROM, body: 'hi' });
    },
    registerTemplate: async (contentSid, text) => sandbox.registerWhatsAppTemplate(contentSid, text),
    notOnWhatsApp: async (phone) => sandbox.refuseWhatsApp(phone, 63003),
    delivered: async (phone) =>
      sandbox
        .messages({ to: `whatsapp:${phone}` })
        .filter((m) => m.direction === 'outbound-api' && m.status !== 'failed')
        .map((m) => m.body),
    outcome: async (providerId) => {
      const ended = await waitFor(() => sandbox.messages().find((m) => m.sid === providerId && (m.status === 'delivered' || m.status === 'failed')), 'the message to end');
      return ended.status === 'failed' ? { status: 'failed', errorCode: ended.errorCode! } : { status: 'delivered' };
    },
    failNext: async (fault) => sandbox.injectFaults({ mode: sandboxFault[fault], count: 1 }),
    teardown: async () => sandbox.reset(),
  };
});

describe('the request the Twilio WhatsApp adapter makes', () => {
  beforeEach(() => sandbox.reset());

  it('sends free text as Body to whatsapp:+E164 from our WhatsApp sender, with the callback and validity', async () => {
    await sandbox.sendInbound({ from: 'whatsapp:+919812345001', to: WHATSAPP_FROM, body: 'hello' });
    const sender = createTwilioWhatsAppSender({ accountSid, authToken, from: WHATSAPP_FROM, apiBase: sandbox.url, timeoutMs });
    const result = await sender.send({
      to: '+919812345001',
      messageId: 'm-1',
      content: { kind: 'text', body: 'Welcome back.' },
      statusCallbackUrl: 'http://127.0.0.1:9/status?p=a&m=b',
      validityPeriodSeconds: 3600,
    });
    const [stored] = sandbox.messages({ to: 'whatsapp:+919812345001' }).filter((m) => m.direction === 'outbound-api');
    expect(result).toEqual({ status: 'sent', providerId: stored!.sid });
    expect(stored).toMatchObject({
      channel: 'whatsapp',
      from: WHATSAPP_FROM,
      body: 'Welcome back.',
      contentSid: null,
      statusCallback: 'http://127.0.0.1:9/status?p=a&m=b',
      validityPeriod: 3600,
    });
  });

  it('sends a template as ContentSid and ContentVariables (a JSON object), with no Body', async () => {
    sandbox.registerWhatsAppTemplate(sid(7), 'Match Coach: {{1}} would like to coach you. Reply YES to start.');
    const service = `MG${randomBytes(16).toString('hex')}`;
    const sender = createTwilioWhatsAppSender({ accountSid, authToken, from: service, apiBase: sandbox.url, timeoutMs });
    const result = await sender.send({ to: '+2348031234501', messageId: 'm-2', content: { kind: 'template', contentSid: sid(7), variables: { '1': 'IMG Alliance' } } });
    expect(result.status).toBe('sent');
    const [stored] = sandbox.messages({ to: 'whatsapp:+2348031234501' });
    expect(stored).toMatchObject({
      messagingServiceSid: service,
      from: null,
      contentSid: sid(7),
      contentVariables: { '1': 'IMG Alliance' },
      body: 'Match Coach: IMG Alliance would like to coach you. Reply YES to start.',
    });
  });

  it('passes on a refusal Twilio gives on the create itself with its code', async () => {
    // Twilio usually reports 63016 on the callback; a sandbox fault cannot script the create's answer,
    // so this checks the mapping against a server that answers as Twilio documents it.
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ code: 63016, message: 'Outside messaging window', status: 400 }));
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const sender = createTwilioWhatsAppSender({ accountSid, authToken, from: WHATSAPP_FROM, apiBase: `http://127.0.0.1:${port}`, timeoutMs });
      expect(await sender.send({ to: '+919812345002', messageId: 'm-3', content: { kind: 'text', body: 'x' } })).toEqual({
        status: 'failed',
        retryable: false,
        code: 'whatsapp_refused',
        reason: 'twilio error 63016 (HTTP 400)',
        whatsappErrorCode: 63016,
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('the WhatsApp twin refuses what Twilio refuses, and changes nothing', () => {
  beforeEach(() => sandbox.reset());

  const create = (form: Record<string, string>) =>
    fetch(`${sandbox.url}${messagesPath}`, { method: 'POST', headers: { Authorization: goodAuth, 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) }).then(async (r) => ({
      status: r.status,
      json: (await r.json()) as { code: number },
    }));

  it.each([
    ['a WhatsApp sender to a plain number (21910)', { From: WHATSAPP_FROM, To: '+919812345003', Body: 'x' }, 21910],
    ['a plain number to a WhatsApp address (21910)', { From: '+15005550006', To: 'whatsapp:+919812345003', Body: 'x' }, 21910],
    ['a template nobody registered (21655)', { From: WHATSAPP_FROM, To: 'whatsapp:+919812345003', ContentSid: sid(404) }, 21655],
    ['variables without a template (21654)', { From: WHATSAPP_FROM, To: 'whatsapp:+919812345003', Body: 'x', ContentVariables: '{"1":"a"}' }, 21654],
    ['variables that are not a JSON object (21656)', { From: WHATSAPP_FROM, To: 'whatsapp:+919812345003', ContentSid: sid(1), ContentVariables: 'not json' }, 21656],
    ['a WhatsApp address without a whole number (21211)', { From: WHATSAPP_FROM, To: 'whatsapp:919812345003', Body: 'x' }, 21211],
    ['neither Body nor ContentSid (21602)', { From: WHATSAPP_FROM, To: 'whatsapp:+919812345003' }, 21602],
  ])('refuses %s', async (_what, form, code) => {
    sandbox.registerWhatsAppTemplate(sid(1), 'Match Coach: {{1}}. Reply STOP to end.');
    const answer = await create(form as Record<string, string>);
    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe(code);
    expect(sandbox.messages()).toEqual([]);
  });

  it('keeps no opt-outs on WhatsApp: STOP is the business\'s to honour, SMS opt-outs stay as they are', async () => {
    await sandbox.sendInbound({ from: 'whatsapp:+919812345004', to: WHATSAPP_FROM, body: 'STOP' });
    expect(sandbox.optedOut()).toEqual([]);
    await sandbox.sendInbound({ from: '+919812345004', to: '+15005550006', body: 'STOP' });
    expect(sandbox.optedOut()).toEqual(['+919812345004']);
  });
});

describe('the window per person', () => {
  it('opens with their message and closes exactly 24 hours later; free text then fails with 63016 on the callback', async () => {
    let clock = Date.parse('2026-12-07T10:00:00Z');
    const received: Record<string, string>[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
        res.writeHead(204);
        res.end();
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
    const timed = await startSmsSandbox({ port: await freePort(), accountSid, authToken, statusDelayMs: 1, now: () => clock });
    try {
      const sender = createTwilioWhatsAppSender({ accountSid, authToken, from: WHATSAPP_FROM, apiBase: timed.url, timeoutMs });
      const callback = `http://127.0.0.1:${port}/status`;
      expect(timed.whatsappWindowUntil('+919812345005')).toBeUndefined();
      await timed.sendInbound({ from: 'whatsapp:+919812345005', to: WHATSAPP_FROM, body: 'hi' });
      expect(timed.whatsappWindowUntil('+919812345005')).toBe('2026-12-08T10:00:00.000Z');

      clock = Date.parse('2026-12-08T09:59:59Z');
      const inside = await sender.send({ to: '+919812345005', messageId: 'in', content: { kind: 'text', body: 'inside' }, statusCallbackUrl: callback });
      clock = Date.parse('2026-12-08T10:00:00Z');
      const outside = await sender.send({ to: '+919812345005', messageId: 'out', content: { kind: 'text', body: 'outside' }, statusCallbackUrl: callback });
      expect(timed.whatsappWindowUntil('+919812345005')).toBeUndefined();
      const idOf = (r: Awaited<ReturnType<typeof sender.send>>) => (r.status === 'sent' ? r.providerId : '');
      const last = (id: string) => received.filter((p) => p.MessageSid === id).at(-1);
      await waitFor(() => last(idOf(inside))?.MessageStatus === 'delivered' && last(idOf(outside))?.MessageStatus === 'failed', 'both callbacks');
      expect(last(idOf(outside))).toMatchObject({ MessageStatus: 'failed', ErrorCode: '63016', To: 'whatsapp:+919812345005', From: WHATSAPP_FROM });
      expect(received.filter((p) => p.MessageSid === idOf(outside)).map((p) => p.MessageStatus)).toEqual(['failed']);
    } finally {
      await timed.stop();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});

describe('inbound WhatsApp webhooks and the phone page', () => {
  it('signs an inbound WhatsApp message exactly as Twilio does, with whatsapp: addresses and WaId', async () => {
    const received: { signature?: string; params: Record<string, string> }[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ signature: req.headers['x-twilio-signature'] as string, params: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) });
        res.writeHead(200, { 'Content-Type': 'text/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Welcome to Match Coach on WhatsApp.</Message></Response>');
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
    const webhookUrl = `http://127.0.0.1:${port}/webhooks/twilio/sms`;
    const withHook = await startSmsSandbox({ port: await freePort(), accountSid, authToken, statusDelayMs: 1, inboundWebhookUrl: webhookUrl, inboundTo: '+15005550006' });
    try {
      // From the phone page, as a person would: their number, "WhatsApp", a message.
      const page = await fetch(`${withHook.url}/phone/send`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ From: '+919812345006', To: '+15005550006', Channel: 'whatsapp', Body: 'YES' }),
        redirect: 'manual',
      });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe('/phone#n-919812345006-wa');
      const [hook] = received;
      expect(hook!.params).toMatchObject({ From: 'whatsapp:+919812345006', To: 'whatsapp:+15005550006', Body: 'YES', WaId: '919812345006' });
      expect(twilio.validateRequest(authToken, hook!.signature ?? '', webhookUrl, hook!.params)).toBe(true);
      // The TwiML reply goes back on WhatsApp, inside the window the message opened.
      const thread = withHook.messages({ to: 'whatsapp:+919812345006' });
      expect(thread.map((m) => [m.direction, m.channel, m.from, m.body])).toEqual([['outbound-reply', 'whatsapp', 'whatsapp:+15005550006', 'Welcome to Match Coach on WhatsApp.']]);

      const html = await (await fetch(`${withHook.url}/phone`)).text();
      expect(html).toContain('WhatsApp · +919812345006');
      expect(html).toContain('Window open until');
      expect(html).toContain('Welcome to Match Coach on WhatsApp.');
      expect(html).toContain('<input type="hidden" name="Channel" value="whatsapp">');
    } finally {
      await withHook.stop();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('refuses a phone-page message whose To is on another channel than From, storing nothing', async () => {
    sandbox.reset();
    await expect(sandbox.sendInbound({ from: 'whatsapp:+919812345007', to: '+15005550006', body: 'hi' })).rejects.toThrow(/same channel/);
    expect(sandbox.messages()).toEqual([]);
  });

  it('shows a failed free text on the WhatsApp thread, and says the window is closed', async () => {
    sandbox.reset();
    const sender = createTwilioWhatsAppSender({ accountSid, authToken, from: WHATSAPP_FROM, apiBase: sandbox.url, timeoutMs });
    const result = await sender.send({ to: '+919812345008', messageId: 'x', content: { kind: 'text', body: 'Nobody opened this window.' } });
    await waitFor(() => sandbox.messages().find((m) => result.status === 'sent' && m.sid === result.providerId && m.status === 'failed'), 'the failure');
    const html = await (await fetch(`${sandbox.url}/phone`)).text();
    expect(html).toContain('failed 63016</strong> (outside the 24-hour window: not delivered)');
    expect(html).toContain('Window closed: only approved templates arrive');
  });
});
