import { formToken } from '../../functions/counselor-access';
import type { MemoryStore } from '../../shared/adapters/memory/memory-store';
import { previewAnnouncement, sendAnnouncement } from '../../shared/app/announcements/announce';
import { announcementSms, reachOf, textProblem } from '../../shared/domain/announcement';
import type { CohortMember, Counselor } from '../../shared/domain/counselor';
import type { Person } from '../../shared/domain/model';
import { smsSegments } from '../../shared/domain/template';
import { silentLogger } from '../../shared/ports';
import { counselorEvent, testIssuer, type TestIssuer } from '../support/counselor-tokens';
import { memoryServices, testContentSid, type MemoryServices } from '../support/memory-services';
import { seedPerson } from '../support/seed';
import { createWholeApiHandler } from '../support/whole-api';

/**
 * Announcements: who gets one and how, what the dispatcher sends (and what it no longer sends),
 * one a day per person whoever sends it, admins only, and the operator's from the CLI's use case.
 */

// 12:00 UTC: midday in Lagos and London, 17:30 in Kolkata, 06:00 in Chicago (quiet hours there).
const NOW = '2027-01-20T12:00:00.000Z';
let issuer: TestIssuer;
beforeAll(() => {
  issuer = testIssuer();
});
afterAll(() => issuer.remove());

const ADMIN = { counselorId: 'c-admin', orgId: 'org-a', role: 'admin' as const };
const COUNSELOR = { counselorId: 'c-plain', orgId: 'org-a', role: 'counselor' as const };
const OTHER = { counselorId: 'c-other', orgId: 'org-b', role: 'admin' as const };
const AT = '2026-11-01T00:00:00.000Z';
const confirmed = (text = 'yes') => ({ state: 'confirmed' as const, source: 'web', at: AT, text });

const person = (personId: string, over: Partial<Person> = {}): Person => ({
  personId,
  firstName: personId,
  timeZone: 'Africa/Lagos',
  consent: {},
  profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
  createdAt: AT,
  ...over,
});
const membership = (cohortId: string, personId: string, state: 'accepted' | 'pending' = 'accepted', orgId = 'org-a'): CohortMember => ({
  orgId,
  cohortId,
  personId,
  addedBy: 'c-admin',
  addedAt: AT,
  status: 'active',
  consent: { state, at: AT },
});

async function world() {
  const services: MemoryServices = memoryServices();
  services.at(NOW);
  services.counselorAuth = issuer.authenticator(services.clock);
  for (const [orgId, name] of [['org-a', 'Lagos Alumni'], ['org-b', 'Beta Mentors']] as const) await services.counselors.saveOrganisation({ orgId, name, createdAt: AT });
  for (const who of [ADMIN, COUNSELOR, OTHER]) {
    const c: Counselor = { ...who, email: `${who.counselorId}@example.org`, settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: AT };
    await services.counselors.saveCounselor(c);
  }
  for (const [orgId, cohortId] of [['org-a', 'k1'], ['org-a', 'k2'], ['org-b', 'k9']] as const) {
    await services.counselors.saveCohort({ cohortId, orgId, name: `Cohort ${cohortId}`, season: 2027, sequenceIds: ['getting-started'], anchorOverrides: {}, archived: false, createdAt: AT, updatedAt: AT });
  }
  // Texts confirmed (Lagos): by text. Email only (London): by email. Both, but in Chicago's quiet hours: a text that waits.
  await seedPerson(services.store, person('p-text', { phone: '+2348031111111', consent: { sms: confirmed() } }));
  await seedPerson(services.store, person('p-email', { email: 'e@example.com', timeZone: 'Europe/London', consent: { email: confirmed() } }));
  await seedPerson(services.store, person('p-night', { phone: '+13125550100', email: 'n@example.com', timeZone: 'America/Chicago', consent: { sms: confirmed(), email: confirmed() } }));
  // Nothing confirmed; an H-1B member; someone who has not said yes; one in another organisation only.
  await seedPerson(services.store, person('p-none', { email: 'none@example.com', consent: { email: { state: 'pending', source: 'counselor:c-admin', at: AT, text: 'invited' } } }));
  await seedPerson(services.store, person('p-h1b', { email: 'h@example.com', consent: { email: confirmed() }, profile: { ...person('x').profile, visaTrack: 'h1b' } }));
  await seedPerson(services.store, person('p-pending', { email: 'pending@example.com', consent: { email: confirmed() } }));
  await seedPerson(services.store, person('p-b', { email: 'b@example.com', consent: { email: confirmed() } }));
  for (const id of ['p-text', 'p-email', 'p-night', 'p-none', 'p-h1b']) await services.counselors.saveCohortMember(membership('k1', id));
  // p-text is in two cohorts of the organisation: still one announcement.
  await services.counselors.saveCohortMember(membership('k2', 'p-text'));
  await services.counselors.saveCohortMember(membership('k2', 'p-pending', 'pending'));
  await services.counselors.saveCohortMember(membership('k9', 'p-b', 'accepted', 'org-b'));
  const handler = createWholeApiHandler(Promise.resolve(services), silentLogger);
  const call = async (method: string, path: string, as: typeof ADMIN | typeof COUNSELOR | typeof OTHER, body?: unknown) => {
    const result = await handler(counselorEvent(method, path, { token: issuer.tokenFor(as, {}, services.clock.now()), ...(body !== undefined && { body }) }));
    const text = String(result.body ?? '');
    return { status: result.statusCode ?? 200, body: text.startsWith('{') ? JSON.parse(text) : text };
  };
  return { services, call, handler };
}

