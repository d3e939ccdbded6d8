import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { createApiHandler } from '../../functions/api';
import type { MemoryStore } from '../../shared/adapters/memory/memory-store';
import { shippedLibrary } from '../../shared/app/scheduling/library';
import { confirmEmail } from '../../shared/app/subscription/confirm-email';
import type { SubscriptionDeps } from '../../shared/app/subscription/deps';
import { subscribe } from '../../shared/app/subscription/sign-up';
import { issueToken, TOKEN_PURPOSES } from '../../shared/domain/tokens';
import { silentLogger } from '../../shared/ports';
import { createFakeSns, type FakeSns } from '../support/sns-signer';
import { TEST_SES_TOPIC_ARN, TEST_TOKEN_SECRET, memoryServices, type MemoryServices } from '../support/memory-services';
import { report } from '../support/report';

/**
 * Every public address of the email half, hit through functions/api.ts's handler with arbitrary
 * bodies, encodings (base64 or not), content types, headers and link tokens, over memory-backed
 * services holding a confirmed and an unconfirmed person. Two properties, 1,000 runs per endpoint:
 * never a 5xx; and a request that is refused (4xx) changes nothing: the whole memory store and
 * both outboxes are the same after as before.
 */

jest.setTimeout(600_000);
const RUNS = 1_000;
shippedLibrary(); // warm the content cache outside the timed runs

interface World {
  services: MemoryServices;
  handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  tokens: string[];
  snapshot(): string;
}

let sns: FakeSns;
let world: World;
beforeAll(async () => {
  sns = createFakeSns();
  world = await buildWorld();
});
afterAll(() => sns.remove());

/** A confirmed person with a number (texts pending) and an unconfirmed one; tokens of every kind for both. */
async function buildWorld(): Promise<World> {
  const services = memoryServices({ sesEvents: { sns: sns.client(() => new Date()), topicArn: TEST_SES_TOPIC_ARN, acceptUnsigned: false } });
  services.at('2026-09-01T06:00:00.000Z');
  const deps: SubscriptionDeps = { ...services, library: shippedLibrary(), postalAddress: services.settings.postalAddress };
  const base = { timeZone: 'Asia/Kolkata', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1', step2_exam: '2026-10-20' };
  await subscribe(deps, { ...base, email: 'asha@example.com', mobile: '+919812345678', smsConsent: 'yes' });
  const confirm = /\/confirm\/([A-Za-z0-9_.-]+)/.exec(services.email.sent[0]!.text)![1]!;
  await confirmEmail(deps, confirm);
  await subscribe(deps, { ...base, email: 'ravi@example.org' });
  const tokens: string[] = [confirm, /\/confirm\/([A-Za-z0-9_.-]+)/.exec(services.email.sent[1]!.text)![1]!];
  for (const email of ['asha@example.com', 'ravi@example.org']) {
    const personId = (await services.store.findPersonIdByEmail(email))!;
    for (const purpose of TOKEN_PURPOSES) tokens.push(issueToken(TEST_TOKEN_SECRET, purpose, personId, services.clock.now()));
    // Expired, and signed with another secret.
    tokens.push(issueToken(TEST_TOKEN_SECRET, 'preferences', personId, new Date('2020-01-01T00:00:00Z'), 60));
    tokens.push(issueToken('not-our-secret-not-our-secret-0123456789', 'unsubscribe', personId, services.clock.now()));
  }
  return {
    services,
    handler: createApiHandler(Promise.resolve(services), silentLogger),
    tokens,
    snapshot: () => JSON.stringify((services.store as MemoryStore).snapshot()),
  };
}

// ---- Arbitraries -------------------------------------------------------------------------------------

const FIELD_NAMES = [
  'email', 'firstName', 'mobile', 'smsConsent', 'timeZone', 'season', 'visaTrack', 'applicantType', 'attempt', 'specialty',
  'step1_exam', 'step2_exam', 'step3_exam', 'oet_exam', 'documents_due', 'website', 'action', 'sms', 'quietStart', 'quietEnd',
  'pause', 'outcome', 'showPlanToCounselor', 'confirm', 'unsubscribe', 'List-Unsubscribe',
];
const GOOD_VALUES = [
  'on', 'off', 'yes', 'One-Click', 'page', 'save', 'delete', 'delete-confirmed', '2027', '2028', 'Asia/Kolkata', 'America/Chicago', 'j1', 'h1b',
  'non-us-img', 'us-img', '1', '2', '21:00', '20:00', '08:00', '09:00', '22:00', 'keep', 'none', '7', 'applying', 'unmatched', '2027-01-20',
  '2027-02-30', '+919812345678', '+1 (555) 123-4567', 'asha@example.com', 'new.person@example.net', '',
];
const fieldName = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FIELD_NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) });
const fieldValue = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...GOOD_VALUES) }, { weight: 2, arbitrary: fc.string({ maxLength: 60 }) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) });
const fields = fc.dictionary(fieldName, fieldValue, { maxKeys: 12 });

