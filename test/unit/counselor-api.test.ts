import type { MemoryStore } from '../../shared/adapters/memory/memory-store';
import { createWholeApiHandler as createApiHandler } from '../support/whole-api';
import { COUNSELOR_API_SCOPE, type Counselor } from '../../shared/domain/counselor';
import { REMOVED_CONSENT_TEXT } from '../../shared/domain/ownership';
import { silentLogger } from '../../shared/ports';
import { TEST_TOKEN_SECRET, memoryServices, type MemoryServices } from '../support/memory-services';
import { TOKEN_LIFETIME_SECONDS, issueToken } from '../../shared/domain/tokens';
import { counselorEvent, testIssuer, type TestIssuer } from '../support/counselor-tokens';
import { seedPerson } from '../support/seed';

/**
 * The counselor JSON API through the real API handler, on memory twins, with tokens from a real
 * local issuer: authentication, tenant isolation on every route, cohorts, members, invitations,
 * removal, erasure and the audit log.
 */

let issuer: TestIssuer;
beforeAll(() => {
  issuer = testIssuer();
});
afterAll(() => issuer.remove());

const A_ADMIN = { counselorId: 'c-admin-a', orgId: 'org-a', role: 'admin' as const };
const A_COUNSELOR = { counselorId: 'c-a', orgId: 'org-a', role: 'counselor' as const };
const B_ADMIN = { counselorId: 'c-admin-b', orgId: 'org-b', role: 'admin' as const };
const B_COUNSELOR = { counselorId: 'c-b', orgId: 'org-b', role: 'counselor' as const };

interface World {
  services: MemoryServices;
  call(method: string, path: string, options?: { as?: typeof A_ADMIN | typeof A_COUNSELOR | typeof B_ADMIN | typeof B_COUNSELOR; token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
}

async function world(): Promise<World> {
  const services = memoryServices();
  services.counselorAuth = issuer.authenticator(services.clock);
  const at = services.clock.now().toISOString();
  for (const [orgId, name] of [['org-a', 'Alpha Advising'], ['org-b', 'Beta Mentors']] as const) {
    await services.counselors.saveOrganisation({ orgId, name, createdAt: at });
  }
  for (const who of [A_ADMIN, A_COUNSELOR, B_ADMIN, B_COUNSELOR]) {
    const counselor: Counselor = { ...who, email: `${who.counselorId}@example.org`, settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: at };
    await services.counselors.saveCounselor(counselor);
  }
  const handler = createApiHandler(Promise.resolve(services), silentLogger);
  return {
    services,
    async call(method, path, options = {}) {
      const [rawPath, query] = path.split('?');
      const token = options.token ?? (options.as ? issuer.tokenFor(options.as, {}, services.clock.now()) : undefined);
      const event = counselorEvent(method, rawPath!, {
        ...(token !== undefined && { token }),
        ...(options.body !== undefined && { body: options.body }),
        ...(options.rawBody !== undefined && { rawBody: options.rawBody }),
        ...(options.headers && { headers: options.headers }),
        ...(query && { query }),
      });
      const result = await handler(event);
      const text = typeof result.body === 'string' ? result.body : '';
      return { status: result.statusCode ?? 200, body: text.startsWith('{') ? JSON.parse(text) : text };
    },
  };
}

const COHORT = { name: 'Spring interview group', season: 2027, sequenceIds: ['getting-started'], anchorOverrides: { interview_day: '2027-01-20' } };
const ASHA = { email: 'asha@example.com', phone: '+919812345678', firstName: 'Asha', timeZone: 'Asia/Kolkata', visaTrack: 'j1', step2_exam: '2027-02-10' };
const RAVI = { email: 'ravi@example.com', timeZone: 'America/Chicago' };

async function withCohort() {
  const w = await world();
  const created = await w.call('POST', '/counselor/cohorts', { as: A_COUNSELOR, body: COHORT });
  expect(created.status).toBe(201);
  return { ...w, cohortId: created.body.cohort.cohortId as string };
}

describe('cohorts', () => {
  test('create, read, list, rename, archive and bring back', async () => {
    const w = await withCohort();
    const { cohortId } = w;
    expect((await w.call('GET', `/counselor/cohorts/${cohortId}`, { as: A_COUNSELOR })).body.cohort).toMatchObject({ ...COHORT, orgId: 'org-a', archived: false });
    expect((await w.call('GET', '/counselor/cohorts', { as: A_ADMIN })).body.cohorts.map((c: any) => c.cohortId)).toEqual([cohortId]);

    const renamed = await w.call('PUT', `/counselor/cohorts/${cohortId}`, { as: A_COUNSELOR, body: { name: 'Interview group A' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.cohort).toMatchObject({ name: 'Interview group A', season: 2027 });
    expect((await w.call('PUT', `/counselor/cohorts/${cohortId}`, { as: A_COUNSELOR, body: { archived: true } })).body.cohort.archived).toBe(true);
    const refused = await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: A_COUNSELOR, body: { members: [RAVI] } });
    expect(refused.status).toBe(409);
    expect(await w.services.store.findPersonIdByEmail('ravi@example.com')).toBeUndefined();
    expect((await w.call('PUT', `/counselor/cohorts/${cohortId}`, { as: A_COUNSELOR, body: { archived: false } })).body.cohort.archived).toBe(false);
  });

  test('changing a cohort’s sequences or overrides carries its members along', async () => {
    const w = await withCohort();
    const added = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [ASHA] } });
    const personId = added.body.rows[0].personId;
    const changed = await w.call('PUT', `/counselor/cohorts/${w.cohortId}`, {
      as: A_COUNSELOR,
      body: { sequenceIds: ['getting-started', 'interview-season'], anchorOverrides: { interview_day: '2027-01-27' } },
    });
    expect(changed.status).toBe(200);
    const enrollments = (await w.services.store.listEnrollments(personId)).filter((e) => e.status === 'active');
    const bySequence = Object.fromEntries(enrollments.map((e) => [e.sequenceId, e.anchors]));
    expect(bySequence['getting-started']).toMatchObject({ interview_day: '2027-01-27', step2_exam: '2027-02-10' });
    expect(bySequence['interview-season']).toMatchObject({ interview_day: '2027-01-27', step2_exam: '2027-02-10' });
    // The same change again changes nothing.
    const snapshot = (w.services.store as MemoryStore).snapshot();
    await w.call('PUT', `/counselor/cohorts/${w.cohortId}`, { as: A_COUNSELOR, body: { anchorOverrides: { interview_day: '2027-01-27' } } });
    expect((w.services.store as MemoryStore).snapshot()).toEqual(snapshot);
  });