const TEXT = 'J-1 interview slots reopened today at most consulates. Check your embassy page and book early.';
const orgA = { kind: 'organisation' as const, principal: { ...ADMIN, scopes: [] } };

describe('who gets it, and how', () => {
  test('members who said yes, once each, by a text where they confirmed texts, else by email; quiet hours counted; the rest left out with the reason', async () => {
    const { services } = await world();
    const p = await previewAnnouncement(services, orgA, { text: TEXT });
    expect(p).toMatchObject({ considered: 5, recipients: 4, bySms: 2, byEmail: 2, waitForMorning: 1, excluded: { noConsent: 1, notInSegment: 0, countryNotTextable: 0, alreadyToday: 0 } });
    expect(p.sms.body).toBe(`Lagos Alumni via Match Coach: ${TEXT} Reply STOP to end.`);
    expect(p.sms.segments).toBe(1);
    // The segment: the H-1B track, a country, texts only, one cohort.
    expect((await previewAnnouncement(services, orgA, { text: TEXT, audience: { visaTracks: ['h1b'] } })).recipients).toBe(1);
    // Nigeria: the Lagos number, and the Lagos time zone of an email-only member (London and Chicago are not).
    expect((await previewAnnouncement(services, orgA, { text: TEXT, audience: { countries: ['NG'] } })).recipients).toBe(2);
    expect((await previewAnnouncement(services, orgA, { text: TEXT, audience: { channels: ['sms'] } })).recipients).toBe(2);
    expect((await previewAnnouncement(services, orgA, { text: TEXT, audience: { cohortIds: ['k2'] } })).considered).toBe(1);
    // Previewing changed nothing.
    expect(await services.store.listMessages('p-text')).toEqual([]);
  });

  test('a cohort of another organisation is not found; the text must fit two plain segments', async () => {
    const { services } = await world();
    await expect(previewAnnouncement(services, orgA, { text: TEXT, audience: { cohortIds: ['k9'] } })).rejects.toMatchObject({ code: 'not_found' });
    await expect(previewAnnouncement(services, orgA, { text: 'x'.repeat(241) })).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining('at most 240') });
    expect(textProblem({ orgName: 'The International Medical Graduates Residency Application Support Network of Greater Lagos' }, 'x'.repeat(240))).toMatch(/too long: .* 3 text segments/);
    await expect(previewAnnouncement(services, orgA, { text: 'New fee 💸 from today' })).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining('GSM-7') });
    await expect(previewAnnouncement(services, orgA, { text: '' })).rejects.toMatchObject({ code: 'validation' });
    expect(textProblem({ orgName: 'A program with a long name indeed' }, 'x'.repeat(200))).toBeUndefined();
    expect(smsSegments(announcementSms({ orgName: 'A program with a long name indeed' }, 'x'.repeat(200))).segments).toBe(2);
  });

  test('reachOf never picks a channel the person did not confirm, and never a number we do not text', () => {
    const base = person('p', { phone: '+2348031111111', email: 'p@example.com', consent: { sms: { state: 'revoked', source: 'sms-keyword', at: AT, text: 'STOP' }, email: confirmed() } });
    const ctx = { now: new Date(NOW), countryOf: () => 'NG', textable: () => true };
    expect(reachOf(base, {}, ctx)).toMatchObject({ channel: 'email' });
    expect(reachOf(base, { channels: ['sms'] }, ctx)).toEqual({ excluded: 'no-consent' });
    const texts = { ...base, consent: { sms: confirmed() } };
    expect(reachOf(texts, {}, { ...ctx, textable: () => false })).toEqual({ excluded: 'country-not-textable' });
  });
});

