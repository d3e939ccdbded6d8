import { randomBytes } from 'node:crypto';
import { freePort } from '../../infra/local/net';
import { startSmsSandbox, type SandboxFaultMode, type SmsSandbox } from '../../infra/local/sms-sandbox';
import { createTwilioSmsSender } from '../../shared/adapters/twilio/twilio-sms-sender';
import { describeSmsSenderContract, type SmsContractFault } from '../support/sms-sender-contract';

const accountSid = `AC${randomBytes(16).toString('hex')}`;
const authToken = randomBytes(16).toString('hex');
const from = '+15005550006';
// Short, so the "no answer" cases finish quickly, yet long enough that a machine busy with the
// rest of the suite does not time out a send the sandbox would have answered in milliseconds.
const timeoutMs = 1_500;

let sandbox: SmsSandbox;

beforeAll(async () => {
  sandbox = await startSmsSandbox({ port: await freePort(), accountSid, authToken, statusDelayMs: 5 });
});
afterAll(async () => {
  await sandbox.stop();
});

const sandboxFault: Record<SmsContractFault, SandboxFaultMode> = {
  'rate-limited': '429',
  'server-error': '500',
  timeout: 'hang',
  'accepted-then-timeout': 'accept-then-hang',
};

describeSmsSenderContract('Twilio adapter on the SMS sandbox', async () => {
  sandbox.reset();
  return {
    sender: createTwilioSmsSender({ accountSid, authToken, from, apiBase: sandbox.url, timeoutMs }),
    optOut: (phone) => sandbox.optOut(phone),
    sentTo: async (phone) => sandbox.messages({ to: phone }).filter((m) => m.direction === 'outbound-api').map((m) => m.body),
    failNext: (fault) => sandbox.injectFaults({ mode: sandboxFault[fault], count: 1 }),
    teardown: () => sandbox.reset(),
  };
});

describe('Twilio adapter specifics', () => {
  beforeEach(() => sandbox.reset());

  it('sends from a Messaging Service when `from` is an MG sid, with validity period and status callback', async () => {
    const service = `MG${randomBytes(16).toString('hex')}`;
    const sender = createTwilioSmsSender({
      accountSid,
      authToken,
      from: service,
      apiBase: `${sandbox.url}/`,
      timeoutMs,
      statusCallbackUrl: 'http://127.0.0.1:9/sms/status',
    });
    const result = await sender.send({ to: '+15551230001', body: 'Match Day is Friday.', messageId: 'm-1', validityPeriodSeconds: 3600 });
    expect(result.status).toBe('sent');
    const [stored] = sandbox.messages({ to: '+15551230001' });
    expect(stored).toMatchObject({
      from: null,
      messagingServiceSid: service,
      validityPeriod: 3600,
      statusCallback: 'http://127.0.0.1:9/sms/status',
    });
    expect(result).toEqual({ status: 'sent', providerId: stored!.sid });
  });

  it('passes Retry-After on a 429 as retryAfterSeconds', async () => {
    sandbox.injectFaults({ mode: '429', count: 1 });
    const sender = createTwilioSmsSender({ accountSid, authToken, from, apiBase: sandbox.url, timeoutMs });
    const result = await sender.send({ to: '+15551230002', body: 'x', messageId: 'm-2' });
    expect(result).toEqual({ status: 'failed', retryable: true, code: 'throttled', reason: 'twilio error 20429 (HTTP 429)', retryAfterSeconds: 1 });
  });

  it('keeps concurrent sends apart: only the rate-limited one carries retryAfterSeconds', async () => {
    sandbox.injectFaults({ mode: '429', count: 1 });
    const sender = createTwilioSmsSender({ accountSid, authToken, from, apiBase: sandbox.url, timeoutMs });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => sender.send({ to: `+1555123010${i}`, body: `text ${i}`, messageId: `m-${i}` })),
    );
    const failed = results.filter((r) => r.status === 'failed');
    expect(failed).toEqual([{ status: 'failed', retryable: true, code: 'throttled', reason: 'twilio error 20429 (HTTP 429)', retryAfterSeconds: 1 }]);
    expect(results.filter((r) => r.status === 'sent')).toHaveLength(5);
  });

  it('maps the sandbox rate limit (per sender) to retryable', async () => {
    sandbox.setRateLimit(1);
    const sender = createTwilioSmsSender({ accountSid, authToken, from, apiBase: sandbox.url, timeoutMs });
    expect((await sender.send({ to: '+15551230003', body: 'a', messageId: 'm-a' })).status).toBe('sent');
    expect(await sender.send({ to: '+15551230003', body: 'b', messageId: 'm-b' })).toMatchObject({ status: 'failed', retryable: true, code: 'throttled' });
  });

  it('maps wrong credentials to a permanent failure naming Twilio code 20003', async () => {
    const sender = createTwilioSmsSender({ accountSid, authToken: 'wrong-token', from, apiBase: sandbox.url, timeoutMs });
    expect(await sender.send({ to: '+15551230004', body: 'x', messageId: 'm-4' })).toEqual({
      status: 'failed',
      retryable: false,
      code: 'rejected',
      reason: 'twilio error 20003 (HTTP 401)',
    });
  });

  it('maps an unreachable API to a retryable network failure', async () => {
    const closedPort = await freePort();
    const sender = createTwilioSmsSender({ accountSid, authToken, from, apiBase: `http://127.0.0.1:${closedPort}`, timeoutMs });
    expect(await sender.send({ to: '+15551230005', body: 'x', messageId: 'm-5' })).toEqual({
      status: 'failed',
      retryable: true,
      code: 'network',
      reason: 'twilio: network error ECONNREFUSED',
    });
  });

  it('times out a hanging API within timeoutMs and reports it retryable', async () => {
    sandbox.injectFaults({ mode: 'hang', count: 1 });
    const sender = createTwilioSmsSender({ accountSid, authToken, from, apiBase: sandbox.url, timeoutMs: 150 });
    const result = await sender.send({ to: '+15551230006', body: 'x', messageId: 'm-6' });
    expect(result).toEqual({ status: 'failed', retryable: true, code: 'timeout', reason: 'twilio: no answer within 150 ms' });
    expect(sandbox.messages({ to: '+15551230006' })).toEqual([]);
  });
});