  test.each([
    [{ ...COHORT, sequenceIds: ['no-such-sequence'] }, /unknown sequence: no-such-sequence/],
    [{ ...COHORT, season: 1999 }, /season/],
    [{ ...COHORT, name: '=HYPERLINK("http://evil")' }, /formula/],
    [{ ...COHORT, orgId: 'org-b' }, /orgId/],
    [{ ...COHORT, anchorOverrides: { interview_day: 'next tuesday' } }, /anchorOverrides/],
  ])('a bad cohort is refused with a reason and nothing is stored (%#)', async (body, reason) => {
    const w = await world();
    const answer = await w.call('POST', '/counselor/cohorts', { as: A_ADMIN, body });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(reason);
    expect(await w.services.counselors.listCohorts('org-a')).toEqual([]);
    expect(await w.services.counselors.listCohorts('org-b')).toEqual([]);
  });

  test('the org comes from the token: a body naming another org cannot plant a cohort there', async () => {
    const w = await world();
    await w.call('PUT', '/counselor/cohorts/x', { as: A_ADMIN, body: { orgId: 'org-b' } });
    expect(await w.services.counselors.listCohorts('org-b')).toEqual([]);
  });
});

describe('members by JSON, invitations and consent', () => {
  test('new people are invited, not signed up: pending consent from the counselor, an invitation naming the org, no coaching yet', async () => {
    const w = await withCohort();
    const answer = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [ASHA, RAVI] } });
    expect(answer.status).toBe(200);
    expect(answer.body.summary).toEqual({ added: 2, updated: 0, unchanged: 0, rejected: 0 });
    expect(answer.body.rows.map((r: any) => r.status)).toEqual(['added', 'added']);

    const asha = (await w.services.store.getPerson(answer.body.rows[0].personId))!;
    expect(asha.consent.email).toMatchObject({ state: 'pending', source: 'counselor:c-a' });
    expect(asha.consent.email!.text).toContain('Alpha Advising');
    expect(asha.consent.sms).toMatchObject({ state: 'pending', source: 'counselor:c-a' });
    expect(asha.profile).toMatchObject({ season: 2027, visaTrack: 'j1' });
    const enrollments = await w.services.store.listEnrollments(asha.personId);
    expect(enrollments).toHaveLength(1);
    expect(enrollments[0]!.anchors).toMatchObject({ interview_day: '2027-01-20', step2_exam: '2027-02-10' });
    // Nothing planned before their yes but the invitations, which wait for the dispatcher (it
    // keeps to the providers' shared rate, however large the cohort).
    const invitation = { orgName: 'Alpha Advising', orgId: 'org-a', cohortId: w.cohortId };
    expect((await w.services.store.listMessages(asha.personId)).map((m) => [m.channel, m.status, m.invitation])).toEqual([
      ['email', 'planned', invitation],
      ['sms', 'planned', invitation],
    ]);
    // A count of people asked, never per channel: which channels an invitation takes would tell
    // whether someone was already with us.
    expect(answer.body.invitations).toEqual({ invited: 2, failed: 0 });
    expect(w.services.email.sent).toEqual([]);
    expect(await w.services.dispatch()).toMatchObject({ sent: 3, retried: 0, failed: 0 });

    // Invitations: an email each, naming the org; a text to Asha (09:30 in Kolkata), none to
    // Ravi (no phone). Chicago is at 22:00, but email has no quiet hours.
    expect(w.services.email.sent.map((m) => m.to).sort()).toEqual(['asha@example.com', 'ravi@example.com']);
    // Transactional, like the sign-up confirmation: nothing else comes unless they accept.
    expect(w.services.email.sent[0]!.headers).toBeUndefined();
    expect(w.services.email.sent[0]!.subject).toBe('Alpha Advising invited you to Match Coach');
    expect(w.services.sms.sent.map((m) => m.to)).toEqual(['+919812345678']);
    expect(w.services.sms.sent[0]!.body).toMatch(/^Match Coach: Alpha Advising invited you/);
    expect(w.services.sms.sent[0]!.body.length).toBeLessThanOrEqual(160);
    const member = await w.services.counselors.getCohortMember('org-a', w.cohortId, asha.personId);
    expect(member).toMatchObject({ status: 'active', addedBy: 'c-a', invited: { email: expect.any(String), sms: expect.any(String) }, consent: { state: 'pending' }, createdPerson: true });

    // The same request again changes nothing and sends nothing.
    const snapshot = (w.services.store as MemoryStore).snapshot();
    const again = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [ASHA, RAVI] } });
    expect(again.body.summary).toEqual({ added: 0, updated: 0, unchanged: 2, rejected: 0 });
    expect((w.services.store as MemoryStore).snapshot()).toEqual(snapshot);
    expect(w.services.email.sent).toHaveLength(2);
    expect(w.services.sms.sent).toHaveLength(1);

    // Accepting the invitation (the existing confirmation page) starts coaching.
    const link = /\/confirm\/[^\s]+/.exec(w.services.email.sent.find((m) => m.to === 'asha@example.com')!.text)![0];
    const handler = createApiHandler(Promise.resolve(w.services), silentLogger);
    const confirmed = await handler({
      ...counselorEvent('POST', link, { rawBody: 'confirm=yes', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    });
    expect(confirmed.statusCode).toBe(200);
    const after = (await w.services.store.getPerson(asha.personId))!;
    expect(after.consent.email).toMatchObject({ state: 'confirmed', source: 'counselor:c-a' });
    expect((await w.services.store.listMessages(asha.personId)).some((m) => m.status === 'planned' && m.channel === 'email')).toBe(true);
    // ...and is her yes to the organisation, kept with the words she agreed to.
    expect(await w.services.counselors.getCohortMember('org-a', w.cohortId, asha.personId)).toMatchObject({
      consent: { state: 'accepted', source: 'email-link', text: expect.stringContaining('Alpha Advising') },
    });
  });

  test('a text invitation waits out the person’s quiet hours and goes in their morning by itself', async () => {
    const w = await withCohort();
    const chicago = { email: 'night@example.com', phone: '+13125550100', timeZone: 'America/Chicago' };
    const answer = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [chicago] } });
    expect(answer.body.invitations).toEqual({ invited: 1, failed: 0 });
    expect(await w.services.dispatch()).toMatchObject({ sent: 1, retried: 1 }); // 22:00 in Chicago
    expect(w.services.email.sent.map((m) => m.to)).toEqual(['night@example.com']);
    expect(w.services.sms.sent).toEqual([]);
    // Asking again queues nothing more: the text is already waiting for the morning.
    const queued = (await w.services.store.listMessages(answer.body.rows[0].personId)).length;
    expect((await w.call('POST', `/counselor/cohorts/${w.cohortId}/invitations`, { as: A_COUNSELOR })).body.invitations).toEqual({ invited: 1, failed: 0 });
    expect(await w.services.store.listMessages(answer.body.rows[0].personId)).toHaveLength(queued);
    w.services.at('2027-01-04T15:00:00.000Z'); // 09:00 in Chicago
    expect(await w.services.dispatch()).toMatchObject({ sent: 1 });
    expect(w.services.sms.sent.map((m) => m.to)).toEqual(['+13125550100']);
    expect(await w.services.dispatch()).toMatchObject({ sent: 0 });
  });

  test('an invitation the provider throttles (429) is retried and goes once; none is lost', async () => {
    const w = await withCohort();
    await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [RAVI] } });
    w.services.email.failNext(1, { status: 'failed', retryable: true, code: 'throttled', reason: 'throttled: Maximum sending rate exceeded.' });
    expect(await w.services.dispatch()).toMatchObject({ sent: 0, retried: 1, throttled: 1 });
    expect(w.services.email.sent).toEqual([]);
    w.services.at(new Date(w.services.clock.now().getTime() + 5 * 60_000));
    expect(await w.services.dispatch()).toMatchObject({ sent: 1 });
    w.services.at(new Date(w.services.clock.now().getTime() + 60 * 60_000));
    expect(await w.services.dispatch()).toMatchObject({ sent: 0 });
    expect(w.services.email.sent.map((m) => m.to)).toEqual(['ravi@example.com']);
  });

  test('an invitation still queued when the person says yes or no by themselves is not sent', async () => {
    const w = await withCohort();
    const added = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [ASHA] } });
    const asha = (await w.services.store.getPerson(added.body.rows[0].personId))!;
    // Before the dispatcher's tick: she signed up herself (email) and texted STOP (texts).
    await seedPerson(w.services.store, {
      ...asha,
      consent: {
        email: { state: 'pending', source: 'web', at: asha.createdAt, text: 'Email me' },
        sms: { state: 'revoked', source: 'sms-keyword', at: asha.createdAt, text: 'STOP' },
      },
    });
    expect(await w.services.dispatch()).toMatchObject({ sent: 0, skipped: 2 });
    expect(w.services.email.sent).toEqual([]);
    expect(w.services.sms.sent).toEqual([]);
    expect((await w.services.store.listMessages(asha.personId)).map((m) => m.reason)).toEqual(['invitation_not_needed', 'invitation_not_needed']);
  });

  test('two cohorts adding someone either side of an invitation period’s edge invite them once', async () => {
    const w = await withCohort();
    const second = await w.call('POST', '/counselor/cohorts', { as: A_COUNSELOR, body: { ...COHORT, name: 'Second' } });
    const hold = TOKEN_LIFETIME_SECONDS['confirm-email'] * 1000;
    const edge = (Math.floor(w.services.clock.now().getTime() / hold) + 1) * hold;
    w.services.at(new Date(edge - 60_000));
    expect((await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [RAVI] } })).body.invitations.invited).toBe(1);
    w.services.at(new Date(edge + 60_000));
    expect((await w.call('POST', `/counselor/cohorts/${second.body.cohort.cohortId}/members`, { as: A_COUNSELOR, body: { members: [RAVI] } })).body.invitations.invited).toBe(1);
    await w.services.dispatch();
    expect(w.services.email.sent.map((m) => m.to)).toEqual(['ravi@example.com']);
  });

  test('removal from one cohort keeps the invitation another cohort counts on', async () => {
    const w = await withCohort();
    const second = await w.call('POST', '/counselor/cohorts', { as: A_COUNSELOR, body: { ...COHORT, name: 'Second' } });
    const added = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [RAVI] } });
    const personId = added.body.rows[0].personId;
    // The second cohort's membership is marked invited by the same (one per period) invitation.
    await w.call('POST', `/counselor/cohorts/${second.body.cohort.cohortId}/members`, { as: A_COUNSELOR, body: { members: [RAVI] } });
    await w.call('DELETE', `/counselor/cohorts/${w.cohortId}/members/${personId}`, { as: A_COUNSELOR });
    await w.services.dispatch();
    expect(w.services.email.sent.map((m) => m.to)).toEqual(['ravi@example.com']);
  });

  test('each row is judged on its own: bad rows are rejected with a reason and change nothing', async () => {
    const w = await withCohort();
    const members = [
      { email: 'not-an-email', timeZone: 'Asia/Kolkata' },
      { phone: '98123 45678', timeZone: 'Asia/Kolkata' },
      { email: 'z@example.com', timeZone: 'Mars/Olympus' },
      { email: 'f@example.com', firstName: '=cmd|"/c calc"!A1', timeZone: 'Asia/Kolkata' },
      { timeZone: 'Asia/Kolkata' },
      { email: 'x@example.com', timeZone: 'Asia/Kolkata', orgId: 'org-b' },
      RAVI,
      { ...RAVI, firstName: 'Ravi again' },
    ];
    const answer = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members } });
    expect(answer.status).toBe(200);
    const reasons = answer.body.rows.map((r: any) => r.reason ?? r.status);
    expect(reasons[0]).toMatch(/email/);
    expect(reasons[1]).toMatch(/E\.164/);
    expect(reasons[2]).toMatch(/time zone/);
    expect(reasons[3]).toMatch(/formula/);
    expect(reasons[4]).toMatch(/email address, a phone number/);
    expect(reasons[5]).toMatch(/orgId/);
    expect(reasons[6]).toBe('added');
    expect(reasons[7]).toMatch(/same person as member 7/);
    for (const email of ['z@example.com', 'f@example.com', 'x@example.com']) expect(await w.services.store.findPersonIdByEmail(email)).toBeUndefined();
    expect(await w.services.counselors.listCohortMembers('org-a', w.cohortId)).toHaveLength(1);
  });

  test('an email and a phone of two different people: no contact moves, and the answer says nothing about either', async () => {
    const w = await withCohort();
    const first = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [ASHA, { ...RAVI, phone: '+919800000002' }] } });
    const [asha, ravi] = first.body.rows.map((r: any) => r.personId);
    const before = (w.services.store as MemoryStore).snapshot();
    const second = await w.call('POST', '/counselor/cohorts', { as: A_COUNSELOR, body: { ...COHORT, name: 'Second' } });
    const mixed = await w.call('POST', `/counselor/cohorts/${second.body.cohort.cohortId}/members`, { as: A_COUNSELOR, body: { members: [{ email: 'asha@example.com', phone: '+919800000002', timeZone: 'Asia/Kolkata' }] } });
    // The email's holder gets a membership, like anyone; nobody's address or number moves.
    expect(mixed.body.rows[0]).toEqual({ row: 1, status: 'added', personId: asha });
    expect(await w.services.store.findPersonIdByPhone('+919800000002')).toBe(ravi);
    expect((await w.services.store.getPerson(asha))!.phone).toBe('+919812345678');
    expect((w.services.store as MemoryStore).snapshot()).toEqual(before);
  });

  test('someone who unsubscribed is added but never invited again', async () => {
    const w = await withCohort();
    const first = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [RAVI] } });
    const personId = first.body.rows[0].personId;
    await w.services.dispatch(); // the invitation goes
    const ravi = (await w.services.store.getPerson(personId))!;
    await seedPerson(w.services.store, { ...ravi, consent: { email: { state: 'revoked', source: 'web', at: ravi.createdAt, text: 'unsubscribed' } } });
    const other = await w.call('POST', '/counselor/cohorts', { as: A_COUNSELOR, body: { ...COHORT, name: 'Second' } });
    const again = await w.call('POST', `/counselor/cohorts/${other.body.cohort.cohortId}/members`, { as: A_COUNSELOR, body: { members: [RAVI] } });
    expect(again.body.rows[0]).toEqual({ row: 1, status: 'added', personId });
    expect((await w.services.store.getPerson(personId))!.consent.email!.state).toBe('revoked');
    await w.services.dispatch();
    expect(w.services.email.sent).toHaveLength(1);
  });
});