describe('by WhatsApp', () => {
  const PHONE = '+919812345678';
  async function withWhatsAppMember() {
    const w = await world();
    // Kolkata, WhatsApp confirmed (texts cannot answer back from India): 17:30 there, no quiet hours.
    await seedPerson(w.services.store, person('p-wa', { phone: PHONE, timeZone: 'Asia/Kolkata', consent: { whatsapp: confirmed() } }));
    await w.services.counselors.saveCohortMember(membership('k1', 'p-wa'));
    return w;
  }

  test('someone on WhatsApp gets it on WhatsApp: the approved template outside the window, named in the preview', async () => {
    const { services } = await withWhatsAppMember();
    const p = await previewAnnouncement(services, orgA, { text: TEXT });
    expect(p).toMatchObject({ recipients: 5, bySms: 2, byWhatsApp: 1, byEmail: 2 });
    await sendAnnouncement(services, orgA, { text: TEXT });
    await services.dispatch();
    expect(services.whatsapp.accepted.map((m) => [m.to, m.content])).toEqual([
      [PHONE, { kind: 'template', contentSid: testContentSid('org_announcement'), variables: { '1': 'Lagos Alumni via Match Coach', '2': TEXT } }],
    ]);
    expect(services.whatsapp.accepted[0]!.body).toBe(`News from Lagos Alumni via Match Coach: ${TEXT}\n\nYou get this because you chose Match Coach messages on WhatsApp. Reply STOP to end these messages.`);
    // Never also as a text: one announcement a person.
    expect(services.sms.sent.map((m) => m.to)).not.toContain(PHONE);
  });

  test('inside the 24-hour window it goes as free text in the same words', async () => {
    const { services } = await withWhatsAppMember();
    await services.store.noteInbound('p-wa', new Date(Date.parse(NOW) - 3_600_000));
    await sendAnnouncement(services, orgA, { text: TEXT });
    await services.dispatch();
    expect(services.whatsapp.accepted.map((m) => m.content)).toEqual([{ kind: 'text', body: expect.stringContaining(`News from Lagos Alumni via Match Coach: ${TEXT}`) }]);
  });

  test('someone who stopped WhatsApp after it was queued gets nothing, and texts only leave WhatsApp people out', async () => {
    const { services } = await withWhatsAppMember();
    await sendAnnouncement(services, orgA, { text: TEXT });
    const wa = (await services.store.getPerson('p-wa'))!;
    await services.store.savePerson({ ...wa, consent: { whatsapp: { ...wa.consent.whatsapp!, state: 'revoked' } } });
    await services.dispatch();
    expect(services.whatsapp.accepted).toEqual([]);
    expect((await services.store.listMessages('p-wa')).find((m) => m.announcement)).toMatchObject({ status: 'skipped' });
    expect((await previewAnnouncement(services, orgA, { text: TEXT, audience: { channels: ['sms'] } })).byWhatsApp).toBe(0);
  });
});

