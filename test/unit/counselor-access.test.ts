import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { counselorApiRoutes } from '../../functions/counselor-api';
import type { HttpResult } from '../../functions/router';
import type { MemoryStore } from '../../shared/adapters/memory/memory-store';
import type { Counselor } from '../../shared/domain/counselor';
import { silentLogger } from '../../shared/ports';
import { counselorEvent, testIssuer, type TestIssuer } from '../support/counselor-tokens';
import { memoryServices, type MemoryServices } from '../support/memory-services';
import { createWholeApiHandler } from '../support/whole-api';
import { createCognitoCounselorAccounts } from '../../shared/adapters/cognito/cognito-counselor-accounts';
import { startCognitoTwin } from '../support/cognito-twin';
import { seedPerson } from '../support/seed';
import type { MemoryEngagementStore } from '../../shared/adapters/memory/memory-engagement-store';

/**
 * "Removed means removed", on every counselor route and page: a token whose counselor the
 * organisation no longer has (or never had) opens nothing, whether it comes as a Bearer header
 * or as the dashboard's cookie, and changes nothing; the organisation's record, not the token,
 * decides the role. The routes are read from the counselors' function itself, so a route added
 * later is covered without anyone remembering to list it here.
 */

const NOW = '2027-01-20T12:00:00.000Z';
let issuer: TestIssuer;
beforeAll(() => {
  issuer = testIssuer();
});
afterAll(() => issuer.remove());

const ADMIN = { counselorId: 'c-admin', orgId: 'org-a', role: 'admin' as const };
const GONE = { counselorId: 'c-gone', orgId: 'org-a', role: 'admin' as const };
const NEVER = { counselorId: 'c-never', orgId: 'org-a', role: 'admin' as const };

/** Routes anyone may open: the ways of signing in and out (each tested below on its own). */
const SIGN_IN_ROUTES = new Set(['GET /dashboard/sign-in', 'POST /dashboard/sign-in', 'POST /dashboard/sign-out', 'GET /auth/start', 'GET /auth/callback']);
const guarded = counselorApiRoutes.filter((r) => !SIGN_IN_ROUTES.has(`${r.method} ${r.path}`));

/** A concrete address for a route pattern, with the ids of org A's own records. */
const addressOf = (path: string) =>
  path.replace(':cohortId', 'k1').replace(':personId', 'p1').replace(':counselorId', 'c-admin');
/** A plausible body for each kind of route, so a refusal is not a body-parsing 400 in disguise. */
const bodyFor = (method: string, path: string): Partial<Parameters<typeof counselorEvent>[2]> => {
  if (method === 'GET' || method === 'DELETE') return {};
  if (path.endsWith('/import')) return { rawBody: 'email,time_zone\nmallory@example.com,Asia/Kolkata\n', headers: { 'content-type': 'text/csv' } };
  if (path.endsWith('/members')) return { body: { members: [{ email: 'mallory@example.com', timeZone: 'Asia/Kolkata' }] } };
  if (path.endsWith('/settings')) return { body: { weeklyDigest: false } };
  if (path.endsWith('/contacted')) return { body: { via: 'phone', note: 'Called' }, rawBody: path.startsWith('/dashboard') ? 'via=phone&note=Called' : undefined, headers: path.startsWith('/dashboard') ? { 'content-type': 'application/x-www-form-urlencoded' } : {} };
  if (path === '/counselor/counselors') return { body: { email: 'mallory@example.org', role: 'admin' } };
  if (path.startsWith('/counselor/counselors/')) return { body: { role: 'counselor' } };
  return { body: { name: 'Taken over', season: 2027, sequenceIds: ['getting-started'] } };
};

const counselor = (who: { counselorId: string; orgId: string; role: 'admin' | 'counselor' }, role: 'admin' | 'counselor' = who.role): Counselor => ({
  ...who,
  role,
  email: `${who.counselorId}@example.org`,
  settings: { crisisAlerts: true, weeklyDigest: true },
  createdAt: NOW,
});