describe('removal and erasure', () => {
  async function confirmedMember() {
    const w = await withCohort();
    const added = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [ASHA] } });
    const personId: string = added.body.rows[0].personId;
    await w.services.dispatch();
    const link = /\/confirm\/[^\s]+/.exec(w.services.email.sent[0]!.text)![0];
    await createApiHandler(Promise.resolve(w.services), silentLogger)(counselorEvent('POST', link, { rawBody: 'confirm=yes', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
    expect((await w.services.store.listMessages(personId)).filter((m) => m.status === 'planned').length).toBeGreaterThan(0);
    return { ...w, personId };
  }

  test('removing a member stops every message at once and revokes the consent the counselor brought', async () => {
    const w = await confirmedMember();
    const answer = await w.call('DELETE', `/counselor/cohorts/${w.cohortId}/members/${w.personId}`, { as: A_COUNSELOR });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ removed: true, status: 'removed' });
    const messages = await w.services.store.listMessages(w.personId);
    expect(messages.filter((m) => m.status === 'planned' || m.status === 'claimed')).toEqual([]);
    const person = (await w.services.store.getPerson(w.personId))!;
    expect(person.consent.email).toMatchObject({ state: 'revoked', text: REMOVED_CONSENT_TEXT });
    expect((await w.services.store.listEnrollments(w.personId)).every((e) => e.status === 'ended')).toBe(true);
    expect(await w.services.counselors.getCohortMember('org-a', w.cohortId, w.personId)).toMatchObject({ status: 'removed' });
  });

  test('a removed member added again is invited again, once the last invitation’s hold has passed', async () => {
    const w = await withCohort();
    const added = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [RAVI] } });
    const personId = added.body.rows[0].personId;
    await w.services.dispatch();
    await w.call('DELETE', `/counselor/cohorts/${w.cohortId}/members/${personId}`, { as: A_COUNSELOR });
    w.services.at('2027-01-10T04:00:00.000Z');
    const again = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [RAVI] } });
    expect(again.body.rows[0]).toMatchObject({ status: 'added', personId });
    expect((await w.services.store.getPerson(personId))!.consent.email).toMatchObject({ state: 'pending', source: 'counselor:c-a' });
    expect(again.body.invitations).toEqual({ invited: 1, failed: 0 });
    await w.services.dispatch();
    expect(w.services.email.sent).toHaveLength(2);
  });

  test('removing a member withdraws an invitation still waiting for their morning', async () => {
    const w = await withCohort();
    const chicago = { email: 'night@example.com', phone: '+13125550100', timeZone: 'America/Chicago' };
    const added = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [chicago] } });
    await w.services.dispatch(); // the email goes; the text waits for 08:00 in Chicago
    await w.call('DELETE', `/counselor/cohorts/${w.cohortId}/members/${added.body.rows[0].personId}`, { as: A_COUNSELOR });
    w.services.at('2027-01-04T15:00:00.000Z');
    await w.services.dispatch();
    expect(w.services.sms.sent).toEqual([]);
    expect((await w.services.store.listMessages(added.body.rows[0].personId)).find((m) => m.channel === 'sms')).toMatchObject({ status: 'skipped', reason: 'removed-from-cohort' });
  });

  test('a member who said yes is theirs alone: the organisation cannot erase them, and nothing changes', async () => {
    const w = await confirmedMember();
    const before = (w.services.store as MemoryStore).snapshot();
    const answer = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members/${w.personId}/erase`, { as: A_COUNSELOR });
    expect(answer.status).toBe(409);
    expect(answer.body.message).toMatch(/only they can delete their data/);
    expect((w.services.store as MemoryStore).snapshot()).toEqual(before);
  });

  test('erasing the organisation’s own record, never confirmed, leaves nothing of it', async () => {
    const cohort = await withCohort();
    const added = await cohort.call('POST', `/counselor/cohorts/${cohort.cohortId}/members`, { as: A_COUNSELOR, body: { members: [ASHA] } });
    const w = { ...cohort, personId: added.body.rows[0].personId as string };
    await w.services.dispatch();
    const answer = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members/${w.personId}/erase`, { as: A_COUNSELOR });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ erased: true, status: 'erased' });
    expect(await w.services.store.getPerson(w.personId)).toBeUndefined();
    expect(await w.services.store.findPersonIdByEmail('asha@example.com')).toBeUndefined();
    expect(await w.services.store.findPersonIdByPhone('+919812345678')).toBeUndefined();
    expect(await w.services.store.listMessages(w.personId)).toEqual([]);
    expect(await w.services.counselors.cohortsOfPerson(w.personId)).toEqual([]);
    expect(await w.services.counselors.listCohortMembers('org-a', w.cohortId)).toEqual([]);
    // The audit log keeps ids and counts, never the address.
    expect(JSON.stringify(await w.services.counselors.listAudit('org-a'))).not.toMatch(/asha|\+91/i);
  });
});

