import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createApiHandler } from '../../functions/api';
import type { MemoryStore } from '../../shared/adapters/memory/memory-store';
import type { SnsEnvelope } from '../../shared/adapters/sns';
import { silentLogger } from '../../shared/ports';
import tls from 'node:tls';
import { createFakeSns, TEST_CERT_URL, TEST_ISSUER_URL, type FakeSns } from '../support/sns-signer';
import { TEST_SES_TOPIC_ARN, memoryServices } from '../support/memory-services';
import { seedPerson } from '../support/seed';

/**
 * POST /webhooks/ses: SNS signatures checked with node:crypto against a certificate fetched only
 * from an SNS host (here our own, made by openssl and served from memory), subscriptions confirmed
 * only for our topic, and bounces and complaints suppressing addresses.
 */

// openssl makes a fresh RSA key: seconds when the machine is busy running other suites.
jest.setTimeout(60_000);

let sns: FakeSns;
beforeAll(() => {
  sns = createFakeSns();
});
afterAll(() => sns.remove());

/** SNS stamps each message when it is published; the tests' certificates are valid from now. */
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

const notification = (message: object, topic = TEST_SES_TOPIC_ARN): Omit<SnsEnvelope, 'Signature' | 'SignatureVersion' | 'SigningCertURL'> => ({
  Type: 'Notification',
  MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
  TopicArn: topic,
  Message: JSON.stringify(message),
  Timestamp: minutesAgo(2),
});
const bounce = (address: string, bounceType = 'Permanent') => ({
  eventType: 'Bounce',
  bounce: { bounceType, bounceSubType: 'General', bouncedRecipients: [{ emailAddress: address, status: '5.1.1' }] },
  mail: { destination: [address], messageId: 'ses-1' },
});
const confirmation = (topic = TEST_SES_TOPIC_ARN, subscribeUrl = 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=abc') => ({
  Type: 'SubscriptionConfirmation' as const,
  MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
  Token: 'abc',
  TopicArn: topic,
  Message: 'You have chosen to subscribe to the topic. To confirm the subscription, visit the SubscribeURL included in this message.',
  SubscribeURL: subscribeUrl,
  Timestamp: minutesAgo(2),
});

const post = (body: unknown): APIGatewayProxyEventV2 =>
  ({
    rawPath: '/webhooks/ses',
    rawQueryString: '',
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST' } },
  }) as unknown as APIGatewayProxyEventV2;

async function setup(options: { acceptUnsigned?: boolean; topicArn?: string | null } = {}) {
  const client = sns.client(() => new Date());
  const services = memoryServices({
    sesEvents: {
      sns: client,
      ...(options.topicArn !== null && { topicArn: options.topicArn ?? TEST_SES_TOPIC_ARN }),
      acceptUnsigned: options.acceptUnsigned ?? false,
    },
  });
  await seedPerson(services.store, {
    personId: 'p-asha',
    email: 'asha@example.com',
    timeZone: 'Asia/Kolkata',
    consent: { email: { state: 'confirmed', source: 'web', at: '2027-01-01T00:00:00.000Z', text: 'Email me' } },
    profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
    createdAt: '2027-01-01T00:00:00.000Z',
  });
  const handler = createApiHandler(Promise.resolve(services), silentLogger);
  const snapshot = () => JSON.stringify((services.store as MemoryStore).snapshot());
  return { services, client, handler, snapshot };
}

