import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createWholeApiHandler as createApiHandler } from '../support/whole-api';
import { counselorDashboardRoutes } from '../../functions/routes/counselor-dashboard';
import { matchRoute, type HttpResult } from '../../functions/router';
import type { Cohort, CohortMember } from '../../shared/domain/counselor';
import type { Message, Person } from '../../shared/domain/model';
import { silentLogger } from '../../shared/ports';
import { DASHBOARD_CSP } from '../../web/counselor-pages';
import { counselorEvent, testIssuer, type TestIssuer } from '../support/counselor-tokens';
import { memoryServices, type MemoryServices } from '../support/memory-services';
import { linkSeededMember, seedPerson } from '../support/seed';

/**
 * The dashboard and report routes on memory twins with the local issuer's real tokens: sign-in
 * and the session cookie, tenant isolation on every route, what the pages show and never show.
 */

const NOW = '2027-01-20T12:00:00.000Z';
let issuer: TestIssuer;
let services: MemoryServices;
let ownToken: string;
let otherToken: string;

beforeAll(() => {
  issuer = testIssuer();
});
afterAll(() => issuer.remove());

const cohort = (orgId: string, cohortId: string, name: string): Cohort => ({
  cohortId,
  orgId,
  name,
  season: 2027,
  sequenceIds: ['core'],
  anchorOverrides: {},
  archived: false,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
});
const member = (orgId: string, cohortId: string, personId: string): CohortMember => ({
  orgId,
  cohortId,
  personId,
  addedBy: 'c1',
  addedAt: '2026-12-01T00:00:00.000Z',
  status: 'active',
  // They said yes to the organisation: it may read their records.
  consent: { state: 'accepted', at: '2026-12-02T00:00:00.000Z' },
});
const person = (personId: string, firstName: string): Person => ({
  personId,
  firstName,
  timeZone: 'Asia/Kolkata',
  consent: { sms: { state: 'confirmed', source: 'counselor:c1', at: '2026-12-01T00:00:00.000Z', text: 'YES' } },
  profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok', supportHold: true },
  createdAt: '2026-12-01T00:00:00.000Z',
});
const sent = (personId: string, messageId: string, at: string): Message => ({
  personId,
  messageId,
  enrollmentId: 'e1',
  sequenceId: 'core',
  stepId: 'nudge',
  channel: 'sms',
  to: '+919812345678',
  zone: 'Asia/Kolkata',
  anchors: {},
  profile: person(personId, 'x').profile,
  sendAt: at,
  status: 'sent',
  attempts: [{ at, outcome: 'sent', detail: 'ok' }],
  updatedAt: at,
});

beforeEach(async () => {
  services = memoryServices();
  services.at(NOW);
  services.counselorAuth = issuer.authenticator(services.clock);
  ownToken = issuer.tokenFor({ counselorId: 'c1', orgId: 'org-a' }, {}, new Date(NOW));
  otherToken = issuer.tokenFor({ counselorId: 'c9', orgId: 'org-b' }, {}, new Date(NOW));
  const { counselors, store } = services;
  // The counselors the tokens name (a verified token opens nothing without the organisation's record).
  for (const [orgId, counselorId] of [['org-a', 'c1'], ['org-b', 'c9']] as const) {
    await counselors.saveCounselor({ counselorId, orgId, email: `${counselorId}@${orgId}.example.org`, role: 'counselor', settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: NOW });
  }
  await counselors.saveCohort(cohort('org-a', 'k1', 'Spring mentoring'));
  await counselors.saveCohort(cohort('org-b', 'k2', 'Other org cohort'));
  await seedPerson(store, person('p1', '=HYPERLINK("http://evil")'));
  await seedPerson(store, person('p2', 'Bilal'));
  await counselors.saveCohortMember(member('org-a', 'k1', 'p1'));
  await counselors.saveCohortMember(member('org-b', 'k2', 'p2'));
  await store.createMessage(sent('p1', 'e1.nudge.1.sms', '2027-01-02T10:00:00.000Z'));
  await store.saveJournalEntry({ personId: 'p1', entryId: 'SMaaaa', at: '2027-01-03T10:00:00.000Z', kind: 'note', text: 'my secret words' });
  await store.saveSafetyEvent({ personId: 'p1', eventId: 'SMbbbb', at: '2027-01-15T10:00:00.000Z', kind: 'risk', rule: 'risk:test' });
  // Their yes took them into their cohorts' figures (counts rebuilt from the records written above).
  await linkSeededMember(services, member('org-a', 'k1', 'p1'));
  await linkSeededMember(services, member('org-b', 'k2', 'p2'));
});