test('a member who deletes their own data from their preferences page leaves no membership behind', async () => {
  const w = await withCohort();
  const added = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [RAVI] } });
  const personId = added.body.rows[0].personId;
  const token = issueToken(TEST_TOKEN_SECRET, 'preferences', personId, w.services.clock.now());
  const handler = createApiHandler(Promise.resolve(w.services), silentLogger);
  const answer = await handler(counselorEvent('POST', `/preferences/${token}`, { rawBody: 'action=delete-confirmed', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
  expect(answer.statusCode).toBe(200);
  expect(await w.services.store.getPerson(personId)).toBeUndefined();
  expect(await w.services.counselors.listCohortMembers('org-a', w.cohortId)).toEqual([]);
  expect(await w.services.counselors.cohortsOfPerson(personId)).toEqual([]);
});

describe('audit log and counselors of the org', () => {
  test('every counselor action is in the audit log, which only the org’s admins read', async () => {
    const w = await withCohort();
    w.services.at('2027-01-04T04:01:00.000Z');
    await w.call('PUT', `/counselor/cohorts/${w.cohortId}`, { as: A_COUNSELOR, body: { name: 'Renamed' } });
    w.services.at('2027-01-04T04:02:00.000Z');
    await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [RAVI] } });
    const log = await w.call('GET', '/counselor/audit', { as: A_ADMIN });
    expect(log.status).toBe(200);
    expect(log.body.entries.map((e: any) => e.action)).toEqual(['member.add', 'cohort.rename', 'cohort.create']);
    expect(log.body.entries.every((e: any) => e.actor === 'c-a' && e.orgId === 'org-a')).toBe(true);
    expect((await w.call('GET', '/counselor/audit', { as: A_COUNSELOR })).status).toBe(403);
    expect((await w.call('GET', '/counselor/audit', { as: B_ADMIN })).body.entries).toEqual([]);
  });

  test('admins add and list counselors of their own org only; others get 403', async () => {
    const w = await world();
    const added = await w.call('POST', '/counselor/counselors', { as: A_ADMIN, body: { email: 'New.Person@Example.org', role: 'counselor' } });
    expect(added.status).toBe(201);
    expect(added.body.counselor).toMatchObject({ orgId: 'org-a', email: 'new.person@example.org', role: 'counselor' });
    expect((await w.call('POST', '/counselor/counselors', { as: A_ADMIN, body: { email: 'new.person@example.org' } })).body.created).toBe(false);
    expect((await w.call('POST', '/counselor/counselors', { as: A_ADMIN, body: { email: 'x@example.org', orgId: 'org-b' } })).status).toBe(400);
    const listed = await w.call('GET', '/counselor/counselors', { as: A_ADMIN });
    expect(listed.body.counselors.map((c: any) => c.orgId)).toEqual(['org-a', 'org-a', 'org-a']);
    expect((await w.call('GET', '/counselor/counselors', { as: B_ADMIN })).body.counselors.map((c: any) => c.counselorId).sort()).toEqual(['c-admin-b', 'c-b']);
    expect((await w.call('GET', '/counselor/counselors', { as: A_COUNSELOR })).status).toBe(403);
    expect((await w.call('POST', '/counselor/counselors', { as: A_COUNSELOR, body: { email: 'y@example.org', role: 'admin' } })).status).toBe(403);
    expect((await w.services.counselors.listCounselors('org-a')).some((c) => c.email === 'y@example.org')).toBe(false);
    expect((await w.call('GET', '/counselor/audit', { as: A_ADMIN })).body.entries.map((e: any) => e.action)).toEqual(['counselor.add']);
  });

  test('admins change roles and remove counselors of their own org; a removed counselor’s token stops working', async () => {
    const w = await world();
    expect((await w.call('PUT', '/counselor/counselors/c-a', { as: A_ADMIN, body: { role: 'admin' } })).body.counselor.role).toBe('admin');
    expect((await w.call('PUT', '/counselor/counselors/c-admin-a', { as: A_ADMIN, body: { role: 'counselor' } })).status).toBe(409);
    expect((await w.call('DELETE', '/counselor/counselors/c-admin-a', { as: A_ADMIN })).status).toBe(409);
    expect((await w.call('GET', '/counselor/me', { as: A_COUNSELOR })).status).toBe(200);
    expect((await w.call('DELETE', '/counselor/counselors/c-a', { as: A_ADMIN })).status).toBe(200);
    expect((await w.call('GET', '/counselor/me', { as: A_COUNSELOR })).status).toBe(401);
    expect((await w.call('DELETE', '/counselor/counselors/c-a', { as: A_ADMIN })).status).toBe(404);
    expect((await w.call('GET', '/counselor/audit', { as: A_ADMIN })).body.entries.map((e: any) => e.action)).toEqual(['counselor.remove', 'counselor.role']);
  });

  test('a counselor changes their own alert settings', async () => {
    const w = await world();
    const answer = await w.call('PUT', '/counselor/me/settings', { as: A_COUNSELOR, body: { weeklyDigest: false } });
    expect(answer.body.settings).toEqual({ crisisAlerts: true, weeklyDigest: false });
    expect((await w.services.counselors.getCounselor('org-a', 'c-a'))!.settings.weeklyDigest).toBe(false);
    expect((await w.call('GET', '/counselor/me', { as: A_COUNSELOR })).body).toMatchObject({ counselor: { counselorId: 'c-a' }, organisation: { name: 'Alpha Advising' } });
  });
});

