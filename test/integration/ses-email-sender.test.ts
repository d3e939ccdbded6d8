import {
  BadRequestException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  SendEmailCommand,
  SendingPausedException,
  SESv2Client,
  SESv2ServiceException,
  TooManyRequestsException,
  type SESv2ClientConfig,
} from '@aws-sdk/client-sesv2';
import net from 'node:net';
import { freePort } from '../../infra/local/net';
import { startSesTwin, type RunningSesTwin } from '../../infra/local/ses-twin';
import { createSesEmailSender, MESSAGE_ID_TAG } from '../../shared/adapters/ses/ses-email-sender';
import type { EmailMessage, SendResult } from '../../shared/ports';
import type { SendFailureCode } from '../../shared/domain/outcome-codes';
import { describeEmailSenderContract, headerMap } from '../support/email-sender-contract';
import { SES_FAULTS, startSesFaultProxy, type SesFault, type SesFaultProxy } from '../support/ses-fault-proxy';

const FROM = 'Match Coach <coach@example.test>';

/** maxAttempts 1: one send is one request, so one injected fault is one failed send. */
function sesClient(endpoint: string, extra: SESv2ClientConfig = {}): SESv2Client {
  return new SESv2Client({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    ...extra,
  });
}

interface Stack {
  twin: RunningSesTwin;
  proxy: SesFaultProxy;
  client: SESv2Client;
  stop(): Promise<void>;
}

async function startStack(): Promise<Stack> {
  const twin = await startSesTwin({ port: await freePort() });
  const proxy = await startSesFaultProxy({ target: twin.endpoint }).catch(async (error) => {
    await twin.stop();
    throw error;
  });
  const client = sesClient(proxy.endpoint);
  return {
    twin,
    proxy,
    client,
    async stop() {
      client.destroy();
      await proxy.stop();
      await twin.stop();
    },
  };
}

async function inboxOf(twin: RunningSesTwin, to: string) {
  return (await twin.emails())
    .filter((email) => email.destination.to.includes(to))
    .map((email) => ({
      subject: email.subject,
      text: email.body.text,
      html: email.body.html,
      headers: headerMap((email.headers ?? []).map((h) => [h.name, h.value] as const)),
    }));
}

describeEmailSenderContract('SES v2 adapter over aws-ses-v2-local', async () => {
  const stack = await startStack();
  return {
    sender: createSesEmailSender({ client: stack.client, from: FROM }),
    inbox: (to) => inboxOf(stack.twin, to),
    failNext: (kind) => stack.proxy.failNext(1, SES_FAULTS[kind]),
    teardown: () => stack.stop(),
  };
});