describe('SNS signature verification', () => {
  const asha = () => notification(bounce('asha@example.com'));

  test('SignatureVersion 1 (SHA1) and 2 (SHA256) verify; one changed byte does not', async () => {
    const client = sns.client();
    for (const version of ['1', '2'] as const) {
      const signed = sns.sign(asha(), { version });
      expect(await client.check(signed)).toEqual({ ok: true });
      expect(await client.verify({ ...signed, Message: signed.Message.replace('Permanent', 'Permanenu') })).toBe(false);
      expect(await client.verify({ ...signed, TopicArn: `${signed.TopicArn}x` })).toBe(false);
      // Change the first character to a different one (the signature varies with the timestamp, so a fixed 'A' is sometimes no change).
      const signature = signed.Signature!;
      const changedFirst = signature[0] === 'A' ? 'B' : 'A';
      expect(await client.check({ ...signed, Signature: `${changedFirst}${signature.slice(1)}` })).toEqual({ ok: false, reason: 'signature' });
    }
    // One certificate fetch and one fetch of its issuer for everything above: the checked chain is cached.
    expect(client.fetches).toEqual([TEST_CERT_URL]);
    expect(client.issuerFetches).toEqual([TEST_ISSUER_URL]);
  });

  test('a certificate is fetched only over https from sns.<a real region shape>.amazonaws.com, under SNS\'s file name', async () => {
    const client = sns.client();
    for (const certUrl of [
      'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem',
      'https://evil.example.com/SimpleNotificationService-abc.pem',
      'https://sns.us-east-1.amazonaws.com.evil.example.com/SimpleNotificationService-abc.pem',
      'https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-abc.pem',
      'https://user@sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem',
      // Another AWS service's host on amazonaws.com: anyone can serve files from S3.
      'https://sns.s3.amazonaws.com/SimpleNotificationService-abc.pem',
      'https://sns.amazonaws.com/SimpleNotificationService-abc.pem',
      'https://sns.us-east.amazonaws.com/SimpleNotificationService-abc.pem',
      'https://sns.us-east-1.amazonaws.com/uploads/cert.pem',
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem?x=1',
      'not a url',
    ]) {
      expect(await client.check(sns.sign(asha(), { certUrl }))).toEqual({ ok: false, reason: 'certificate_url' });
    }
    expect(client.fetches).toEqual([]);
    // Real region shapes, China's suffix included, are fetched (here nothing is served there).
    for (const certUrl of ['https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem', 'https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-abc.pem']) {
      expect(await client.check(sns.sign(asha(), { certUrl }))).toEqual({ ok: false, reason: 'certificate_unavailable' });
    }
    expect(client.fetches).toHaveLength(2);
  });

  test('a certificate that does not chain to a trusted root is refused, however well it signs', async () => {
    const selfSigned = sns.mint({ url: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-self.pem', selfSigned: true });
    const client = sns.client();
    expect(await client.check(sns.sign(asha(), { with: selfSigned }))).toEqual({ ok: false, reason: 'certificate_chain' });
    // Our real chain, checked against Node's own roots (which do not hold the test root): refused too.
    const strict = sns.client(undefined, { trustedRoots: tls.rootCertificates });
    expect(await strict.check(sns.sign(asha()))).toEqual({ ok: false, reason: 'certificate_chain' });
  });

  test('the issuer is fetched only from Amazon\'s certificate host', async () => {
    const elsewhere = sns.mint({ url: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-elsewhere.pem', issuerUrl: 'http://crt.evil.example.com/intermediate.cer' });
    const client = sns.client();
    expect(await client.check(sns.sign(asha(), { with: elsewhere }))).toEqual({ ok: false, reason: 'certificate_chain' });
    expect(client.issuerFetches).toEqual([]);
  });

  test('a certificate for another name, or a CA certificate, is not an SNS signing certificate', async () => {
    const client = sns.client();
    const otherName = sns.mint({ url: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-other.pem', name: 'mail.example.com' });
    expect(await client.check(sns.sign(asha(), { with: otherName }))).toEqual({ ok: false, reason: 'certificate_not_sns' });
    const ca = sns.mint({ url: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-ca.pem', ca: true });
    expect(await client.check(sns.sign(asha(), { with: ca }))).toEqual({ ok: false, reason: 'certificate_not_sns' });
  });

  test('an expired certificate does not verify', async () => {
    const later = new Date(Date.now() + 10 * 86_400_000);
    const client = sns.client(() => later);
    // A message stamped at that moment, so only the certificate's dates are wrong.
    expect(await client.check(sns.sign({ ...asha(), Timestamp: later.toISOString() }))).toEqual({ ok: false, reason: 'certificate_dates' });
  });

  test('a message more than an hour old, or from the future beyond a few minutes, is refused', async () => {
    const client = sns.client();
    expect(await client.check(sns.sign({ ...asha(), Timestamp: minutesAgo(59) }))).toEqual({ ok: true });
    expect(await client.check(sns.sign({ ...asha(), Timestamp: minutesAgo(61) }))).toEqual({ ok: false, reason: 'timestamp_stale' });
    expect(await client.check(sns.sign({ ...asha(), Timestamp: minutesAgo(-4) }))).toEqual({ ok: true });
    expect(await client.check(sns.sign({ ...asha(), Timestamp: minutesAgo(-6) }))).toEqual({ ok: false, reason: 'timestamp_future' });
    expect(await client.check(sns.sign({ ...asha(), Timestamp: 'yesterday' }))).toEqual({ ok: false, reason: 'timestamp_stale' });
  });
});

describe('POST /webhooks/ses', () => {
  test('a signed permanent bounce suppresses the address', async () => {
    const { handler, services } = await setup();
    const res = await handler(post(sns.sign(notification(bounce('asha@example.com')))));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toEqual({ status: 'suppressed', suppressed: 1, unknown: 0 });
    expect((await services.store.getPerson('p-asha'))!.consent.email).toMatchObject({ state: 'revoked', source: 'ses-bounce' });
  });

  test('a signed complaint suppresses; a transient bounce does not', async () => {
    const { handler, services } = await setup();
    expect((await handler(post(sns.sign(notification(bounce('asha@example.com', 'Transient')))))).statusCode).toBe(200);
    expect((await services.store.getPerson('p-asha'))!.consent.email!.state).toBe('confirmed');
    const complaint = { notificationType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: 'asha@example.com' }] }, mail: { destination: ['asha@example.com'] } };
    expect((await handler(post(sns.sign(notification(complaint))))).statusCode).toBe(200);
    expect((await services.store.getPerson('p-asha'))!.consent.email).toMatchObject({ state: 'revoked', source: 'ses-complaint' });
  });

  test('unsigned, badly signed or foreign-topic events are refused and change nothing', async () => {
    const { handler, snapshot } = await setup();
    const before = snapshot();
    expect((await handler(post(notification(bounce('asha@example.com'))))).statusCode).toBe(403);
    const signed = sns.sign(notification(bounce('asha@example.com')));
    expect((await handler(post({ ...signed, Message: JSON.stringify(bounce('asha@example.com', 'Permanent')) + ' ' }))).statusCode).toBe(403);
    expect((await handler(post(sns.sign(notification(bounce('asha@example.com'), 'arn:aws:sns:us-east-1:999999999999:other'))))).statusCode).toBe(400);
    expect((await handler(post('{not json'))).statusCode).toBe(400);
    expect((await handler(post({ Type: 'Notification' }))).statusCode).toBe(400);
    expect((await handler(post(sns.sign({ ...notification({}), Message: 'not json' })))).statusCode).toBe(400);
    expect((await handler(post(sns.sign(notification({ hello: 'world' }))))).statusCode).toBe(400);
    expect(snapshot()).toBe(before);
  });

  test('each refusal of the certificate or the timestamp is a 403 that changes nothing', async () => {
    const { handler, snapshot } = await setup();
    const before = snapshot();
    const replayed = sns.sign({ ...notification(bounce('asha@example.com')), Timestamp: minutesAgo(90) });
    const s3Hosted = sns.sign(notification(bounce('asha@example.com')), { certUrl: 'https://sns.s3.amazonaws.com/SimpleNotificationService-abc.pem' });
    const selfSigned = sns.sign(notification(bounce('asha@example.com')), { with: sns.mint({ url: 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-self.pem', selfSigned: true }) });
    for (const refused of [replayed, s3Hosted, selfSigned]) expect((await handler(post(refused))).statusCode).toBe(403);
    expect(snapshot()).toBe(before);
  });

  test('a SubscriptionConfirmation is confirmed only for our topic, by visiting its SNS SubscribeURL', async () => {
    const { handler, client } = await setup();
    expect((await handler(post(sns.sign(confirmation('arn:aws:sns:us-east-1:999999999999:other'))))).statusCode).toBe(400);
    expect((await handler(post(sns.sign(confirmation(TEST_SES_TOPIC_ARN, 'https://evil.example.com/confirm'))))).statusCode).toBe(400);
    expect((await handler(post(confirmation()))).statusCode).toBe(403);
    expect(client.visits).toEqual([]);
    const res = await handler(post(sns.sign(confirmation())));
    expect(res.statusCode).toBe(200);
    expect(client.visits).toEqual(['https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=abc']);
  });

  test('without a configured topic no subscription is ever confirmed', async () => {
    const { handler, client } = await setup({ topicArn: null });
    expect((await handler(post(sns.sign(confirmation())))).statusCode).toBe(400);
    expect(client.visits).toEqual([]);
  });

  test('locally (LOCAL_SES_EVENTS=1) an unsigned notification is taken, an unsigned confirmation never', async () => {
    const { handler, services, client } = await setup({ acceptUnsigned: true, topicArn: null });
    expect((await handler(post(confirmation()))).statusCode).toBe(400);
    expect(client.visits).toEqual([]);
    const res = await handler(post(notification(bounce('asha@example.com'), 'arn:aws:sns:local:000000000000:ses-events')));
    expect(res.statusCode).toBe(200);
    expect((await services.store.getPerson('p-asha'))!.consent.email).toMatchObject({ state: 'revoked', source: 'ses-bounce' });
  });
});