describe('sending', () => {
  test('queues one per person, sends through the dispatcher in the announcement’s words, and audits ids and counts', async () => {
    const { services } = await world();
    const sent = await sendAnnouncement(services, orgA, { text: TEXT, subject: 'Visa update', details: 'Details for the email.' });
    expect(sent).toMatchObject({ queued: 4, recipients: 4, stillToQueue: 0 });
    await services.dispatch();
    expect(services.sms.sent.map((m) => [m.to, m.body])).toEqual([['+2348031111111', `Lagos Alumni via Match Coach: ${TEXT} Reply STOP to end.`]]);
    const emails = services.email.sent.map((m) => m.to).sort();
    expect(emails).toEqual(['e@example.com', 'h@example.com', ]);
    const mail = services.email.sent.find((m) => m.to === 'e@example.com')!;
    expect(mail.subject).toBe('Lagos Alumni: Visa update');
    expect(mail.text).toContain('Details for the email.');
    expect(mail.text).toContain(services.settings.postalAddress);
    expect(mail.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    // Chicago's text waits for its morning (08:00 there is 14:00 UTC).
    const night = (await services.store.listMessages('p-night'))[0]!;
    expect(night).toMatchObject({ status: 'planned', attempts: [expect.objectContaining({ detail: 'quiet_hours' })] });
    services.at('2027-01-20T14:01:00.000Z');
    await services.dispatch();
    expect(services.sms.sent.map((m) => m.to)).toContain('+13125550100');
    const [audit] = (await services.counselors.listAudit('org-a')).filter((e) => e.action === 'announcement.send');
    expect(audit).toMatchObject({ actor: 'c-admin', target: { kind: 'organisation', id: 'org-a' }, detail: { queued: 4, bySms: 2, byEmail: 2, noConsent: 1 } });
    expect(JSON.stringify(audit)).not.toMatch(/J-1|@example|\+234/);
  });

  test('at most one a day per person, whoever sends it; the same send repeated queues nobody twice', async () => {
    const { services } = await world();
    await services.counselors.saveCohortMember(membership('k9', 'p-text', 'accepted', 'org-b'));
    const first = await sendAnnouncement(services, orgA, { text: TEXT });
    const again = await sendAnnouncement(services, orgA, { text: TEXT }, { announcementId: first.announcementId });
    expect(again).toMatchObject({ queued: 4, recipients: 4, excluded: { alreadyToday: 0 } });
    const other = await sendAnnouncement(services, { kind: 'organisation', principal: { ...OTHER, scopes: [] } }, { text: 'Beta news for today.' });
    // Beta's members: p-b gets it; p-text has had Lagos Alumni's today.
    expect(other).toMatchObject({ queued: 1, excluded: { alreadyToday: 1 } });
    expect((await services.store.listMessages('p-text')).filter((m) => m.announcement)).toHaveLength(1);
    // Tomorrow (their own day) another may go.
    services.at('2027-01-21T12:00:00.000Z');
    expect((await sendAnnouncement(services, { kind: 'organisation', principal: { ...OTHER, scopes: [] } }, { text: 'Beta news for tomorrow.' })).queued).toBe(2);
  });

  test('a large audience is queued a part at a time, each call carrying it on, nobody twice', async () => {
    const { services } = await world();
    const first = await sendAnnouncement(services, orgA, { text: TEXT }, { perCall: 3 });
    expect(first).toMatchObject({ queued: 3, stillToQueue: 1 });
    const second = await sendAnnouncement(services, orgA, { text: TEXT }, { perCall: 3, announcementId: first.announcementId });
    expect(second).toMatchObject({ queued: 4, stillToQueue: 0 });
  });

  test('checked again as it goes: not sent to someone who left the organisation, stopped texts or paused since', async () => {
    const { services } = await world();
    await sendAnnouncement(services, orgA, { text: TEXT });
    await services.counselors.saveCohortMember({ ...membership('k1', 'p-email'), status: 'removed', removedAt: NOW });
    const texted = (await services.store.getPerson('p-text'))!;
    await services.store.savePerson({ ...texted, consent: { sms: { state: 'revoked', source: 'sms-keyword', at: NOW, text: 'STOP' } } });
    const h1b = (await services.store.getPerson('p-h1b'))!;
    await services.store.savePerson({ ...h1b, profile: { ...h1b.profile, pausedUntil: '2027-02-01T00:00:00.000Z' } });
    await services.dispatch();
    expect(services.sms.sent).toEqual([]);
    expect(services.email.sent).toEqual([]);
    const reasons = async (id: string) => (await services.store.listMessages(id)).filter((m) => m.announcement).map((m) => m.reason);
    expect(await reasons('p-email')).toEqual(['not_a_member']);
    expect(await reasons('p-text')).toEqual(['not_consented']);
    expect(await reasons('p-h1b')).toEqual(['paused']);
  });

  test('re-planning (a new score, changed preferences) keeps a queued announcement: it is no step of a lane', async () => {
    const { services } = await world();
    await sendAnnouncement(services, orgA, { text: TEXT });
    const { replanPerson } = await import('../../shared/app/scheduling/replan');
    await replanPerson({ store: services.store, clock: services.clock }, 'p-email');
    await services.dispatch();
    expect(services.email.sent.map((m) => m.to)).toContain('e@example.com');
  });

  test('the operator reaches everyone in the seasons named who confirmed a channel, whatever organisations follow them', async () => {
    const { services } = await world();
    await expect(previewAnnouncement(services, { kind: 'operator' }, { text: TEXT })).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining('Match years') });
    const p = await previewAnnouncement(services, { kind: 'operator' }, { text: TEXT, audience: { seasons: [2027] } });
    // Everyone with a confirmed channel: the pending member and the other organisation's too.
    expect(p).toMatchObject({ considered: 7, recipients: 6, excluded: { noConsent: 1 } });
    expect(p.sms.body).toBe(`Match Coach: ${TEXT} Reply STOP to end.`);
    expect((await sendAnnouncement(services, { kind: 'operator' }, { text: TEXT, audience: { seasons: [2028] } })).recipients).toBe(0);
  });
});