async function world() {
  const services: MemoryServices = memoryServices();
  services.at(NOW);
  services.counselorAuth = issuer.authenticator(services.clock);
  await services.counselors.saveOrganisation({ orgId: 'org-a', name: 'Alpha Advising', createdAt: NOW });
  await services.counselors.saveCounselor(counselor(ADMIN));
  await services.counselors.saveCounselor(counselor(GONE));
  await services.counselors.saveCohort({ cohortId: 'k1', orgId: 'org-a', name: 'Spring', season: 2027, sequenceIds: ['getting-started'], anchorOverrides: {}, archived: false, createdAt: NOW, updatedAt: NOW });
  await seedPerson(services.store, {
    personId: 'p1',
    firstName: 'Asha',
    email: 'asha@example.com',
    timeZone: 'Asia/Kolkata',
    consent: { email: { state: 'confirmed', source: 'web', at: NOW, text: 'Email me' } },
    profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
    createdAt: NOW,
  });
  await services.counselors.saveCohortMember({ orgId: 'org-a', cohortId: 'k1', personId: 'p1', addedBy: 'c-admin', addedAt: NOW, status: 'active', consent: { state: 'accepted', at: NOW } });
  const goneToken = issuer.tokenFor(GONE, {}, new Date(NOW));
  // The admin removes c-gone, as the API does it; c-gone's token is still unexpired.
  const handler = createWholeApiHandler(Promise.resolve(services), silentLogger);
  const removal = await handler(counselorEvent('DELETE', '/counselor/counselors/c-gone', { token: issuer.tokenFor(ADMIN, {}, new Date(NOW)) }));
  expect(removal.statusCode).toBe(200);
  return { services, handler, goneToken, neverToken: issuer.tokenFor(NEVER, {}, new Date(NOW)) };
}

/** Everything an organisation and its people hold, and everything sent: to show that a refusal changed nothing. */
async function everything(services: MemoryServices): Promise<string> {
  const { counselors } = services;
  return JSON.stringify({
    store: (services.store as MemoryStore).snapshot(),
    org: await counselors.getOrganisation('org-a'),
    counselors: await counselors.listCounselors('org-a'),
    cohorts: await counselors.listCohorts('org-a'),
    members: await counselors.listCohortMembers('org-a', 'k1'),
    audit: await counselors.listAudit('org-a', { limit: 1000 }),
    engagement: (services.engagement as MemoryEngagementStore).snapshot(),
    emails: services.email.sent.length,
    texts: services.sms.sent.length,
  });
}

const header = (result: HttpResult, name: string) => String(result.headers?.[name] ?? '');
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

test('the routes under test are every counselor route but the sign-in ones', () => {
  // A guard on the guard: if this list shrank to nothing, every test below would pass vacuously.
  expect(guarded.length).toBeGreaterThanOrEqual(25);
  expect(guarded.map((r) => `${r.method} ${r.path}`)).toEqual(
    expect.arrayContaining(['GET /dashboard', 'GET /dashboard/cohorts/:cohortId/report.csv', 'GET /counselor/cohorts/:cohortId/members/:personId/timeline', 'PUT /counselor/me/settings', 'DELETE /counselor/counselors/:counselorId']),
  );
});