describe('SES v2 adapter: the request it makes and how it reads SES errors', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  let n = 0;
  const message = (overrides: Partial<EmailMessage> = {}): EmailMessage => ({
    to: `ses-${++n}-${Date.now()}@example.test`,
    subject: 'Week 2: interviews',
    text: 'Practise one answer aloud today.',
    html: '<p>Practise one answer aloud today.</p>',
    messageId: 'enr-7f3a.interview-prep.2.email',
    ...overrides,
  });
  const lastRequestBody = () => stack.proxy.requests.at(-1)?.body as Record<string, any>;

  test('the fault proxy makes the real SDK raise the real exception classes', async () => {
    const cases: Array<[SesFault, abstract new (...args: never[]) => Error]> = [
      [SES_FAULTS.throttle, TooManyRequestsException],
      [SES_FAULTS.quota, LimitExceededException],
      [SES_FAULTS.reject, MessageRejected],
      [SES_FAULTS.paused, SendingPausedException],
      [SES_FAULTS.mailFromNotVerified, MailFromDomainNotVerifiedException],
      [SES_FAULTS['500'], SESv2ServiceException],
    ];
    for (const [fault, exceptionClass] of cases) {
      stack.proxy.failNext(1, fault);
      const sent = stack.client.send(
        new SendEmailCommand({
          FromEmailAddress: FROM,
          Destination: { ToAddresses: ['probe@example.test'] },
          Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } },
        }),
      );
      await expect(sent).rejects.toBeInstanceOf(exceptionClass);
      if (fault.kind === 'error') {
        await expect(sent).rejects.toMatchObject({ $metadata: { httpStatusCode: fault.status } });
      }
    }
  });

  test('sends Simple content in UTF-8, from our address, tagged with the sanitised message id', async () => {
    const sender = createSesEmailSender({ client: stack.client, from: FROM, configurationSetName: 'match-coach-events' });
    const sent = message({ headers: { 'List-Unsubscribe': '<https://coach.example.test/u/t>' } });
    const result = await sender.send(sent);
    expect(result.status).toBe('sent');

    const body = lastRequestBody();
    expect(body).toMatchObject({
      FromEmailAddress: FROM,
      Destination: { ToAddresses: [sent.to] },
      ConfigurationSetName: 'match-coach-events',
      EmailTags: [{ Name: MESSAGE_ID_TAG, Value: 'enr-7f3a_interview-prep_2_email' }],
      Content: {
        Simple: {
          Subject: { Data: sent.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: sent.text, Charset: 'UTF-8' }, Html: { Data: sent.html, Charset: 'UTF-8' } },
          Headers: [{ Name: 'List-Unsubscribe', Value: '<https://coach.example.test/u/t>' }],
        },
      },
    });
    // The twin's own message id is what we keep to match bounce and complaint events.
    const stored = (await stack.twin.emails()).find((e) => e.destination.to.includes(sent.to));
    expect(result).toEqual({ status: 'sent', providerId: stored?.messageId });
  });

  test('the twin keeps headers as sent (names unchanged) and stores none when we send none', async () => {
    const sender = createSesEmailSender({ client: stack.client, from: FROM });
    const withHeaders = message({
      headers: { 'List-Unsubscribe': '<https://coach.example.test/u/t>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    const without = message();
    await sender.send(withHeaders);
    await sender.send(without);
    expect(lastRequestBody().Content.Simple).not.toHaveProperty('Headers');

    const emails = await stack.twin.emails();
    expect(emails.find((e) => e.destination.to.includes(withHeaders.to))?.headers).toEqual([
      { name: 'List-Unsubscribe', value: '<https://coach.example.test/u/t>' },
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
    ]);
    expect(emails.find((e) => e.destination.to.includes(without.to))?.headers).toBeUndefined();
  });

  const failures: Array<[string, SesFault, { retryable: boolean; code: SendFailureCode; reason: RegExp }]> = [
    ['SendingPausedException', SES_FAULTS.paused, { retryable: true, code: 'sending_paused', reason: /^paused:/ }],
    [
      'AccountSuspendedException',
      { kind: 'error', status: 400, code: 'AccountSuspendedException', message: 'Account suspended.' },
      { retryable: true, code: 'sending_paused', reason: /^paused:/ },
    ],
    [
      'daily quota carried by TooManyRequestsException',
      { kind: 'error', status: 429, code: 'TooManyRequestsException', message: 'Daily message quota exceeded.' },
      { retryable: true, code: 'quota_exceeded', reason: /^quota:/ },
    ],
    [
      'an unmodelled ThrottlingException: Maximum sending rate exceeded',
      { kind: 'error', status: 400, code: 'ThrottlingException', message: 'Maximum sending rate exceeded.' },
      { retryable: true, code: 'throttled', reason: /^throttled:/ },
    ],
    [
      'an unmodelled ThrottlingException: Daily message quota exceeded',
      { kind: 'error', status: 400, code: 'ThrottlingException', message: 'Daily message quota exceeded.', via: 'body' },
      { retryable: true, code: 'quota_exceeded', reason: /^quota:/ },
    ],
    [
      'InternalServiceErrorException',
      { kind: 'error', status: 500, code: 'InternalServiceErrorException', message: 'Internal error.' },
      { retryable: true, code: 'provider_error', reason: /^provider:http-500$/ },
    ],
    ['a 503 with a JSON error', { kind: 'error', status: 503, code: 'ServiceUnavailable', message: 'x' }, { retryable: true, code: 'provider_error', reason: /^provider:http-503$/ }],
    ['a 502 that is not JSON', { kind: 'garbage', status: 502 }, { retryable: true, code: 'provider_error', reason: /^provider:http-502$/ }],
    ['a 429 that is not JSON', { kind: 'garbage', status: 429 }, { retryable: true, code: 'throttled', reason: /^throttled:/ }],
    ['a 400 that is not JSON', { kind: 'garbage', status: 400 }, { retryable: false, code: 'rejected', reason: /^provider:http-400$/ }],
    ['a connection dropped without an answer', { kind: 'reset' }, { retryable: true, code: 'network', reason: /^network:/ }],
    ['MailFromDomainNotVerifiedException', SES_FAULTS.mailFromNotVerified, { retryable: false, code: 'rejected', reason: /^rejected:/ }],
    [
      'BadRequestException',
      { kind: 'error', status: 400, code: 'BadRequestException', message: 'Invalid header name.' },
      { retryable: false, code: 'rejected', reason: /^rejected:bad-request$/ },
    ],
    [
      'NotFoundException (say, a configuration set that does not exist)',
      { kind: 'error', status: 404, code: 'NotFoundException', message: 'Configuration set <x> does not exist.' },
      { retryable: false, code: 'rejected', reason: /^rejected:not-found$/ },
    ],
    [
      'an unmodelled 403 (bad credentials)',
      { kind: 'error', status: 403, code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' },
      { retryable: false, code: 'rejected', reason: /^provider:http-403$/ },
    ],
  ];

  test.each(failures)('%s', async (_label, fault, expected) => {
    const sender = createSesEmailSender({ client: stack.client, from: FROM });
    const sent = message();
    stack.proxy.failNext(1, fault);
    const result = await sender.send(sent);
    expect(result).toMatchObject({ status: 'failed', retryable: expected.retryable, code: expected.code, reason: expect.stringMatching(expected.reason) });
    expect((result as { reason: string }).reason).not.toContain(sent.to);
    expect(await inboxOf(stack.twin, sent.to)).toHaveLength(0);
  });

  test('a request that outlasts the client timeout is retryable and does not throw', async () => {
    const client = sesClient(stack.proxy.endpoint, { requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true } });
    try {
      stack.proxy.failNext(1, { kind: 'hang' });
      const result = await createSesEmailSender({ client, from: FROM }).send(message());
      expect(result).toMatchObject({ status: 'failed', retryable: true, reason: expect.stringMatching(/^network:/) });
    } finally {
      client.destroy();
    }
  });

  test('nothing listening at the endpoint is retryable and does not throw', async () => {
    const client = sesClient(`http://127.0.0.1:${await freePort()}`);
    try {
      const result = await createSesEmailSender({ client, from: FROM }).send(message());
      expect(result).toEqual<SendResult>({ status: 'failed', retryable: true, code: 'network', reason: 'network:ECONNREFUSED' });
    } finally {
      client.destroy();
    }
  });

  test('with SDK retries left on, one transient 500 is absorbed and the email arrives once', async () => {
    const client = sesClient(stack.proxy.endpoint, { maxAttempts: 2 });
    try {
      const sent = message();
      stack.proxy.failNext(1, SES_FAULTS['500']);
      expect(await createSesEmailSender({ client, from: FROM }).send(sent)).toMatchObject({ status: 'sent' });
      expect(await inboxOf(stack.twin, sent.to)).toHaveLength(1);
    } finally {
      client.destroy();
    }
  });
});

describe('startSesTwin', () => {
  test('fails fast when its port is taken, instead of talking to whoever holds it', async () => {
    const squatter = net.createServer((socket) => socket.destroy());
    const port = await freePort();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      // Either its exit or the squatter's non-HTTP answer ends the start, whichever comes first;
      // a start that waited on forever would hit the test's timeout.
      await expect(startSesTwin({ port })).rejects.toThrow();
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  }, 20_000);

  test('serves its mailbox page and an empty store on 127.0.0.1, and stop() ends it', async () => {
    const port = await freePort();
    const twin = await startSesTwin({ port });
    try {
      expect(twin.endpoint).toBe(`http://127.0.0.1:${port}`);
      expect((await fetch(twin.mailboxUrl)).status).toBe(200);
      expect(await twin.emails()).toEqual([]);
    } finally {
      await twin.stop();
    }
    await expect(fetch(`http://127.0.0.1:${port}/health-check`)).rejects.toThrow();
    await twin.stop(); // a second stop is harmless
  }, 30_000);
});
