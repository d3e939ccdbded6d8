import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createApiHandler } from '../../functions/api';
import { enroll } from '../../shared/app/scheduling/enroll';
import { issueToken } from '../../shared/domain/tokens';
import { silentLogger } from '../../shared/ports';
import { memoryServices, TEST_TOKEN_SECRET } from '../support/memory-services';
import type { MemoryStore } from '../../shared/adapters/memory/memory-store';

/** The plan page's HTTP edges: links that do not work, forms that cannot be read, headers. */

async function world() {
  const services = memoryServices();
  const handler = createApiHandler(Promise.resolve(services), silentLogger);
  const { personId } = await enroll(services, { email: 'priya@example.com', timeZone: 'Asia/Kolkata', season: 2027 });
  const request = (method: 'GET' | 'POST', path: string, body = '') =>
    handler({
      version: '2.0', routeKey: '$default', rawPath: path, rawQueryString: '', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      requestContext: { http: { method, path } }, body, isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2);
  const snapshot = () => JSON.stringify((services.store as MemoryStore).snapshot());
  return { services, personId, request, snapshot, token: (purpose: 'preferences' | 'calendar' = 'preferences') => issueToken(TEST_TOKEN_SECRET, purpose, personId, services.clock.now()) };
}

type World = Awaited<ReturnType<typeof world>>;

test('the page: strict CSP, no script, no cookie, not cached', async () => {
  const w = await world();
  const res = await w.request('GET', `/plan/${w.token()}`);
  expect(res.statusCode).toBe(200);
  expect(res.headers!['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; form-action 'self'/);
  expect(res.headers!['cache-control']).toBe('no-store');
  expect(res.headers!['set-cookie']).toBeUndefined();
  expect(res.body).not.toContain('<script');
});

test.each([
  ['a forged token', (w: World) => `${w.token().slice(0, -2)}xx`],
  ['a calendar token (wrong purpose)', (w: World) => w.token('calendar')],
  ['garbage', () => 'not-a-token'],
])('%s opens nothing and changes nothing', async (_name, tokenOf) => {
  const w = await world();
  const token = tokenOf(w);
  const before = w.snapshot();
  expect((await w.request('GET', `/plan/${token}`)).statusCode).toBe(400);
  const post = await w.request('POST', `/plan/${token}`, new URLSearchParams({ op: 'add-week-goal', text: 'x' }).toString());
  expect(post.statusCode).toBe(400);
  expect(w.snapshot()).toBe(before);
});

test('an expired link says so (410) and a deleted person (404)', async () => {
  const w = await world();
  const expired = issueToken(TEST_TOKEN_SECRET, 'preferences', w.personId, new Date('2020-01-01T00:00:00Z'));
  expect((await w.request('GET', `/plan/${expired}`)).statusCode).toBe(410);
  const token = w.token();
  await w.services.store.erasePerson(w.personId);
  expect((await w.request('GET', `/plan/${token}`)).statusCode).toBe(404);
});

test.each([
  ['an unknown action', { op: 'launch' }],
  ['a missing title', { op: 'add-deadline', title: ' ', kind: 'documents', date: '2027-01-20' }],
  ['a number that is not a goal', { op: 'done-week-goal', n: 'two' }],
])('%s: 400, the reason on the page, nothing changed', async (_name, fields) => {
  const w = await world();
  const before = w.snapshot();
  const res = await w.request('POST', `/plan/${w.token()}`, new URLSearchParams(fields as Record<string, string>).toString());
  expect(res.statusCode).toBe(400);
  expect(res.body).toContain('Nothing was changed');
  expect(w.snapshot()).toBe(before);
});

test('a good form is saved, then post/redirect/get back to the page', async () => {
  const w = await world();
  const token = w.token();
  const res = await w.request('POST', `/plan/${token}`, new URLSearchParams({ op: 'add-week-goal', text: 'Mock interview with a friend' }).toString());
  expect(res.statusCode).toBe(303);
  expect(res.headers!.location).toBe(`${token}?saved=1`);
  expect((await w.services.store.getPlan(w.personId))!.week!.goals).toEqual([{ text: 'Mock interview with a friend' }]);
});