/** A near-valid form: what a real browser sends, with a few fields changed at random. */
const SAVE = { action: 'save', email: 'on', sms: 'off', quietStart: '21:00', quietEnd: '08:00', pause: 'keep', timeZone: 'Asia/Kolkata', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1', outcome: 'applying' };
const SIGNUP = { email: 'someone@example.com', timeZone: 'Asia/Kolkata', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1' };
const nearValid = (base: Record<string, string>) =>
  fc.oneof(
    fc.constant(base),
    fc.tuple(fc.constant(base), fc.dictionary(fc.constantFrom(...FIELD_NAMES), fc.constantFrom(...GOOD_VALUES), { maxKeys: 2 })).map(([b, changes]) => ({ ...b, ...changes })),
    fc.tuple(fc.constant(base), fields).map(([b, changes]) => ({ ...b, ...changes })),
  );

const urlencoded = (record: Record<string, string>) => new URLSearchParams(record).toString();
const boundary = fc.stringMatching(/^[A-Za-z0-9'()+_,-]{1,40}$/);
/** RFC 2045: a boundary with tspecials such as ( ) , must be quoted in the header. */
const quoted = (b: string) => (/^[A-Za-z0-9_'+-]+$/.test(b) ? b : `"${b}"`);
const multipart = (record: Record<string, string>, b: string, broken: boolean) => {
  const parts = Object.entries(record).map(([k, v]) => `--${b}\r\nContent-Disposition: form-data; name="${k.replace(/["\r\n]/g, '')}"\r\n\r\n${v}\r\n`);
  const body = `${parts.join('')}--${b}--\r\n`;
  return broken ? body.slice(0, Math.floor(body.length / 2)) : body;
};

interface Req {
  body?: string;
  isBase64Encoded: boolean;
  headers: Record<string, string>;
}

/** A body in one of the shapes a client (or an attacker) might send, under a matching or clashing content type. */
function requests(formShapes: fc.Arbitrary<Record<string, string>>[], extraBodies: fc.Arbitrary<string>[] = []): fc.Arbitrary<Req> {
  const form = fc.oneof(...formShapes);
  const contentType = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8', 'text/plain', 'application/json', 'multipart/form-data', 'text/plain; charset=UTF-8'),
    fc.string({ maxLength: 40 }),
  );
  const wellFormed = fc.oneof(
    form.map((f) => ({ body: urlencoded(f), contentType: 'application/x-www-form-urlencoded' })),
    fc.record({ form, b: boundary }).map(({ form: f, b }) => ({ body: multipart(f, b, false), contentType: `multipart/form-data; boundary=${quoted(b)}` })),
  );
  const shaped = fc.oneof(
    { weight: 6, arbitrary: wellFormed },
    fc.record({ form, contentType }).map(({ form: f, contentType: ct }) => ({ body: urlencoded(f), contentType: ct ?? 'application/x-www-form-urlencoded' })),
    fc.record({ form, b: boundary, broken: fc.boolean(), mismatch: fc.boolean() }).map(({ form: f, b, broken, mismatch }) => ({
      body: multipart(f, b, broken),
      contentType: `multipart/form-data; boundary=${quoted(mismatch ? `${b}x` : b)}`,
    })),
    fc.record({ body: fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), ...extraBodies), contentType }),
  );
  const extraHeaders = fc.dictionary(fc.oneof(fc.constantFrom('cookie', 'x-amz-sns-message-type', 'origin', 'referer', 'content-length', 'x-forwarded-for'), fc.string({ minLength: 1, maxLength: 20 })), fc.string({ maxLength: 60 }), { maxKeys: 4 });
  return fc.record({ shaped, extraHeaders, base64: fc.boolean(), empty: fc.nat(19).map((n) => n === 0) }).map(({ shaped: s, extraHeaders: h, base64, empty }) => {
    const headers: Record<string, string> = { ...h };
    if (s.contentType !== undefined) headers['content-type'] = s.contentType;
    if (empty) return { headers, isBase64Encoded: base64 };
    return { body: base64 ? Buffer.from(s.body, 'utf8').toString('base64') : s.body, isBase64Encoded: base64, headers };
  });
}

/** Mostly a token of the purpose the address expects (so the deep paths run), often any other. */
const token = (purpose?: string) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.nat().map((i) => { const own = world.tokens.filter((t) => purposeOf(t) === purpose); return own.length ? own[i % own.length]! : world.tokens[i % world.tokens.length]!; }) },
    { weight: 2, arbitrary: fc.nat().map((i) => world.tokens[i % world.tokens.length]!) },
    { weight: 1, arbitrary: fc.nat().map((i) => { const t = world.tokens[i % world.tokens.length]!; return t.slice(0, Math.max(1, t.length - 1 - (i % 7))); }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 80 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%E0%A4%A', 'a.b', '..', 'x'.repeat(600), '%2F', '.ics') },
  );

function purposeOf(t: string): string | undefined {
  try {
    return JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString('utf8')).p;
  } catch {
    return undefined;
  }
}

const event = (method: string, path: string, req: Req, query = ''): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    rawPath: path,
    rawQueryString: query,
    headers: req.headers,
    ...(req.body !== undefined && { body: req.body }),
    isBase64Encoded: req.isBase64Encoded,
    requestContext: { http: { method, path }, domainName: 'coach.example.test' },
  }) as unknown as APIGatewayProxyEventV2;

