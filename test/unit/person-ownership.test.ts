import type { MemoryStore } from '../../shared/adapters/memory/memory-store';
import { createMemoryFormLimits } from '../../shared/adapters/memory/memory-form-limits';
import { alertCounselorsOfCrisis } from '../../shared/app/counselors/counselor-alerts';
import { handleInboundSms } from '../../shared/app/inbound/inbound-sms';
import { COUNSELOR_API_SCOPE, type Counselor } from '../../shared/domain/counselor';
import type { Person } from '../../shared/domain/model';
import { silentLogger } from '../../shared/ports';
import { counselorEvent, testIssuer, type TestIssuer } from '../support/counselor-tokens';
import { memoryServices, type MemoryServices } from '../support/memory-services';
import { seedPerson } from '../support/seed';
import { issueToken } from '../../shared/domain/tokens';
import { TEST_TOKEN_SECRET } from '../support/memory-services';
import { createWholeApiHandler } from '../support/whole-api';

/**
 * A person belongs to themselves: what an organisation, an anonymous form or a stranger's phone
 * can do to someone already with us, tried as an attacker would, through the real API handler on
 * memory twins. Each refusal is checked to change nothing.
 */

let issuer: TestIssuer;
beforeAll(() => {
  issuer = testIssuer();
});
afterAll(() => issuer.remove());

const MALLORY = { counselorId: 'c-mallory', orgId: 'org-m', role: 'admin' as const };
const HONEST = { counselorId: 'c-honest', orgId: 'org-h', role: 'counselor' as const };

/** Someone who signed up on their own and confirmed their email. */
const NGOZI: Person = {
  personId: 'p-ngozi',
  firstName: 'Ngozi',
  email: 'ngozi@example.com',
  timeZone: 'Africa/Lagos',
  consent: { email: { state: 'confirmed', source: 'web', at: '2026-11-01T00:00:00.000Z', text: 'Email me' } },
  profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
  createdAt: '2026-11-01T00:00:00.000Z',
};

async function world() {
  const services: MemoryServices = memoryServices();
  services.counselorAuth = issuer.authenticator(services.clock);
  const at = services.clock.now().toISOString();
  for (const [orgId, name] of [['org-m', 'Mallory Prep'], ['org-h', 'Honest Advising']] as const) await services.counselors.saveOrganisation({ orgId, name, createdAt: at });
  for (const who of [MALLORY, HONEST]) {
    const counselor: Counselor = { ...who, email: `${who.counselorId}@example.org`, settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: at };
    await services.counselors.saveCounselor(counselor);
  }
  await seedPerson(services.store, NGOZI);
  const handler = createWholeApiHandler(Promise.resolve(services), silentLogger);
  const call = async (method: string, path: string, options: { as?: typeof MALLORY | typeof HONEST; body?: unknown; rawBody?: string; headers?: Record<string, string>; sourceIp?: string } = {}) => {
    const token = options.as && issuer.tokenFor(options.as, {}, services.clock.now());
    const [rawPath, query] = path.split('?');
    const result = await handler(
      counselorEvent(method, rawPath!, {
        ...(query && { query }),
        ...(token && { token }),
        ...(options.body !== undefined && { body: options.body }),
        ...(options.rawBody !== undefined && { rawBody: options.rawBody }),
        ...(options.headers && { headers: options.headers }),
        ...(options.sourceIp && { sourceIp: options.sourceIp }),
      }),
    );
    const text = typeof result.body === 'string' ? result.body : '';
    return { status: result.statusCode ?? 200, body: text.startsWith('{') ? JSON.parse(text) : text };
  };
  const cohort = async (as: typeof MALLORY | typeof HONEST) =>
    (await call('POST', '/counselor/cohorts', { as, body: { name: 'Spring', season: 2027, sequenceIds: ['getting-started'] } })).body.cohort.cohortId as string;
  const snapshot = () => JSON.stringify((services.store as MemoryStore).snapshot());
  return { services, call, cohort, snapshot };
}