async function call(event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const match = matchRoute(counselorDashboardRoutes, event.requestContext.http.method, event.rawPath);
  if ('status' in match) return { statusCode: match.status };
  return match.route.handler({ event, params: match.params, services, log: silentLogger });
}
const withCookie = (method: string, path: string, token: string) => counselorEvent(method, path, { headers: { cookie: `theme=dark; mc_counselor=${token}` } });
const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  counselorEvent('POST', '/dashboard/sign-in', { rawBody: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
const header = (result: HttpResult, name: string) => String(result.headers?.[name] ?? '');

describe('sign-in', () => {
  it('sends a signed-out browser to the sign-in page, and an API client a 401', async () => {
    const pageAnswer = await call(counselorEvent('GET', '/dashboard'));
    expect(pageAnswer.statusCode).toBe(303);
    expect(header(pageAnswer, 'location')).toBe('/dashboard/sign-in');
    expect((await call(counselorEvent('GET', '/counselor/cohorts/k1/report'))).statusCode).toBe(401);
    const signIn = await call(counselorEvent('GET', '/dashboard/sign-in'));
    expect(signIn.statusCode).toBe(200);
    expect(header(signIn, 'content-security-policy')).toBe(DASHBOARD_CSP);
  });

  it('keeps an accepted token in an HttpOnly, SameSite=Strict cookie for no longer than the token lives', async () => {
    services.publicBaseUrl = 'http://127.0.0.1:3000';
    const answer = await call(form({ token: ownToken }));
    expect(answer.statusCode).toBe(303);
    expect(header(answer, 'location')).toBe('/dashboard');
    const cookie = header(answer, 'set-cookie');
    expect(cookie).toMatch(new RegExp(`^mc_counselor=${ownToken.replace(/[.]/g, '\\.')}; `));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    // http locally: a Secure cookie would never come back; the token itself lives 12 hours.
    expect(cookie).not.toContain('Secure');
    expect(cookie).toContain(`Max-Age=${12 * 3600}`);
  });

  it('marks the cookie Secure and __Host- when the service is reached over https', async () => {
    expect(services.publicBaseUrl).toBe('https://coach.example.test');
    const cookie = header(await call(form({ token: ownToken })), 'set-cookie');
    expect(cookie).toMatch(/^__Host-mc_counselor=/);
    expect(cookie).toContain('; Secure');
    // And that cookie is read back.
    const page = await call(counselorEvent('GET', '/dashboard', { headers: { cookie: `__Host-mc_counselor=${ownToken}` } }));
    expect(page.statusCode).toBe(200);
  });

  it('refuses a token that fails verification, text that is no token, and a post from another site', async () => {
    // Issued 13 hours before the test's clock, so it ran out 1 hour before it (the issuer sets exp itself).
    const expired = issuer.tokenFor({ counselorId: 'c1', orgId: 'org-a' }, {}, new Date(Date.parse(NOW) - 13 * 3600_000));
    const rejected = await call(form({ token: expired }));
    expect(rejected.statusCode).toBe(401);
    expect(rejected.headers?.['set-cookie']).toBeUndefined();
    expect(rejected.body).toContain('was not accepted');
    const noScope = issuer.tokenFor({ counselorId: 'c1', orgId: 'org-a' }, { scope: 'openid' }, new Date(NOW));
    expect((await call(form({ token: noScope }))).statusCode).toBe(401);
    const garbage = await call(form({ token: '<script>alert(1)</script>' }));
    expect(garbage.statusCode).toBe(400);
    expect(garbage.body).not.toContain('<script>alert');
    expect((await call(form({ token: ownToken }, { 'sec-fetch-site': 'cross-site' }))).statusCode).toBe(403);
  });

  it('property: whatever is pasted or sent as a cookie, the answer is a 4xx or the sign-in redirect, never a 5xx or a session', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.stringMatching(/^[A-Za-z0-9_-]{1,40}\.[A-Za-z0-9_-]{1,40}\.[A-Za-z0-9_-]{0,40}$/)), async (text) => {
        const signIn = await call(form({ token: text }));
        expect([400, 401]).toContain(signIn.statusCode);
        expect(signIn.headers?.['set-cookie']).toBeUndefined();
        // Nothing that looks like a token: sent to sign in; a token that does not verify: the sign-in page, 401.
        const page = await call(counselorEvent('GET', '/dashboard', { headers: { cookie: `mc_counselor=${text}` } }));
        expect([303, 401]).toContain(page.statusCode);
        expect(String(page.headers?.['set-cookie'] ?? 'Max-Age=0')).toMatch(/Max-Age=0/);
      }),
      { numRuns: 150 },
    );
  });

  it('verifies the cookie on every request: an expired or tampered token gets the sign-in page (401) and the cookie is cleared', async () => {
    expect((await call(withCookie('GET', '/dashboard', ownToken))).statusCode).toBe(200);
    const [h, p, s] = ownToken.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), 'custom:orgId': 'org-b' })).toString('base64url')}.${s}`;
    const refused = await call(withCookie('GET', '/dashboard', tampered));
    expect(refused.statusCode).toBe(401);
    expect(refused.body).toContain('Counselor sign-in');
    expect(header(refused, 'set-cookie')).toMatch(/mc_counselor=; .*Max-Age=0/);
    services.at('2027-01-21T12:00:01.000Z'); // past the token's 12 hours
    expect((await call(withCookie('GET', '/dashboard', ownToken))).statusCode).toBe(401);
  });

  it('signs out by clearing the cookie', async () => {
    const answer = await call(counselorEvent('POST', '/dashboard/sign-out', { headers: { cookie: `mc_counselor=${ownToken}`, 'sec-fetch-site': 'same-origin' } }));
    expect(answer.statusCode).toBe(200);
    expect(header(answer, 'set-cookie')).toMatch(/^__Host-mc_counselor=; .*Max-Age=0/);
  });
});

describe('tenant isolation', () => {
  const routesOfCohort = (cohortId: string, personId: string) => [
    `/dashboard/cohorts/${cohortId}`,
    `/dashboard/cohorts/${cohortId}/members/${personId}`,
    `/dashboard/cohorts/${cohortId}/report.csv`,
    `/dashboard/cohorts/${cohortId}/weekly.csv`,
    `/counselor/cohorts/${cohortId}/report`,
    `/counselor/cohorts/${cohortId}/report.csv`,
    `/counselor/cohorts/${cohortId}/weekly.csv`,
    `/counselor/cohorts/${cohortId}/members/${personId}/timeline`,
  ];

  it('answers 404 for every route of another organisation, by Bearer and by cookie, and 200 for one\'s own', async () => {
    for (const path of routesOfCohort('k2', 'p2')) {
      expect([path, (await call(counselorEvent('GET', path, { token: ownToken }))).statusCode]).toEqual([path, 404]);
      expect([path, (await call(withCookie('GET', path, ownToken))).statusCode]).toEqual([path, 404]);
      expect([path, (await call(counselorEvent('GET', path, { token: otherToken }))).statusCode]).toEqual([path, 200]);
    }
    for (const path of routesOfCohort('k1', 'p1')) expect([path, (await call(counselorEvent('GET', path, { token: ownToken }))).statusCode]).toEqual([path, 200]);
  });

  it('answers 404 for a member of one\'s own org who is not in that cohort', async () => {
    await services.counselors.saveCohort(cohort('org-a', 'k3', 'Second cohort'));
    for (const path of ['/dashboard/cohorts/k3/members/p1', '/counselor/cohorts/k3/members/p1/timeline', '/counselor/cohorts/k1/members/p2/timeline']) {
      expect([path, (await call(counselorEvent('GET', path, { token: ownToken }))).statusCode]).toEqual([path, 404]);
    }
  });

  it('lists only the caller\'s own cohorts', async () => {
    const list = await call(withCookie('GET', '/dashboard', ownToken));
    expect(list.body).toContain('Spring mentoring');
    expect(list.body).not.toContain('Other org cohort');
  });
});

describe('what the pages show', () => {
  it('shows a cohort\'s figures, both charts and the flagged list, escaped, under the strict CSP', async () => {
    const answer = await call(withCookie('GET', '/dashboard/cohorts/k1', ownToken));
    expect(answer.statusCode).toBe(200);
    expect(header(answer, 'content-security-policy')).toBe(DASHBOARD_CSP);
    const body = answer.body!;
    expect(body).toContain('id="chart-score"');
    expect(body).toContain('id="chart-response"');
    expect(body).toContain('Crisis message (coaching paused)');
    expect(body).toContain('=HYPERLINK(&quot;http://evil&quot;)');
    // Figures that say what they count: one member said yes, one message sent, no check-in yet (and no score to contradict it).
    expect(body).toMatch(/<li id="stat-accepted"><span class="n">1<\/span><span class="l">said yes<\/span>/);
    expect(body).toMatch(/<li id="stat-checkins"><span class="n">none sent yet<\/span>/);
    expect(body).toMatch(/<li id="stat-scores"><span class="n">none in 12 weeks<\/span>/);
    expect(body).toMatch(/<li id="stat-flagged"><span class="n">1<\/span>/);
    expect(body).not.toContain('<script');
    expect(body).not.toContain('my secret words');
  });

  it('shows a member\'s timeline without their words, and says coaching is paused', async () => {
    const body = (await call(withCookie('GET', '/dashboard/cohorts/k1/members/p1', ownToken))).body!;
    expect(body).toContain('Wrote a note');
    expect(body).toContain('Upbeat coaching is paused');
    expect(body).not.toContain('my secret words');
    expect(await services.counselors.listAudit('org-a')).toEqual([
      expect.objectContaining({ actor: 'c1', action: 'member.view', target: { kind: 'member', id: 'p1' }, detail: { cohortId: 'k1', contactsShown: 0 } }),
    ]);
  });

  it('exports the CSV with formula-safe cells and records the export in the audit log', async () => {
    const answer = await call(counselorEvent('GET', '/counselor/cohorts/k1/report.csv', { token: ownToken }));
    expect(header(answer, 'content-type')).toBe('text/csv; charset=utf-8');
    expect(header(answer, 'content-disposition')).toBe('attachment; filename="cohort-k1-members-2027-01-20.csv"');
    const rows = parse(answer.body!) as string[][];
    expect(rows[1]![1]).toBe(`'=HYPERLINK("http://evil")`);
    expect(rows[1]![13]).toBe('crisis@2027-01-15T10:00:00.000Z');
    const audit = await services.counselors.listAudit('org-a');
    expect(audit).toEqual([expect.objectContaining({ actor: 'c1', action: 'report.export', target: { kind: 'cohort', id: 'k1' }, detail: { part: 'members', rows: 1 } })]);
    expect(await services.counselors.listAudit('org-b')).toEqual([]);
  });

  it('answers the report as JSON', async () => {
    const answer = await call(counselorEvent('GET', '/counselor/cohorts/k1/report', { token: ownToken }));
    const body = JSON.parse(answer.body!);
    expect(body.cohort).toEqual({ cohortId: 'k1', name: 'Spring mentoring', season: 2027, archived: false });
    expect(body.figures).toMatchObject({ linked: 1, members: { accepted: 1, pending: 0, declined: 0 }, messages: { sent: 1 }, flagged: 1, flags: { crisis: 1 } });
    expect(body.silent).toEqual({ count: 0, more: false });
  });
});

describe('wiring', () => {
  it('is served by the one API handler, next to the counselor JSON API', async () => {
    const handler = createApiHandler(Promise.resolve(services), silentLogger);
    const page = await handler(withCookie('GET', '/dashboard/cohorts/k1', ownToken));
    expect(page.statusCode).toBe(200);
    expect(String(page.body)).toContain('id="chart-score"');
    expect((await handler(counselorEvent('GET', '/counselor/cohorts/k2/report', { token: ownToken }))).statusCode).toBe(404);
    expect((await handler(counselorEvent('GET', '/counselor/cohorts/k1/report'))).statusCode).toBe(401);
  });
});