// ---- The two properties --------------------------------------------------------------------------------

const tally = new Map<string, Map<number, number>>();
afterAll(() => {
  const lines = [...tally].map(([name, counts]) => `${name}: ${[...counts.values()].reduce((a, b) => a + b, 0)} runs, status ${[...counts].sort(([a], [b]) => a - b).map(([s, n]) => `${s}x${n}`).join(' ')}`);
  report(`\nproperty runs per endpoint (never 5xx; 4xx leaves store and outboxes unchanged):\n  ${lines.join('\n  ')}\n`);
});

async function check(name: string, arbitrary: fc.Arbitrary<{ method: string; path: string; req: Req; query?: string }>) {
  const counts = new Map<number, number>();
  tally.set(name, counts);
  await fc.assert(
    fc.asyncProperty(arbitrary, async ({ method, path, req, query }) => {
      const before = world.snapshot();
      const mails = world.services.email.sent.length;
      const texts = world.services.sms.sent.length;
      const res = await world.handler(event(method, path, req, query));
      const status = res.statusCode ?? 200;
      counts.set(status, (counts.get(status) ?? 0) + 1);
      expect(status).toBeLessThan(500);
      if (status >= 400) {
        expect(world.snapshot()).toBe(before);
        expect(world.services.email.sent.length).toBe(mails);
        expect(world.services.sms.sent.length).toBe(texts);
      }
      // A run that erased the confirmed person leaves the next runs with less to reach: start over.
      if (!(await world.services.store.findPersonIdByEmail('asha@example.com'))) world = await buildWorld();
    }),
    { numRuns: RUNS },
  );
}

const PURPOSE_OF: Record<string, string> = { '/confirm': 'confirm-email', '/preferences': 'preferences', '/unsubscribe': 'unsubscribe', '/calendar': 'calendar' };
const pathWith = (prefix: string, suffix = '') => token(PURPOSE_OF[prefix]).map((t) => `${prefix}/${t}${suffix}`);