/** A row outcome with the person's id taken out: what must read the same for anyone. */
const shape = (answer: { body: any }) => JSON.parse(JSON.stringify(answer.body).replace(/"personId":"[^"]+"/g, '"personId":"…"'));

describe('an organisation adding someone who is already with us', () => {
  test('writes no field of theirs, attaches no contact, and answers exactly as for someone new', async () => {
    const w = await world();
    const cohortId = await w.cohort(MALLORY);
    const before = JSON.stringify(await w.services.store.getPerson(NGOZI.personId));
    const takeover = { email: 'ngozi@example.com', phone: '+15550009999', firstName: 'Taken', timeZone: 'America/New_York', visaTrack: 'h1b', attempt: 3, step2_exam: '2027-05-05' };
    const stranger = { ...takeover, email: 'nobody.yet@example.com', phone: '+15550008888' };

    const onExisting = await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: MALLORY, body: { members: [takeover] } });
    const onNew = await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: MALLORY, body: { members: [stranger] } });
    expect(onExisting.status).toBe(200);
    expect(shape(onExisting)).toEqual(shape(onNew));
    expect(onExisting.body.rows[0]).toEqual({ row: 1, status: 'added', personId: NGOZI.personId });

    expect(JSON.stringify(await w.services.store.getPerson(NGOZI.personId))).toBe(before);
    expect(await w.services.store.findPersonIdByPhone('+15550009999')).toBeUndefined();
    expect(await w.services.store.listEnrollments(NGOZI.personId)).toEqual([]);

    // The member list shows what the counselor typed, never the person's own name, and the same fields for both.
    const listed = (await w.call('GET', `/counselor/cohorts/${cohortId}/members`, { as: MALLORY })).body.members;
    expect(listed.map((m: any) => [m.name, m.answer])).toEqual([['Taken', 'pending'], ['Taken', 'pending']]);
    // Nothing of their engagement, and a search for her address or number finds nobody, as it would for a stranger.
    expect(listed.every((m: any) => m.engagement === undefined)).toBe(true);
    for (const q of ['ngozi@example.com', '+15550009999', 'stranger@example.com', 'Ngozi', 'Taken']) {
      const found = await w.call('GET', `/counselor/cohorts/${cohortId}/members?q=${encodeURIComponent(q)}`, { as: MALLORY });
      expect({ q, status: found.status, members: found.body.members }).toEqual({ q, status: 200, members: [] });
    }
    expect(Object.keys(listed[0]).sort()).toEqual(Object.keys(listed[1]).sort());
    expect(JSON.stringify(listed)).not.toMatch(/Ngozi|createdPerson|invited|rowDigest/);
  });

  test('sees none of their records until they say yes to that organisation; a no keeps it so', async () => {
    const w = await world();
    const cohortId = await w.cohort(MALLORY);
    await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: MALLORY, body: { members: [{ email: 'ngozi@example.com', timeZone: 'UTC' }] } });
    // Her own records: a message sent to her, and a risk text she sent.
    await handleInboundSms(
      { store: w.services.store, clock: w.services.clock, helpAddress: 'help@example.org' },
      { messageSid: `SM${'1'.repeat(32)}`, from: '+2348000000000', to: '+15550000000', body: 'hello' },
    );
    const report = await w.call('GET', `/counselor/cohorts/${cohortId}/report`, { as: MALLORY });
    expect(report.status).toBe(200);
    expect(report.body.figures).toMatchObject({ linked: 0, members: { accepted: 0, pending: 1, declined: 0 }, messages: { sent: 0 }, flagged: 0 });
    // Her member page (contacts, timeline) is not found; marking her contacted or resuming her coaching too, and nothing changes.
    const untouched = w.snapshot();
    for (const [method, path, body] of [
      ['GET', `/counselor/cohorts/${cohortId}/members/${NGOZI.personId}`, undefined],
      ['POST', `/counselor/cohorts/${cohortId}/members/${NGOZI.personId}/contacted`, { via: 'phone' }],
      ['POST', `/counselor/cohorts/${cohortId}/members/${NGOZI.personId}/resume`, undefined],
    ] as const) {
      expect((await w.call(method, path, { as: MALLORY, ...(body && { body }) })).status).toBe(404);
    }
    expect(w.snapshot()).toBe(untouched);
    expect((await w.call('GET', `/counselor/cohorts/${cohortId}/members/${NGOZI.personId}/timeline`, { as: MALLORY })).status).toBe(404);
    const csv = await w.call('GET', `/counselor/cohorts/${cohortId}/report.csv`, { as: MALLORY });
    expect(String(csv.body)).not.toMatch(/Ngozi|ngozi/);
    // A crisis flag reaches only organisations she said yes to: none yet.
    expect(await alertCounselorsOfCrisis({ ...w.services, log: silentLogger } as never, { personId: NGOZI.personId, eventId: 'SMrisk', at: w.services.clock.now().toISOString(), level: 'risk' })).toMatchObject({ sent: 0 });

    // The join request goes to her own confirmed address only, and names the organisation.
    await w.services.dispatch();
    expect(w.services.sms.sent).toEqual([]);
    const join = w.services.email.sent.find((m) => m.to === 'ngozi@example.com')!;
    expect(join.subject).toBe('Mallory Prep asked to follow your Match Coach coaching');
    const joinPath = /\/join\/[A-Za-z0-9_.-]+/.exec(join.text)![0];

    // Opening the link changes nothing (mail scanners open links).
    const before = w.snapshot();
    const page = await w.call('GET', joinPath);
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('Mallory Prep asks to follow your coaching');
    expect(w.snapshot()).toBe(before);

    // No: the organisation still sees nothing.
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await w.call('POST', joinPath, { rawBody: 'answer=no', headers: form })).status).toBe(200);
    expect(await w.services.counselors.getCohortMember('org-m', cohortId, NGOZI.personId)).toMatchObject({ consent: { state: 'declined', source: 'join-link' } });
    expect((await w.call('GET', `/counselor/cohorts/${cohortId}/members/${NGOZI.personId}/timeline`, { as: MALLORY })).status).toBe(404);
    // Pressing again changes nothing.
    expect(String((await w.call('POST', joinPath, { rawBody: 'answer=yes', headers: form })).body)).toContain('You have answered already');
    expect(await w.services.counselors.getCohortMember('org-m', cohortId, NGOZI.personId)).toMatchObject({ consent: { state: 'declined' } });
  });

  test('a yes on the join link lets that organisation (and no other) see her coaching, kept with the words she agreed to', async () => {
    const w = await world();
    const mine = await w.cohort(MALLORY);
    const other = await w.cohort(HONEST);
    for (const [as, cohortId] of [[MALLORY, mine], [HONEST, other]] as const) {
      await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as, body: { members: [{ email: 'ngozi@example.com', timeZone: 'UTC' }] } });
    }
    await w.services.dispatch();
    const join = w.services.email.sent.find((m) => m.subject.startsWith('Mallory Prep'))!;
    const joinPath = /\/join\/[A-Za-z0-9_.-]+/.exec(join.text)![0];
    const answer = await w.call('POST', joinPath, { rawBody: 'answer=yes', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(String(answer.body)).toContain('Thank you');
    expect(await w.services.counselors.getCohortMember('org-m', mine, NGOZI.personId)).toMatchObject({
      consent: { state: 'accepted', source: 'join-link', text: expect.stringContaining('Mallory Prep') },
    });
    expect((await w.call('GET', `/counselor/cohorts/${mine}/members/${NGOZI.personId}/timeline`, { as: MALLORY })).status).toBe(200);
    // Her yes was to Mallory Prep: Honest Advising still waits for its own answer.
    expect((await w.call('GET', `/counselor/cohorts/${other}/members/${NGOZI.personId}/timeline`, { as: HONEST })).status).toBe(404);
    // The cohort's tracks start with her yes; her own record is otherwise as she left it.
    expect((await w.services.store.listEnrollments(NGOZI.personId)).map((e) => e.sequenceId)).toContain('getting-started');
    expect((await w.services.store.getPerson(NGOZI.personId))!.timeZone).toBe('Africa/Lagos');
  });

  test('her preferences list the organisations; she says yes to one that asks, and stops sharing whenever she likes', async () => {
    const w = await world();
    const cohortId = await w.cohort(MALLORY);
    await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: MALLORY, body: { members: [{ email: 'ngozi@example.com', timeZone: 'UTC' }] } });
    const prefs = `/preferences/${issueToken(TEST_TOKEN_SECRET, 'preferences', NGOZI.personId, w.services.clock.now())}`;
    const form = (fields: Record<string, string>) => ({ rawBody: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(String((await w.call('GET', prefs)).body)).toContain('Mallory Prep asked to follow your coaching');
    // Naming an organisation she has nothing with changes nothing.
    const before = w.snapshot();
    expect((await w.call('POST', prefs, form({ action: 'start-sharing', org: 'org-h' }))).status).toBe(200);
    expect(w.snapshot()).toBe(before);
    expect((await w.call('POST', prefs, form({ action: 'start-sharing', org: 'not an id!' }))).status).toBe(400);

    expect(String((await w.call('POST', prefs, form({ action: 'start-sharing', org: 'org-m' }))).body)).toContain('Stop sharing with Mallory Prep');
    expect((await w.call('GET', `/counselor/cohorts/${cohortId}/members/${NGOZI.personId}/timeline`, { as: MALLORY })).status).toBe(200);
    await w.call('POST', prefs, form({ action: 'stop-sharing', org: 'org-m' }));
    expect(await w.services.counselors.getCohortMember('org-m', cohortId, NGOZI.personId)).toMatchObject({ consent: { state: 'declined', source: 'preferences' } });
    expect((await w.call('GET', `/counselor/cohorts/${cohortId}/members/${NGOZI.personId}/timeline`, { as: MALLORY })).status).toBe(404);
  });

  test('with her yes she chooses which of her confirmed contacts the organisation may see; each unticked by default', async () => {
    const w = await world();
    const cohortId = await w.cohort(MALLORY);
    await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: MALLORY, body: { members: [{ email: 'ngozi@example.com', timeZone: 'UTC' }] } });
    await w.services.dispatch();
    const joinPath = /\/join\/[A-Za-z0-9_.-]+/.exec(w.services.email.sent.find((m) => m.to === 'ngozi@example.com')!.text)![0];
    const page = String((await w.call('GET', joinPath)).body);
    // Her email, partly hidden, as a choice not made for her; no phone (she has confirmed none).
    expect(page).toMatch(/<input type="checkbox" name="share_email" value="yes"> <span>Let Mallory Prep's counselors see my email \(n\S*@example\.com\)/);
    expect(page).not.toContain('checked');
    expect(page).not.toContain('share_phone');
    expect(page).not.toContain('ngozi@example.com');
    // A forged tick for a phone she never confirmed shares nothing; the email she ticked is shared.
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await w.call('POST', joinPath, { rawBody: 'answer=yes&share_email=yes&share_phone=yes', headers: form })).status).toBe(200);
    const member = await w.services.counselors.getCohortMember('org-m', cohortId, NGOZI.personId);
    expect(member!.contactShare).toEqual({ email: { at: expect.any(String), source: 'join-link', text: expect.stringContaining("Mallory Prep's counselors see my email") } });
    const seen = (await w.call('GET', `/counselor/cohorts/${cohortId}/members/${NGOZI.personId}`, { as: MALLORY })).body.member;
    expect(seen.contacts).toEqual({ email: { value: 'ngozi@example.com', sharedAt: expect.any(String), source: 'join-link' } });
  });

  test('a yes without a tick shares no contact: the organisation follows her coaching but cannot see how to reach her', async () => {
    const w = await world();
    const cohortId = await w.cohort(MALLORY);
    await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: MALLORY, body: { members: [{ email: 'ngozi@example.com', timeZone: 'UTC' }] } });
    await w.services.dispatch();
    const joinPath = /\/join\/[A-Za-z0-9_.-]+/.exec(w.services.email.sent.find((m) => m.to === 'ngozi@example.com')!.text)![0];
    await w.call('POST', joinPath, { rawBody: 'answer=yes', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const seen = (await w.call('GET', `/counselor/cohorts/${cohortId}/members/${NGOZI.personId}`, { as: MALLORY })).body.member;
    expect(seen.contacts).toEqual({});
    expect(JSON.stringify(seen)).not.toContain('ngozi@example.com');
  });

  test('erase: someone already with us is never erased by an organisation, and the answer reads as for its own record', async () => {
    const w = await world();
    const cohortId = await w.cohort(MALLORY);
    const rows = (await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: MALLORY, body: { members: [{ email: 'ngozi@example.com', timeZone: 'UTC' }, { email: 'fresh@example.com', timeZone: 'UTC' }] } })).body.rows;
    const before = JSON.stringify(await w.services.store.getPerson(NGOZI.personId));
    const erasedExisting = await w.call('POST', `/counselor/cohorts/${cohortId}/members/${rows[0].personId}/erase`, { as: MALLORY });
    const erasedOwn = await w.call('POST', `/counselor/cohorts/${cohortId}/members/${rows[1].personId}/erase`, { as: MALLORY });
    expect([erasedExisting.status, erasedExisting.body]).toEqual([erasedOwn.status, erasedOwn.body]);
    expect(JSON.stringify(await w.services.store.getPerson(NGOZI.personId))).toBe(before);
    expect(await w.services.store.getPerson(rows[1].personId)).toBeUndefined();
    // Both memberships are gone from the organisation's view; the audit log holds no counts to compare.
    expect(await w.services.counselors.listCohortMembers('org-m', cohortId)).toEqual([]);
    const audit = (await w.call('GET', '/counselor/audit', { as: MALLORY })).body.entries.filter((e: any) => e.action === 'member.erase');
    expect(audit.map((e: any) => e.detail)).toEqual([{ cohortId }, { cohortId }]);
  });
});