describe('who may send', () => {
  test('admins only (403 for a counselor), their own cohorts only (404), and nothing changes on a refusal', async () => {
    const { services, call } = await world();
    const before = JSON.stringify((services.store as MemoryStore).snapshot());
    expect((await call('POST', '/counselor/announcements/preview', COUNSELOR, { text: TEXT })).status).toBe(403);
    expect((await call('POST', '/counselor/announcements', COUNSELOR, { text: TEXT })).status).toBe(403);
    expect((await call('POST', '/counselor/announcements', OTHER, { text: TEXT, audience: { cohortIds: ['k1'] } })).status).toBe(404);
    expect((await call('POST', '/counselor/announcements', ADMIN, { text: TEXT, audience: { cohortIds: ['k1'] }, extra: 1 })).status).toBe(400);
    expect((await call('POST', '/counselor/announcements', ADMIN, { text: 'x'.repeat(300) })).status).toBe(400);
    expect(JSON.stringify((services.store as MemoryStore).snapshot())).toBe(before);
    const ok = await call('POST', '/counselor/announcements', ADMIN, { text: TEXT, audience: { cohortIds: ['k1'] } });
    expect(ok.status).toBe(200);
    expect(ok.body.sent.queued).toBe(4);
  });

  test('the dashboard: write, preview, send with the page’s form token; a counselor is refused at every step', async () => {
    const { services, handler } = await world();
    const sessions = new Map([ADMIN, COUNSELOR].map((who) => [who, issuer.tokenFor(who, {}, new Date(NOW))] as const));
    const session = (who: typeof ADMIN | typeof COUNSELOR) => sessions.get(who)!;
    const cookie = (who: typeof ADMIN | typeof COUNSELOR) => ({ cookie: `__Host-mc_counselor=${session(who)}`, 'sec-fetch-site': 'same-origin' });
    const post = (who: typeof ADMIN | typeof COUNSELOR, path: string, fields: [string, string][]) =>
      handler(counselorEvent('POST', path, { rawBody: new URLSearchParams([...fields, ['form', formToken('test-only-token-secret-0123456789-abcdefghij', who, session(who))]]).toString(), headers: { ...cookie(who), 'content-type': 'application/x-www-form-urlencoded' } }));
    const form = await handler(counselorEvent('GET', '/dashboard/announcements', { headers: cookie(ADMIN) }));
    expect(form.statusCode).toBe(200);
    expect(String(form.body)).toContain('Cohort k1');
    expect(String(form.body)).not.toContain('Cohort k9');
    const fields: [string, string][] = [['text', TEXT], ['cohort', 'k1'], ['cohort', 'k2'], ['channel', 'both']];
    const preview = await post(ADMIN, '/dashboard/announcements/preview', fields);
    expect(preview.statusCode).toBe(200);
    expect(String(preview.body)).toMatch(/<li id="recipients"><span class="n">4<\/span>/);
    expect(String(preview.body)).toContain('Send to 4 people');
    expect(await services.store.listMessages('p-text')).toEqual([]);
    const sent = await post(ADMIN, '/dashboard/announcements/send', fields);
    expect(sent.statusCode).toBe(200);
    expect(String(sent.body)).toContain('4 messages are queued');
    // A counselor who is not an admin: refused at every step, nothing more queued.
    expect((await handler(counselorEvent('GET', '/dashboard/announcements', { headers: cookie(COUNSELOR) }))).statusCode).toBe(403);
    expect((await post(COUNSELOR, '/dashboard/announcements/preview', fields)).statusCode).toBe(403);
    expect((await post(COUNSELOR, '/dashboard/announcements/send', fields)).statusCode).toBe(403);
    expect((await services.counselors.listAudit('org-a')).filter((e) => e.action === 'announcement.send')).toHaveLength(1);
    // A text too long comes back to the form with the reason, nothing sent.
    const tooLong = await post(ADMIN, '/dashboard/announcements/preview', [['text', 'y'.repeat(300)]]);
    expect(tooLong.statusCode).toBe(400);
    expect(String(tooLong.body)).toContain('at most 240 characters');
    expect(String(tooLong.body)).toContain('y'.repeat(300));
  });
});