describe('access: every route', () => {
  /** Every counselor route, with the ids of org A's records. */
  const routes = (cohortId: string, personId: string) =>
    [
      ['GET', '/counselor/me', undefined],
      ['PUT', '/counselor/me/settings', { weeklyDigest: false }],
      ['GET', '/counselor/cohorts', undefined],
      ['POST', '/counselor/cohorts', COHORT],
      ['GET', `/counselor/cohorts/${cohortId}`, undefined],
      ['PUT', `/counselor/cohorts/${cohortId}`, { name: 'Taken over' }],
      ['GET', `/counselor/cohorts/${cohortId}/members`, undefined],
      ['POST', `/counselor/cohorts/${cohortId}/members`, { members: [RAVI] }],
      ['POST', `/counselor/cohorts/${cohortId}/import`, 'email,time_zone\nmallory@example.com,Asia/Kolkata\n'],
      ['POST', `/counselor/cohorts/${cohortId}/invitations`, undefined],
      ['GET', `/counselor/cohorts/${cohortId}/members/${personId}`, undefined],
      ['POST', `/counselor/cohorts/${cohortId}/members/${personId}/contacted`, { via: 'phone', note: 'Called, all fine' }],
      ['POST', `/counselor/cohorts/${cohortId}/members/${personId}/resume`, undefined],
      ['DELETE', `/counselor/cohorts/${cohortId}/members/${personId}`, undefined],
      ['POST', `/counselor/cohorts/${cohortId}/members/${personId}/erase`, undefined],
      ['GET', '/counselor/audit', undefined],
      ['GET', '/counselor/counselors', undefined],
      ['POST', '/counselor/counselors', { email: 'mallory@example.org' }],
      ['PUT', '/counselor/counselors/c-a', { role: 'admin' }],
      ['DELETE', '/counselor/counselors/c-a', undefined],
    ] as const;
  const bodyOf = (body: unknown) =>
    typeof body === 'string' ? { rawBody: body, headers: { 'content-type': 'text/csv' } } : body === undefined ? {} : { body };

  /** Org A with a member who accepted its invitation (so org A may read their records). */
  async function orgAWithAMember() {
    const w = await withCohort();
    const added = await w.call('POST', `/counselor/cohorts/${w.cohortId}/members`, { as: A_COUNSELOR, body: { members: [ASHA] } });
    await w.services.dispatch();
    const link = /\/confirm\/[^\s]+/.exec(w.services.email.sent[0]!.text)![0];
    await createApiHandler(Promise.resolve(w.services), silentLogger)(counselorEvent('POST', link, { rawBody: 'confirm=yes', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
    return { ...w, personId: added.body.rows[0].personId as string };
  }

  test('the route list covers every counselor route the API has', async () => {
    const { counselorRoutes } = await import('../../functions/routes/counselor');
    const listed = routes(':cohortId', ':personId').map(([method, path]) => `${method} ${path}`.replace('/counselors/c-a', '/counselors/:counselorId'));
    expect(counselorRoutes.map((r) => `${r.method} ${r.path}`).sort()).toEqual([...listed].sort());
  });

  test('without a token, or with a bad one, every route answers 401 and changes nothing', async () => {
    const w = await orgAWithAMember();
    const snapshot = [(w.services.store as MemoryStore).snapshot(), await w.services.counselors.listCohorts('org-a'), await w.services.counselors.listCounselors('org-a')];
    const expired = issuer.tokenFor(A_ADMIN, {}, new Date(w.services.clock.now().getTime() - 13 * 3600_000));
    const noScope = issuer.tokenFor(A_ADMIN, { scope: 'openid' }, w.services.clock.now());
    const unknownCounselor = issuer.tokenFor({ counselorId: 'c-ghost', orgId: 'org-a', role: 'admin' }, {}, w.services.clock.now());
    const noneAlg = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'c-admin-a', 'custom:orgId': 'org-a', scope: COUNSELOR_API_SCOPE })).toString('base64url')}.`;
    for (const [method, path, body] of routes(w.cohortId, w.personId)) {
      for (const token of [undefined, expired, noScope, unknownCounselor, noneAlg]) {
        const answer = await w.call(method, path, { ...(token && { token }), ...bodyOf(body) });
        expect({ route: `${method} ${path}`, status: answer.status }).toEqual({ route: `${method} ${path}`, status: 401 });
      }
    }
    expect([(w.services.store as MemoryStore).snapshot(), await w.services.counselors.listCohorts('org-a'), await w.services.counselors.listCounselors('org-a')]).toEqual(snapshot);
  });

  test('another org’s counselor or admin gets 404 for every record of org A, and org A’s data is untouched', async () => {
    const w = await orgAWithAMember();
    const before = [(w.services.store as MemoryStore).snapshot(), await w.services.counselors.listCohorts('org-a'), await w.services.counselors.listCohortMembers('org-a', w.cohortId)];
    for (const who of [B_ADMIN, B_COUNSELOR]) {
      for (const [method, path, body] of routes(w.cohortId, w.personId)) {
        if (!path.includes(w.cohortId) && !path.includes('/counselors/c-a')) continue;
        const answer = await w.call(method, path, { as: who, ...bodyOf(body) });
        // An admin-only route turns a counselor away (403) before it looks anything up.
        const expected = path.startsWith('/counselor/counselors/') && who.role !== 'admin' ? 403 : 404;
        expect({ route: `${method} ${path}`, as: who.counselorId, status: answer.status }).toEqual({ route: `${method} ${path}`, as: who.counselorId, status: expected });
      }
      // Routes without an id show org B its own (empty) world, never org A's.
      expect((await w.call('GET', '/counselor/cohorts', { as: who })).body.cohorts).toEqual([]);
      expect(JSON.stringify((await w.call('GET', '/counselor/me', { as: who })).body)).not.toContain('org-a');
    }
    expect((await w.call('GET', '/counselor/audit', { as: B_ADMIN })).body.entries).toEqual([]);
    expect(JSON.stringify((await w.call('GET', '/counselor/counselors', { as: B_ADMIN })).body)).not.toContain('org-a');
    expect([(w.services.store as MemoryStore).snapshot(), await w.services.counselors.listCohorts('org-a'), await w.services.counselors.listCohortMembers('org-a', w.cohortId)]).toEqual(before);
    // A member of org A's cohort looked up through a cohort of org B: not found either.
    const bCohort = await w.call('POST', '/counselor/cohorts', { as: B_COUNSELOR, body: COHORT });
    for (const [method, path] of [['DELETE', `/counselor/cohorts/${bCohort.body.cohort.cohortId}/members/${w.personId}`], ['POST', `/counselor/cohorts/${bCohort.body.cohort.cohortId}/members/${w.personId}/erase`]] as const) {
      expect((await w.call(method, path, { as: B_ADMIN })).status).toBe(404);
    }
    expect(await w.services.store.getPerson(w.personId)).toBeDefined();
  });

  test('the report routes under /counselor/ (the dashboard’s JSON and CSV) answer 401 without a token and 404 across orgs', async () => {
    const { counselorDashboardRoutes } = await import('../../functions/routes/counselor-dashboard');
    const w = await orgAWithAMember();
    const apiRoutes = counselorDashboardRoutes.filter((r) => r.path.startsWith('/counselor/'));
    expect(apiRoutes.length).toBeGreaterThan(0);
    for (const route of apiRoutes) {
      const path = route.path.replace(':cohortId', w.cohortId).replace(':personId', w.personId);
      expect({ route: `${route.method} ${path}`, status: (await w.call(route.method, path)).status }).toEqual({ route: `${route.method} ${path}`, status: 401 });
      for (const who of [B_ADMIN, B_COUNSELOR]) {
        const answer = await w.call(route.method, path, { as: who });
        expect({ route: `${route.method} ${path}`, as: who.counselorId, status: answer.status }).toEqual({ route: `${route.method} ${path}`, as: who.counselorId, status: 404 });
      }
      expect((await w.call(route.method, path, { as: A_COUNSELOR })).status).toBe(200);
    }
  });

  test('admin routes answer 403 to a counselor of the same org', async () => {
    const w = await world();
    for (const [method, path, body] of [['GET', '/counselor/audit', undefined], ['GET', '/counselor/counselors', undefined], ['POST', '/counselor/counselors', { email: 'q@example.org' }]] as const) {
      expect((await w.call(method, path, { as: A_COUNSELOR, ...bodyOf(body) })).status).toBe(403);
    }
  });

  test('a token still saying admin after the org demoted the counselor is treated as a counselor', async () => {
    const w = await world();
    await w.services.counselors.saveCounselor({ ...(await w.services.counselors.getCounselor('org-a', 'c-admin-a'))!, role: 'counselor' });
    expect((await w.call('GET', '/counselor/audit', { as: A_ADMIN })).status).toBe(403);
  });
});