describe('what an organisation’s own changes can reach', () => {
  test('changing a cohort touches only members who said yes (and its own records); nobody’s own dates', async () => {
    const w = await world();
    const cohortId = await w.cohort(MALLORY);
    await w.services.store.saveEnrollment({ personId: NGOZI.personId, enrollmentId: 'e-own', sequenceId: 'self-care', anchors: { step2_exam: '2027-03-01', enrolled: '2026-11-01T00:00:00.000Z' }, enrolledAt: '2026-11-01T00:00:00.000Z', status: 'active' });
    await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: MALLORY, body: { members: [{ email: 'ngozi@example.com', timeZone: 'UTC' }] } });
    const before = w.snapshot();
    const changed = await w.call('PUT', `/counselor/cohorts/${cohortId}`, { as: MALLORY, body: { sequenceIds: ['getting-started', 'interview-season'], anchorOverrides: { interview_day: '2027-01-27' } } });
    expect(changed.status).toBe(200);
    expect(w.snapshot()).toBe(before);
    // A cohort cannot set anyone's own dates at all.
    const overwrite = await w.call('PUT', `/counselor/cohorts/${cohortId}`, { as: MALLORY, body: { anchorOverrides: { step2_exam: '2027-09-09' } } });
    expect(overwrite.status).toBe(400);
    expect(overwrite.body.message).toMatch(/each member's own/);
  });

  test('a row correcting the organisation’s own record never adds a number or address (it could be someone else’s)', async () => {
    const w = await world();
    const cohortId = await w.cohort(MALLORY);
    await seedPerson(w.services.store, { ...NGOZI, personId: 'p-victim', email: 'victim@example.com', phone: '+2348099990000' });
    const first = await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: MALLORY, body: { members: [{ email: 'own@mallory.example', timeZone: 'UTC' }] } });
    const own = first.body.rows[0].personId as string;
    const again = await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: MALLORY, body: { members: [{ email: 'own@mallory.example', phone: '+2348099990000', timeZone: 'UTC' }] } });
    expect(again.body.rows[0]).toEqual({ row: 1, status: 'updated', personId: own });
    expect(await w.services.store.findPersonIdByPhone('+2348099990000')).toBe('p-victim');
    expect((await w.services.store.getPerson(own))!.phone).toBeUndefined();
  });

  test('a future user’s address registered by an organisation: their own sign-up claims it clean of the organisation’s number and yes', async () => {
    const w = await world();
    const cohortId = await w.cohort(MALLORY);
    const added = await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: MALLORY, body: { members: [{ email: 'future@example.com', phone: '+15550007777', timeZone: 'UTC' }] } });
    const personId = added.body.rows[0].personId as string;
    const inbound = (sid: string, body: string) =>
      handleInboundSms({ store: w.services.store, clock: w.services.clock, helpAddress: 'help@example.org', memberships: w.services.counselors }, { messageSid: `SM${sid.repeat(32)}`, from: '+15550007777', to: '+15550000000', body });
    // The organisation answers its own invitation from the number it typed.
    await inbound('4', 'YES');
    expect(await w.services.counselors.getCohortMember('org-m', cohortId, personId)).toMatchObject({ consent: { state: 'accepted', source: 'sms-keyword' } });
    // The address's real owner signs up and confirms.
    const form = new URLSearchParams({ email: 'future@example.com', timeZone: 'Europe/London', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1' });
    await w.call('POST', '/subscribe', { rawBody: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const confirm = /\/confirm\/[A-Za-z0-9_.-]+/.exec(w.services.email.sent.at(-1)!.text)![0];
    await w.call('POST', confirm, { rawBody: 'confirm=yes', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const mine = (await w.services.store.getPerson(personId))!;
    expect(mine.phone).toBeUndefined();
    expect(mine.consent.sms).toBeUndefined();
    expect(mine.broughtBy).toBeUndefined();
    expect(mine.consent.email).toMatchObject({ state: 'confirmed', source: 'web' });
    expect(await w.services.counselors.getCohortMember('org-m', cohortId, personId)).toMatchObject({ consent: { state: 'pending' } });
    expect((await w.call('GET', `/counselor/cohorts/${cohortId}/members/${personId}/timeline`, { as: MALLORY })).status).toBe(404);
    // The organisation's number reaches nothing of theirs any more.
    expect((await inbound('5', 'NEXT')).outcome).toBe('unknown-number');
  });

  test('a yes from the organisation’s number after the person confirmed their own address accepts nothing', async () => {
    const w = await world();
    const cohortId = await w.cohort(MALLORY);
    const added = await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: MALLORY, body: { members: [{ email: 'later@example.com', phone: '+15550006666', timeZone: 'UTC' }] } });
    const personId = added.body.rows[0].personId as string;
    const form = new URLSearchParams({ email: 'later@example.com', timeZone: 'Europe/London', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1' });
    await w.call('POST', '/subscribe', { rawBody: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const confirm = /\/confirm\/[A-Za-z0-9_.-]+/.exec(w.services.email.sent.at(-1)!.text)![0];
    await w.call('POST', confirm, { rawBody: 'confirm=yes', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const yes = await handleInboundSms({ store: w.services.store, clock: w.services.clock, helpAddress: 'help@example.org', memberships: w.services.counselors }, { messageSid: `SM${'6'.repeat(32)}`, from: '+15550006666', to: '+15550000000', body: 'YES' });
    expect(yes.outcome).toBe('unknown-number');
    expect(await w.services.counselors.getCohortMember('org-m', cohortId, personId)).toMatchObject({ consent: { state: 'pending' } });
  });

  test('a removed member’s timeline looks back only', async () => {
    const w = await world();
    const cohortId = await w.cohort(MALLORY);
    await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: MALLORY, body: { members: [{ email: 'ngozi@example.com', timeZone: 'UTC' }] } });
    await w.services.dispatch();
    const joinPath = /\/join\/[A-Za-z0-9_.-]+/.exec(w.services.email.sent.at(-1)!.text)![0];
    await w.call('POST', joinPath, { rawBody: 'answer=yes', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    await w.call('DELETE', `/counselor/cohorts/${cohortId}/members/${NGOZI.personId}`, { as: MALLORY });
    w.services.at('2027-02-01T10:00:00.000Z');
    await w.services.store.saveSafetyEvent({ personId: NGOZI.personId, eventId: 'SMlater', at: '2027-02-01T10:00:00.000Z', kind: 'distress', rule: 'distress:test' });
    const timeline = await w.call('GET', `/counselor/cohorts/${cohortId}/members/${NGOZI.personId}/timeline`, { as: MALLORY });
    expect(timeline.status).toBe(200);
    expect(JSON.stringify(timeline.body.timeline)).not.toContain('2027-02-01');
  });
});

describe('the anonymous sign-up form and a stranger’s phone', () => {
  test('someone invited by an organisation is not rewritten by a form, and the attacker’s mobile never reaches their plan', async () => {
    const w = await world();
    const cohortId = await w.cohort(HONEST);
    const added = await w.call('POST', `/counselor/cohorts/${cohortId}/members`, { as: HONEST, body: { members: [{ email: 'invited@example.com', firstName: 'Ife', timeZone: 'Africa/Lagos' }] } });
    const personId = added.body.rows[0].personId as string;
    const before = JSON.stringify(await w.services.store.getPerson(personId));
    const form = new URLSearchParams({ email: 'invited@example.com', firstName: 'Attacker', mobile: '+15550001234', smsConsent: 'yes', timeZone: 'America/New_York', season: '2027', visaTrack: 'h1b', applicantType: 'us-img', attempt: '2' });
    const posted = await w.call('POST', '/subscribe', { rawBody: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(posted.status).toBe(303);
    expect(JSON.stringify(await w.services.store.getPerson(personId))).toBe(before);
    expect(await w.services.store.findPersonIdByPhone('+15550001234')).toBeUndefined();
    // YES and NEXT from that mobile reach nobody: no text back but HELP's, nothing of the plan.
    const yes = await handleInboundSms({ store: w.services.store, clock: w.services.clock, helpAddress: 'help@example.org' }, { messageSid: `SM${'2'.repeat(32)}`, from: '+15550001234', to: '+15550000000', body: 'YES' });
    const next = await handleInboundSms({ store: w.services.store, clock: w.services.clock, helpAddress: 'help@example.org' }, { messageSid: `SM${'3'.repeat(32)}`, from: '+15550001234', to: '+15550000000', body: 'NEXT' });
    expect([yes.outcome, next.outcome]).toEqual(['unknown-number', 'unknown-number']);
    expect([...yes.replies, ...next.replies]).toEqual([]);
    expect(w.services.sms.sent).toEqual([]);
  });

  test('a new number typed into the form gets nothing until the email is confirmed', async () => {
    const w = await world();
    const form = new URLSearchParams({ email: 'new.person@example.com', mobile: '+2348031234567', smsConsent: 'yes', timeZone: 'Africa/Lagos', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1' });
    await w.call('POST', '/subscribe', { rawBody: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(w.services.sms.sent).toEqual([]);
    const confirm = /\/confirm\/[A-Za-z0-9_.-]+/.exec(w.services.email.sent.at(-1)!.text)![0];
    await w.call('POST', confirm, { rawBody: 'confirm=yes', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(w.services.sms.sent.map((m) => m.to)).toEqual(['+2348031234567']);
  });
});

describe('the sign-up form’s limits (SMS pumping)', () => {
  const post = (w: Awaited<ReturnType<typeof world>>, email: string, mobile: string | undefined, ip: string) =>
    w.call('POST', '/subscribe', {
      rawBody: new URLSearchParams({ email, ...(mobile && { mobile, smsConsent: 'yes' }), timeZone: 'UTC', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      sourceIp: ip,
    });
  async function limited(caps: { perClientPerHour: number; perNumberPrefixPerHour: number; overallPerHour: number }) {
    const w = await world();
    w.services.publicForms = { limits: createMemoryFormLimits(), caps, responseFloorMs: 0 };
    return w;
  }

  test('per client: the post past the limit gets a 429 page, and nothing is stored or sent', async () => {
    const w = await limited({ perClientPerHour: 3, perNumberPrefixPerHour: 100, overallPerHour: 100 });
    for (let i = 0; i < 3; i++) expect((await post(w, `p${i}@example.com`, undefined, '203.0.113.7')).status).toBe(303);
    const before = w.snapshot();
    const sent = w.services.email.sent.length;
    const refused = await post(w, 'p9@example.com', undefined, '203.0.113.7');
    expect(refused.status).toBe(429);
    expect(String(refused.body)).toContain('Nothing was stored and nothing was sent');
    expect(w.snapshot()).toBe(before);
    expect(w.services.email.sent).toHaveLength(sent);
  });

  test('per number prefix and overall', async () => {
    const byPrefix = await limited({ perClientPerHour: 100, perNumberPrefixPerHour: 2, overallPerHour: 100 });
    expect((await post(byPrefix, 'a@example.com', '+2348031111111', '198.51.100.1')).status).toBe(303);
    expect((await post(byPrefix, 'b@example.com', '+2348032222222', '198.51.100.2')).status).toBe(303);
    expect((await post(byPrefix, 'c@example.com', '+2348033333333', '198.51.100.3')).status).toBe(429);
    expect(await byPrefix.services.store.findPersonIdByEmail('c@example.com')).toBeUndefined();
    const overall = await limited({ perClientPerHour: 100, perNumberPrefixPerHour: 100, overallPerHour: 2 });
    for (const [i, expected] of [[1, 303], [2, 303], [3, 429]] as const) expect((await post(overall, `o${i}@example.com`, undefined, `192.0.2.${i}`)).status).toBe(expected);
  });

  test('numbers added in the preferences count against the same caps (no pumping through throwaway accounts)', async () => {
    const w = await limited({ perClientPerHour: 100, perNumberPrefixPerHour: 1, overallPerHour: 100 });
    const prefsOf = async (email: string) => {
      await post(w, email, undefined, '198.51.100.20');
      const confirm = /\/confirm\/[A-Za-z0-9_.-]+/.exec(w.services.email.sent.at(-1)!.text)![0];
      await w.call('POST', confirm, { rawBody: 'confirm=yes', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      const personId = (await w.services.store.findPersonIdByEmail(email))!;
      return `/preferences/${issueToken(TEST_TOKEN_SECRET, 'preferences', personId, w.services.clock.now())}`;
    };
    const save = (path: string, mobile: string) =>
      w.call('POST', path, {
        rawBody: new URLSearchParams({ action: 'save', email: 'on', sms: 'on', mobile, smsConsent: 'yes', quietStart: '21:00', quietEnd: '08:00', pause: 'keep', timeZone: 'UTC', season: '2027', visaTrack: 'j1', applicantType: 'non-us-img', attempt: '1', outcome: 'applying' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        sourceIp: '198.51.100.20',
      });
    expect((await save(await prefsOf('one@example.com'), '+2348051111111')).status).toBe(200);
    const second = await prefsOf('two@example.com');
    const before = w.snapshot();
    const refused = await save(second, '+2348052222222');
    expect(refused.status).toBe(400);
    expect(String(refused.body)).toContain('Too many numbers have been added from here');
    expect(w.snapshot()).toBe(before);
    expect(w.services.sms.sent.map((m) => m.to)).toEqual(['+2348051111111']);
  });

  test('a number in a country this deployment does not text is refused with a reason, and nothing is stored', async () => {
    const w = await world();
    w.services.smsCountryCodes = ['1', '91'];
    const before = w.snapshot();
    const refused = await post(w, 'far@example.com', '+2348031234567', '198.51.100.9');
    expect(refused.status).toBe(400);
    expect(String(refused.body)).toContain('We cannot send texts to numbers in that country yet');
    expect(w.snapshot()).toBe(before);
  });
});