describe.each([
  ['removed', 'goneToken'],
  ['never existed', 'neverToken'],
] as const)('a validly signed token of a counselor who %s', (_, which) => {
  test.each(guarded.map((r) => [r.method, r.path] as const))('%s %s: 401 by Bearer, and nothing changes', async (method, path) => {
    const w = await world();
    const before = await everything(w.services);
    const answer = await w.handler(counselorEvent(method, addressOf(path), { token: w[which], ...bodyFor(method, path) }));
    expect(answer.statusCode).toBe(401);
    expect(await everything(w.services)).toBe(before);
  });

  test.each(guarded.filter((r) => r.method === 'GET').map((r) => [r.path] as const))('GET %s: a browser with the cookie gets the sign-in page (401), its cookie cleared, and nothing changes', async (path) => {
    const w = await world();
    const before = await everything(w.services);
    const answer = await w.handler(counselorEvent('GET', addressOf(path), { headers: { cookie: `mc_counselor=${w[which]}`, accept: BROWSER_ACCEPT } }));
    expect(answer.statusCode).toBe(401);
    expect(header(answer, 'content-type')).toMatch(/^text\/html/);
    expect(answer.body).toContain('Counselor sign-in');
    expect(answer.body).toContain('no longer valid');
    expect(header(answer, 'set-cookie')).toMatch(/^(__Host-)?mc_counselor=; .*Max-Age=0/);
    expect(await everything(w.services)).toBe(before);
  });

  test('the sign-in page does not accept the token: 401, no session cookie', async () => {
    const w = await world();
    const before = await everything(w.services);
    const answer = await w.handler(
      counselorEvent('POST', '/dashboard/sign-in', {
        rawBody: new URLSearchParams({ token: w[which] }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      }),
    );
    expect(answer.statusCode).toBe(401);
    expect(header(answer, 'set-cookie')).toBe('');
    expect(await everything(w.services)).toBe(before);
  });
});

test('the same routes still open for a counselor the organisation has (so the 401s above are about the record)', async () => {
  const w = await world();
  const token = issuer.tokenFor(ADMIN, {}, new Date(NOW));
  for (const route of guarded.filter((r) => r.method === 'GET')) {
    const answer = await w.handler(counselorEvent('GET', addressOf(route.path), { token }));
    expect([200, 404]).toContain(answer.statusCode);
    const page = await w.handler(counselorEvent('GET', addressOf(route.path), { headers: { cookie: `mc_counselor=${token}` } }));
    expect(page.statusCode).toBe(200);
  }
});

test('the cookie opens reads only: a change sent with the cookie and no Bearer header is refused', async () => {
  const w = await world();
  const before = await everything(w.services);
  const token = issuer.tokenFor(ADMIN, {}, new Date(NOW));
  const answer = await w.handler(counselorEvent('PUT', '/counselor/cohorts/k1', { body: { name: 'Renamed by a cookie' }, headers: { cookie: `mc_counselor=${token}` } }));
  expect(answer.statusCode).toBe(401);
  expect(await everything(w.services)).toBe(before);
});

test("the organisation's record decides the role: a demoted admin is refused admin routes, a promoted counselor gets them", async () => {
  const w = await world();
  const adminToken = issuer.tokenFor(ADMIN, {}, new Date(NOW));
  await w.services.counselors.saveCounselor(counselor(ADMIN, 'counselor'));
  expect((await w.handler(counselorEvent('GET', '/counselor/audit', { token: adminToken }))).statusCode).toBe(403);
  expect(JSON.parse(String((await w.handler(counselorEvent('GET', '/counselor/me', { token: adminToken }))).body)).counselor.role).toBe('counselor');

  const PROMOTED = { counselorId: 'c-new', orgId: 'org-a', role: 'counselor' as const };
  await w.services.counselors.saveCounselor(counselor(PROMOTED, 'admin'));
  expect((await w.handler(counselorEvent('GET', '/counselor/audit', { token: issuer.tokenFor(PROMOTED, {}, new Date(NOW)) }))).statusCode).toBe(200);
});

test('a browser asking a JSON route without a token gets the sign-in page; an API client gets JSON with WWW-Authenticate', async () => {
  const w = await world();
  const browser = await w.handler(counselorEvent('GET', '/counselor/cohorts', { headers: { accept: BROWSER_ACCEPT } }));
  expect(browser.statusCode).toBe(401);
  expect(browser.body).toContain('Counselor sign-in');
  const client = await w.handler(counselorEvent('GET', '/counselor/cohorts', { headers: { accept: '*/*' } }));
  expect(client.statusCode).toBe(401);
  expect(JSON.parse(String(client.body))).toMatchObject({ error: 'unauthorized' });
  expect(header(client, 'www-authenticate')).toBe('Bearer');
});

describe('removing a counselor shuts their sign-in accounts too', () => {
  test('their accounts are signed out and disabled, then the record goes; the answer says how many', async () => {
    const w = await world();
    w.services.counselorAccounts.addAccount({ username: 'rhea@example.org', orgId: 'org-a', counselorId: 'c-rhea', sessions: 2 });
    w.services.counselorAccounts.addAccount({ username: 'admin@example.org', orgId: 'org-a', counselorId: 'c-admin' });
    await w.services.counselors.saveCounselor(counselor({ counselorId: 'c-rhea', orgId: 'org-a', role: 'counselor' }));
    const answer = await w.handler(counselorEvent('DELETE', '/counselor/counselors/c-rhea', { token: issuer.tokenFor(ADMIN, {}, new Date(NOW)) }));
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(String(answer.body))).toEqual({ removed: true, accountsDisabled: 1 });
    expect(w.services.counselorAccounts.accounts()).toEqual([
      { username: 'rhea@example.org', orgId: 'org-a', counselorId: 'c-rhea', enabled: false, sessions: 0 },
      { username: 'admin@example.org', orgId: 'org-a', counselorId: 'c-admin', enabled: true, sessions: 1 },
    ]);
    expect(await w.services.counselors.getCounselor('org-a', 'c-rhea')).toBeUndefined();
  });

  test('a refused removal (not an admin, yourself, another org) shuts no account', async () => {
    const w = await world();
    w.services.counselorAccounts.addAccount({ username: 'admin@example.org', orgId: 'org-a', counselorId: 'c-admin' });
    await w.services.counselors.saveCounselor(counselor({ counselorId: 'c-plain', orgId: 'org-a', role: 'counselor' }));
    const plain = issuer.tokenFor({ counselorId: 'c-plain', orgId: 'org-a', role: 'counselor' }, {}, new Date(NOW));
    expect((await w.handler(counselorEvent('DELETE', '/counselor/counselors/c-admin', { token: plain }))).statusCode).toBe(403);
    expect((await w.handler(counselorEvent('DELETE', '/counselor/counselors/c-admin', { token: issuer.tokenFor(ADMIN, {}, new Date(NOW)) }))).statusCode).toBe(409);
    expect(w.services.counselorAccounts.accounts()[0]).toMatchObject({ enabled: true, sessions: 1 });
  });

  test('when Cognito fails, nothing is removed and the same request succeeds later', async () => {
    const twin = await startCognitoTwin();
    try {
      const w = await world();
      const handler = createWholeApiHandler(Promise.resolve({ ...w.services, counselorAccounts: createCognitoCounselorAccounts({ client: twin.client, userPoolId: twin.userPoolId }) }), silentLogger);
      twin.accounts.set('rhea', { username: 'rhea', orgId: 'org-a', counselorId: 'c-rhea', enabled: true, sessions: 1 });
      await w.services.counselors.saveCounselor(counselor({ counselorId: 'c-rhea', orgId: 'org-a', role: 'counselor' }));
      const before = await everything(w.services);
      const remove = () => handler(counselorEvent('DELETE', '/counselor/counselors/c-rhea', { token: issuer.tokenFor(ADMIN, {}, new Date(NOW)) }));
      twin.failNext('ListUsers', 'InternalErrorException');
      expect((await remove()).statusCode).toBe(500);
      expect(await everything(w.services)).toBe(before);
      expect((await remove()).statusCode).toBe(200);
      expect(twin.accounts.get('rhea')).toMatchObject({ enabled: false, sessions: 0 });
      expect(await w.services.counselors.getCounselor('org-a', 'c-rhea')).toBeUndefined();
    } finally {
      await twin.stop();
    }
  });
});