describe('public endpoints: never a 5xx, and a refused request changes nothing (1,000 runs each)', () => {
  test('GET /', () => check('GET /', requests([fields]).map((req) => ({ method: 'GET', path: '/', req }))));

  test('POST /subscribe', () =>
    check('POST /subscribe', requests([fields, nearValid(SIGNUP), nearValid(SIGNUP), nearValid(SIGNUP)]).map((req) => ({ method: 'POST', path: '/subscribe', req }))));

  test('GET /confirm/x', () =>
    check('GET /confirm/x', fc.record({ path: pathWith('/confirm'), req: requests([fields]) }).map((r) => ({ method: 'GET', ...r }))));

  test('POST /confirm/x', () =>
    check('POST /confirm/x', fc.record({ path: pathWith('/confirm'), req: requests([fields, fc.constant({ confirm: 'yes' }), fc.constant({ confirm: 'yes' })]) }).map((r) => ({ method: 'POST', ...r }))));

  test('GET /preferences/x', () =>
    check('GET /preferences/x', fc.record({ path: pathWith('/preferences'), req: requests([fields]) }).map((r) => ({ method: 'GET', ...r }))));

  test('POST /preferences/x', () =>
    check(
      'POST /preferences/x',
      fc.record({ path: pathWith('/preferences'), req: requests([fields, nearValid(SAVE), nearValid(SAVE), nearValid(SAVE), nearValid(SAVE), fc.constantFrom<Record<string, string>>({ action: 'delete' }, { action: 'delete-confirmed' }, { action: 'nonsense' })]) }).map((r) => ({ method: 'POST', ...r })),
    ));

  test('GET /unsubscribe/x', () =>
    check('GET /unsubscribe/x', fc.record({ path: pathWith('/unsubscribe'), req: requests([fields]) }).map((r) => ({ method: 'GET', ...r }))));

  test('POST /unsubscribe/x', () =>
    check(
      'POST /unsubscribe/x',
      fc.record({ path: pathWith('/unsubscribe'), req: requests([fields, fc.constantFrom<Record<string, string>>({ 'List-Unsubscribe': 'One-Click' }, { unsubscribe: 'page' }, { 'List-Unsubscribe': 'one-click' }), fc.constant({ 'List-Unsubscribe': 'One-Click' })]) }).map((r) => ({ method: 'POST', ...r })),
    ));

  test('GET /calendar/x.ics', () =>
    check('GET /calendar/x.ics', fc.record({ path: fc.oneof(pathWith('/calendar', '.ics'), pathWith('/calendar')), req: requests([fields]) }).map((r) => ({ method: 'GET', ...r }))));

  test('POST /webhooks/ses', () => {
    const address = fc.constantFrom('asha@example.com', 'ravi@example.org', 'Asha <asha@example.com>', 'nobody@example.com', 'not an address');
    const sesEvent = fc.oneof(
      fc.record({ eventType: fc.constantFrom('Bounce', 'Complaint', 'Delivery', 'Send'), bounce: fc.record({ bounceType: fc.constantFrom('Permanent', 'Transient', 'Undetermined'), bouncedRecipients: fc.array(fc.record({ emailAddress: address }), { maxLength: 3 }) }), mail: fc.record({ destination: fc.array(address, { maxLength: 3 }) }) }),
      fc.record({ notificationType: fc.constantFrom('Complaint', 'Bounce'), complaint: fc.record({ complainedRecipients: fc.array(fc.record({ emailAddress: address }), { maxLength: 3 }) }), mail: fc.record({ destination: fc.array(address, { maxLength: 3 }) }) }),
      fc.jsonValue({ maxDepth: 3 }),
    );
    const envelope = fc.record({
      Type: fc.oneof({ weight: 6, arbitrary: fc.constant('Notification') }, fc.constantFrom('SubscriptionConfirmation', 'UnsubscribeConfirmation', 'Other')),
      MessageId: fc.uuid(),
      TopicArn: fc.oneof({ weight: 4, arbitrary: fc.constant(TEST_SES_TOPIC_ARN) }, fc.constant('arn:aws:sns:us-east-1:999999999999:other')),
      Message: fc.oneof({ weight: 4, arbitrary: sesEvent.map((e) => JSON.stringify(e)) }, fc.string({ maxLength: 100 })),
      // Minutes old (signed ones can pass every check) or hours old (refused as a replay).
      Timestamp: fc.oneof({ weight: 4, arbitrary: fc.constant(new Date(Date.now() - 5 * 60_000).toISOString()) }, fc.constant(new Date(Date.now() - 3 * 3600_000).toISOString())),
      Token: fc.constant('tok'),
      SubscribeURL: fc.constantFrom('https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription', 'https://evil.example.com/'),
    });
    // Some envelopes properly signed by our stand-in SNS, some signed then tampered with, most not signed at all.
    const body = fc.record({ envelope, signing: fc.constantFrom('none', 'signed', 'signed', 'signed', 'tampered', 'bad-cert'), version: fc.constantFrom('1' as const, '2' as const) }).map(({ envelope: e, signing, version }) => {
      const base = e.Type === 'Notification' ? { ...e, Token: undefined, SubscribeURL: undefined } : e;
      const clean = JSON.parse(JSON.stringify(base));
      if (signing === 'none' || clean.Type === 'Other') return JSON.stringify(clean);
      const signed = sns.sign(clean, { version, ...(signing === 'bad-cert' && { certUrl: 'https://sns.us-east-1.amazonaws.com.evil.example/c.pem' }) });
      return JSON.stringify(signing === 'tampered' ? { ...signed, MessageId: `${signed.MessageId}0` } : signed);
    });
    // SNS posts JSON as text/plain; the webhook reads the body whatever the type says.
    const req = fc
      .record({
        body: fc.oneof({ weight: 8, arbitrary: body }, fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v))),
        contentType: fc.oneof({ weight: 3, arbitrary: fc.constant('text/plain; charset=UTF-8') }, fc.string({ maxLength: 40 })),
        base64: fc.boolean(),
      })
      .map(({ body: b, contentType, base64 }): Req => ({
        body: base64 ? Buffer.from(b, 'utf8').toString('base64') : b,
        isBase64Encoded: base64,
        headers: { 'content-type': contentType, 'x-amz-sns-message-type': 'Notification' },
      }));
    return check('POST /webhooks/ses', fc.oneof(req, requests([fields])).map((r) => ({ method: 'POST', path: '/webhooks/ses', req: r })));
  });
});
