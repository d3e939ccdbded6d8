import { parse } from 'csv-parse/sync';
import { formToken } from '../../functions/counselor-access';
import type { MemoryEngagementStore } from '../../shared/adapters/memory/memory-engagement-store';
import type { MemoryStore } from '../../shared/adapters/memory/memory-store';
import type { CohortMember, Counselor } from '../../shared/domain/counselor';
import type { Person } from '../../shared/domain/model';
import { silentLogger } from '../../shared/ports';
import { counselorEvent, testIssuer, type TestIssuer } from '../support/counselor-tokens';
import { memoryServices, type MemoryServices } from '../support/memory-services';
import { linkSeededMember, seedPerson } from '../support/seed';
import { createWholeApiHandler } from '../support/whole-api';

/**
 * Counselors act, through the counselors' function on memory twins with real tokens: a member's
 * page shows only the contacts the member shared (and the viewing is audited); marking a member
 * contacted closes their flags for the organisation and leaves a note the other counselors see;
 * resuming lifts the support hold; a cohort of any size is searched, filtered and paged without
 * ever showing a person who has not said yes; a spreadsheet is uploaded from the page. Every
 * refusal changes nothing.
 */

const NOW = '2027-01-20T12:00:00.000Z';
let issuer: TestIssuer;
beforeAll(() => {
  issuer = testIssuer();
});
afterAll(() => issuer.remove());

const ADMIN = { counselorId: 'c-admin', orgId: 'org-a', role: 'admin' as const };
const AMA = { counselorId: 'c-ama', orgId: 'org-a', role: 'counselor' as const };
const OTHER = { counselorId: 'c-other', orgId: 'org-b', role: 'admin' as const };

const person = (personId: string, firstName: string, over: Partial<Person> = {}): Person => ({
  personId,
  firstName,
  timeZone: 'Africa/Accra',
  consent: { sms: { state: 'confirmed', source: 'sms-keyword', at: '2026-11-01T00:00:00.000Z', text: 'YES' }, email: { state: 'confirmed', source: 'web', at: '2026-11-01T00:00:00.000Z', text: 'Email me' } },
  profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
  createdAt: '2026-11-01T00:00:00.000Z',
  ...over,
});
const member = (personId: string, over: Partial<CohortMember> = {}): CohortMember => ({
  orgId: 'org-a',
  cohortId: 'k1',
  personId,
  addedBy: 'c-admin',
  addedAt: '2026-11-02T00:00:00.000Z',
  status: 'active',
  consent: { state: 'accepted', at: '2026-11-03T00:00:00.000Z', source: 'join-link', text: 'I agree' },
  ...over,
});
const shared = { at: '2026-11-03T00:00:00.000Z', source: 'join-link', text: 'I let Alpha see it' };

interface World {
  services: MemoryServices;
  call(method: string, path: string, options?: { as?: typeof ADMIN | typeof AMA | typeof OTHER; token?: string; body?: unknown; rawBody?: string; bytes?: Buffer; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Record<string, string> }>;
  /** Everything that could change: people's records, counts and notes, the organisation's rows and audit, what was sent. */
  everything(): Promise<string>;
}

async function world(): Promise<World> {
  const services = memoryServices();
  services.at(NOW);
  services.counselorAuth = issuer.authenticator(services.clock);
  for (const [orgId, name] of [['org-a', 'Alpha Advising'], ['org-b', 'Beta Mentors']] as const) await services.counselors.saveOrganisation({ orgId, name, createdAt: NOW });
  for (const who of [ADMIN, AMA, OTHER]) {
    const c: Counselor = { ...who, email: `${who.counselorId}@example.org`, settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: NOW };
    await services.counselors.saveCounselor(c);
  }
  await services.counselors.saveCohort({ cohortId: 'k1', orgId: 'org-a', name: 'Accra 2027', season: 2027, sequenceIds: ['getting-started'], anchorOverrides: {}, archived: false, createdAt: NOW, updatedAt: NOW });
  await services.counselors.saveCohort({ cohortId: 'k9', orgId: 'org-b', name: 'Beta group', season: 2027, sequenceIds: ['getting-started'], anchorOverrides: {}, archived: false, createdAt: NOW, updatedAt: NOW });
  // Two members called Kwame: one shared his email and number, and is on hold after a crisis text; one shared nothing.
  await seedPerson(services.store, person('p-kwame-a', 'Kwame', { email: 'kwame.a@example.com', phone: '+233201234567', profile: { ...person('x', 'x').profile, supportHold: true, followed: true } }));
  await seedPerson(services.store, person('p-kwame-b', 'Kwame', { email: 'kwame.b@example.com', phone: '+233207654321' }));
  await seedPerson(services.store, person('p-pending', 'Private Name', { email: 'pending@example.com' }));
  await services.counselors.saveCohortMember(member('p-kwame-a', { contactShare: { email: shared, phone: shared } }));
  await services.counselors.saveCohortMember(member('p-kwame-b'));
  await services.counselors.saveCohortMember(member('p-pending', { consent: { state: 'pending', at: NOW }, label: { firstName: 'Typed Name' } }));
  await services.store.saveSafetyEvent({ personId: 'p-kwame-a', eventId: 'SMrisk', at: '2027-01-19T08:00:00.000Z', kind: 'risk', rule: 'risk:test' });
  for (const id of ['p-kwame-a', 'p-kwame-b']) await linkSeededMember(services, member(id));
  const handler = createWholeApiHandler(Promise.resolve(services), silentLogger);
  return {
    services,
    async call(method, path, options = {}) {
      const [rawPath, query] = path.split('?');
      const token = options.token ?? (options.as ? issuer.tokenFor(options.as, {}, services.clock.now()) : undefined);
      const event = counselorEvent(method, rawPath!, {
        ...(query && { query }),
        ...(token !== undefined && { token }),
        ...(options.body !== undefined && { body: options.body }),
        ...(options.rawBody !== undefined && { rawBody: options.rawBody }),
        ...(options.headers && { headers: options.headers }),
      });
      // Bytes as API Gateway passes a binary body: base64, marked so.
      const result = await handler(options.bytes ? { ...event, body: options.bytes.toString('base64'), isBase64Encoded: true } : event);
      const text = typeof result.body === 'string' ? result.body : '';
      return { status: result.statusCode ?? 200, body: text.startsWith('{') ? JSON.parse(text) : text, headers: (result.headers ?? {}) as Record<string, string> };
    },
    async everything() {
      return JSON.stringify({
        store: (services.store as MemoryStore).snapshot(),
        engagement: (services.engagement as MemoryEngagementStore).snapshot(),
        members: await services.counselors.listCohortMembers('org-a', 'k1'),
        audit: await services.counselors.listAudit('org-a', { limit: 1000 }),
        sent: services.email.sent.length + services.sms.sent.length,
      });
    },
  };
}

/** A dashboard form as the browser sends it: the session cookie, the page's form token, from our own page. */
function dashboardForm(who: typeof ADMIN | typeof AMA | typeof OTHER, fields: Record<string, string>, options: { token?: string | null; site?: string } = {}) {
  const session = issuer.tokenFor(who, {}, new Date(NOW));
  const token = options.token === null ? undefined : (options.token ?? formToken('test-only-token-secret-0123456789-abcdefghij', who, session));
  return {
    rawBody: new URLSearchParams({ ...fields, ...(token !== undefined && { form: token }) }).toString(),
    headers: { cookie: `__Host-mc_counselor=${session}`, 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': options.site ?? 'same-origin' },
  };
}

describe("a member's page", () => {
  test('shows the contacts the member shared, and only those; the viewing is audited with how many were shown', async () => {
    const w = await world();
    const a = (await w.call('GET', '/counselor/cohorts/k1/members/p-kwame-a', { as: AMA })).body.member;
    expect(a.contacts).toEqual({
      email: { value: 'kwame.a@example.com', sharedAt: shared.at, source: 'join-link' },
      phone: { value: '+233201234567', sharedAt: shared.at, source: 'join-link' },
    });
    expect(a.preferred).toEqual({ channel: 'text', why: 'shared-and-confirmed' });
    expect(a.supportHold).toBe(true);
    expect(a.openFlags).toEqual([{ reason: 'crisis', at: '2027-01-19T08:00:00.000Z' }]);
    const b = (await w.call('GET', '/counselor/cohorts/k1/members/p-kwame-b', { as: AMA })).body.member;
    expect(b.contacts).toEqual({});
    expect(JSON.stringify(b)).not.toMatch(/kwame\.b@|\+233207654321/);
    const views = (await w.services.counselors.listAudit('org-a')).filter((e) => e.action === 'member.view').map((e) => [e.target?.id, e.detail?.contactsShown]);
    expect(views.sort()).toEqual([['p-kwame-a', 2], ['p-kwame-b', 0]]);
    // The audit log holds ids and counts, never a contact.
    expect(JSON.stringify(await w.services.counselors.listAudit('org-a'))).not.toMatch(/@example\.com|\+233/);
  });

  test('the page in a browser: contacts as links, the hold with its resume button, the contacted form; the same name told apart by tags', async () => {
    const w = await world();
    const page = await w.call('GET', '/dashboard/cohorts/k1/members/p-kwame-a', { headers: { cookie: `__Host-mc_counselor=${issuer.tokenFor(AMA, {}, new Date(NOW))}` } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('href="tel:+233201234567"');
    expect(page.body).toContain('href="mailto:kwame.a@example.com"');
    expect(page.body).toContain('Resume coaching: I have checked in with them');
    expect(page.body).toContain('Mark as contacted');
    expect(page.body).toMatch(/name="form" value="[A-Za-z0-9_-]{43}"/);
    const list = await w.call('GET', '/dashboard/cohorts/k1', { headers: { cookie: `__Host-mc_counselor=${issuer.tokenFor(AMA, {}, new Date(NOW))}` } });
    const tags = [...String(list.body).matchAll(/Kwame <span class="tagid"[^>]*>#([a-z0-9]+)<\/span>/g)].map((m) => m[1]);
    expect(tags).toHaveLength(2);
    expect(new Set(tags).size).toBe(2);
    // The one who has not said yes shows as typed, not linked, with nothing of theirs.
    expect(list.body).toContain('Typed Name');
    expect(list.body).not.toContain('Private Name');
    expect(list.body).not.toContain('members/p-pending');
  });

  test('not found for a member who has not said yes, for another organisation, and for someone in no cohort of theirs', async () => {
    const w = await world();
    const before = await w.everything();
    for (const [as, path] of [
      [AMA, '/counselor/cohorts/k1/members/p-pending'],
      [OTHER, '/counselor/cohorts/k1/members/p-kwame-a'],
      [OTHER, '/counselor/cohorts/k9/members/p-kwame-a'],
      [AMA, '/counselor/cohorts/k9/members/p-kwame-a'],
    ] as const) {
      expect([path, as.counselorId, (await w.call('GET', path, { as })).status]).toEqual([path, as.counselorId, 404]);
    }
    expect(await w.everything()).toBe(before);
  });
});

describe('mark as contacted', () => {
  test('keeps the note with the person, shows it to the other counselors, closes the flags for the organisation, audits without the words', async () => {
    const w = await world();
    expect((await w.call('GET', '/counselor/cohorts/k1/report', { as: AMA })).body.figures.flagged).toBe(1);
    const answer = await w.call('POST', '/counselor/cohorts/k1/members/p-kwame-a/contacted', { as: AMA, body: { via: 'phone', note: '  Called him; he is safe and will text TALK if needed.  ' } });
    expect(answer.status).toBe(200);
    expect(answer.body.contacted).toMatchObject({ via: 'phone', note: 'Called him; he is safe and will text TALK if needed.', counselorId: 'c-ama' });
    expect((await w.call('GET', '/counselor/cohorts/k1/report', { as: AMA })).body.figures).toMatchObject({ flagged: 0, flags: { crisis: 0 } });
    expect((await w.call('GET', '/counselor/cohorts/k1/members?show=flagged', { as: AMA })).body.members).toEqual([]);
    const seenByAdmin = (await w.call('GET', '/counselor/cohorts/k1/members/p-kwame-a', { as: ADMIN })).body.member;
    expect(seenByAdmin.openFlags).toEqual([]);
    expect(seenByAdmin.notes.map((n: any) => [n.counselorId, n.via, n.note])).toEqual([['c-ama', 'phone', 'Called him; he is safe and will text TALK if needed.']]);
    const page = await w.call('GET', '/dashboard/cohorts/k1/members/p-kwame-a', { headers: { cookie: `__Host-mc_counselor=${issuer.tokenFor(ADMIN, {}, new Date(NOW))}` } });
    expect(page.body).toContain('c-ama@example.org');
    expect(page.body).toContain('he is safe');
    const audit = (await w.services.counselors.listAudit('org-a')).find((e) => e.action === 'member.contacted')!;
    expect(audit).toMatchObject({ actor: 'c-ama', target: { kind: 'member', id: 'p-kwame-a' }, detail: { cohortId: 'k1', via: 'phone', noted: true } });
    expect(JSON.stringify(audit)).not.toContain('safe');
    // Erasing himself takes the note too.
    await w.services.store.beginErasure('p-kwame-a', new Date(NOW));
    await w.services.counselors.forgetPerson('p-kwame-a');
    await w.services.store.erasePerson('p-kwame-a', new Date(NOW));
    expect(await w.services.engagement.listContactNotes('p-kwame-a', 'org-a')).toEqual([]);
  });

  test('from the dashboard: the form with its token works; without it, from another site, or unreadable, nothing changes', async () => {
    const w = await world();
    const before = await w.everything();
    const path = '/dashboard/cohorts/k1/members/p-kwame-a/contacted';
    const refusals = [
      ['no form token', dashboardForm(AMA, { via: 'text' }, { token: null }), 403],
      ['a forged token', dashboardForm(AMA, { via: 'text' }, { token: 'A'.repeat(43) }), 403],
      ['another counselor’s token', dashboardForm(AMA, { via: 'text' }, { token: formToken('test-only-token-secret-0123456789-abcdefghij', ADMIN, issuer.tokenFor(ADMIN, {}, new Date(NOW))) }), 403],
      ['another site', dashboardForm(AMA, { via: 'text' }, { site: 'cross-site' }), 403],
      ['a way we do not know', dashboardForm(AMA, { via: 'pigeon' }), 400],
      ['a note too long', dashboardForm(AMA, { via: 'text', note: 'x'.repeat(501) }), 400],
      ['another organisation', dashboardForm(OTHER, { via: 'text' }), 404],
    ] as const;
    for (const [what, form, status] of refusals) {
      const answer = await w.call('POST', path, { rawBody: form.rawBody, headers: form.headers });
      expect({ what, status: answer.status }).toEqual({ what, status });
    }
    // The cookie alone (a forged cross-site post would carry no more) opens nothing on the JSON route either.
    const cookieOnly = dashboardForm(AMA, { via: 'text' });
    expect((await w.call('POST', '/counselor/cohorts/k1/members/p-kwame-a/contacted', { body: { via: 'text' }, headers: { cookie: cookieOnly.headers.cookie } })).status).toBe(401);
    expect(await w.everything()).toBe(before);

    const ok = dashboardForm(AMA, { via: 'text', note: 'Texted, replied fine' });
    const answer = await w.call('POST', path, { rawBody: ok.rawBody, headers: ok.headers });
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/dashboard/cohorts/k1/members/p-kwame-a?done=contacted');
    expect((await w.services.engagement.listContactNotes('p-kwame-a', 'org-a')).map((n) => n.note)).toEqual(['Texted, replied fine']);
  });

  test('a removed counselor: 401 on the JSON route and the form, nothing changes', async () => {
    const w = await world();
    const goneToken = issuer.tokenFor(AMA, {}, new Date(NOW));
    const form = dashboardForm(AMA, { via: 'phone' });
    expect((await w.call('DELETE', '/counselor/counselors/c-ama', { as: ADMIN })).status).toBe(200);
    const before = await w.everything();
    expect((await w.call('POST', '/counselor/cohorts/k1/members/p-kwame-a/contacted', { token: goneToken, body: { via: 'phone' } })).status).toBe(401);
    expect((await w.call('POST', '/dashboard/cohorts/k1/members/p-kwame-a/contacted', { rawBody: form.rawBody, headers: form.headers })).status).toBe(401);
    expect((await w.call('POST', '/dashboard/cohorts/k1/members/p-kwame-a/resume', { rawBody: form.rawBody, headers: form.headers })).status).toBe(401);
    expect(await w.everything()).toBe(before);
  });
});

describe('resume coaching', () => {
  test('lifts the hold, re-plans, and records who lifted it; a second press says there was nothing to resume', async () => {
    const w = await world();
    const form = dashboardForm(AMA, {});
    const first = await w.call('POST', '/dashboard/cohorts/k1/members/p-kwame-a/resume', { rawBody: form.rawBody, headers: form.headers });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/dashboard/cohorts/k1/members/p-kwame-a?done=resumed');
    expect((await w.services.store.getPerson('p-kwame-a'))!.profile.supportHold).toBeUndefined();
    expect((await w.services.store.listSafetyEvents('p-kwame-a')).at(-1)).toMatchObject({ kind: 'hold-lifted', by: 'counselor:org-a/c-ama' });
    expect((await w.call('POST', '/counselor/cohorts/k1/members/p-kwame-a/resume', { as: AMA })).body).toEqual({ resumed: false });
    expect((await w.services.counselors.listAudit('org-a')).filter((e) => e.action === 'member.resume').map((e) => e.detail?.resumed).sort()).toEqual([false, true]);
    const page = await w.call('GET', '/dashboard/cohorts/k1/members/p-kwame-a?done=resumed', { headers: { cookie: `__Host-mc_counselor=${issuer.tokenFor(AMA, {}, new Date(NOW))}` } });
    expect(page.body).toContain('Coaching resumed');
    expect(page.body).not.toContain('Upbeat coaching is paused');
  });

  test('another organisation and a member who has not said yes: 404, and the hold stays', async () => {
    const w = await world();
    expect((await w.call('POST', '/counselor/cohorts/k1/members/p-kwame-a/resume', { as: OTHER })).status).toBe(404);
    expect((await w.call('POST', '/counselor/cohorts/k1/members/p-pending/resume', { as: AMA })).status).toBe(404);
    expect((await w.services.store.getPerson('p-kwame-a'))!.profile.supportHold).toBe(true);
  });
});

describe('a cohort of many', () => {
  /** 150 who said yes (six share each first name), 40 waiting, 10 who said no. */
  async function bigWorld() {
    const w = await world();
    const names = ['Amaka', 'Bilal', 'Chen', 'Divya', 'Emeka', 'Fatima', 'Gabriel', 'Hana', 'Ifeoma', 'Jorge', 'Kemi', 'Luis', 'Mariam', 'Nikhil', 'Olu', 'Priya', 'Qasim', 'Rahul', 'Sara', 'Tunde', 'Uche', 'Vikram', 'Wale', 'Xin', 'Yusuf'];
    for (let i = 0; i < 200; i++) {
      const id = `p-${String(i).padStart(3, '0')}`;
      const state = i < 150 ? 'accepted' : i < 190 ? 'pending' : 'declined';
      await seedPerson(w.services.store, person(id, names[i % names.length]!, { email: `m${i}@example.com`, phone: `+2348030${String(i).padStart(6, '0')}` }));
      await w.services.counselors.saveCohortMember(member(id, { consent: { state, at: NOW }, label: { firstName: `Label ${i}` } }));
      if (state === 'accepted') await linkSeededMember(w.services, member(id));
    }
    return w;
  }
  const all = async (w: World, query: string) => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const page = (await w.call('GET', `/counselor/cohorts/k1/members?${query}&size=10${after ? `&after=${after}` : ''}`, { as: AMA })).body;
      seen.push(...page.members.map((m: any) => m.personId));
      if (!page.next) return seen;
      after = page.next;
    }
    throw new Error('paging never ended');
  };

  test('every filter pages through exactly its members, each once; the counts agree with the pages', async () => {
    const w = await bigWorld();
    const figures = (await w.call('GET', '/counselor/cohorts/k1/report', { as: AMA })).body.figures;
    // The world's two Kwames said yes; the one waiting in it is the 41st.
    expect(figures.members).toEqual({ accepted: 152, pending: 41, declined: 10 });
    const everyone = await all(w, 'show=all');
    expect(everyone).toHaveLength(203);
    expect(new Set(everyone).size).toBe(203);
    expect(await all(w, 'show=accepted')).toHaveLength(152);
    expect(await all(w, 'show=waiting')).toHaveLength(41);
    expect(await all(w, 'show=declined')).toHaveLength(10);
    expect(await all(w, 'show=flagged')).toEqual(['p-kwame-a']);
  });

  test('search is exact and only among members who said yes; by name it lists every member of that name', async () => {
    const w = await bigWorld();
    const find = async (q: string) => (await w.call('GET', `/counselor/cohorts/k1/members?q=${encodeURIComponent(q)}`, { as: AMA })).body;
    expect((await find('m7@example.com')).members.map((m: any) => m.personId)).toEqual(['p-007']);
    expect((await find('+234 803 000 0007')).members.map((m: any) => m.personId)).toEqual(['p-007']);
    expect((await find('PRIYA')).members).toHaveLength(6);
    expect((await find('Pri')).members).toEqual([]);
    // A member who has not said yes is never found: by their address, number, own name or the label.
    for (const q of ['m160@example.com', '+2348030000160', 'Label 160', 'pending@example.com']) expect([q, (await find(q)).members]).toEqual([q, []]);
  });

  test('a page of the cohort reads what it shows: the same few requests at 200 members as at 20', async () => {
    // Counted on the memory twins' ports: one totals read, one silent count, one page of members and its counts, links and names.
    const w = await bigWorld();
    const calls: string[] = [];
    const count = <T extends object>(name: string, target: T): T =>
      new Proxy(target, {
        get(t, p, r) {
          const value: unknown = Reflect.get(t, p, r);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            calls.push(`${name}.${String(p)}`);
            return (value as (...a: unknown[]) => unknown).apply(t, args);
          };
        },
      });
    w.services.engagement = count('engagement', w.services.engagement);
    w.services.counselors = count('counselors', w.services.counselors);
    w.services.store = count('store', w.services.store);
    const page = await w.call('GET', '/dashboard/cohorts/k1', { headers: { cookie: `__Host-mc_counselor=${issuer.tokenFor(AMA, {}, new Date(NOW))}` } });
    expect(page.status).toBe(200);
    const reads = calls.filter((c) => !c.endsWith('.getCounselor') && !c.endsWith('.appendAudit'));
    expect(reads.sort()).toEqual(['counselors.getCohort', 'counselors.listCohortMembersPage', 'engagement.cohortTotals', 'engagement.getLinks', 'engagement.getStats', 'engagement.listIndex', 'store.getPeople']);
  });
});

describe('uploading a spreadsheet from the dashboard', () => {
  const csv = 'Email;Name;Time Zone\r\nnew1@example.com;Nana;Africa/Accra\r\nbad-address;Esi;Africa/Accra\r\nnew2@example.com;Kofi;Africa/Accra\r\n';
  const multipart = (fields: Record<string, string>, file: Buffer) => {
    const parts = Object.entries(fields).map(([k, v]) => `--B0UND\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
    return Buffer.concat([Buffer.from(`${parts.join('')}--B0UND\r\nContent-Disposition: form-data; name="file"; filename="members.csv"\r\nContent-Type: text/csv\r\n\r\n`), file, Buffer.from('\r\n--B0UND--\r\n')]);
  };
  const upload = (w: World, file: string | Buffer, token: string | null = 'mine') => {
    const session = issuer.tokenFor(AMA, {}, new Date(NOW));
    const fields: Record<string, string> = token === null ? {} : { form: token === 'mine' ? formToken('test-only-token-secret-0123456789-abcdefghij', AMA, session) : token };
    const bytes = multipart(fields, Buffer.isBuffer(file) ? file : Buffer.from(file, 'utf8'));
    return w.call('POST', '/dashboard/cohorts/k1/import', { bytes, headers: { cookie: `__Host-mc_counselor=${session}`, 'content-type': 'multipart/form-data; boundary=B0UND', 'sec-fetch-site': 'same-origin' } });
  };

  test('gives the same report per row as the API, as a page, and queues the invitations', async () => {
    const page = await upload(await world(), csv);
    expect(page.status).toBe(200);
    const rows = [...String(page.body).matchAll(/<tr class="(\w+)"><td class="num">(\d+)<\/td><td>[^<]*<\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => [Number(m[2]), m[1], m[3]]);
    const api = await (await world()).call('POST', '/counselor/cohorts/k1/import', { as: AMA, rawBody: csv, headers: { 'content-type': 'text/csv' } });
    expect(rows).toEqual(api.body.rows.map((r: any) => [r.row, r.status, r.reason ? r.reason.replace(/"/g, '&quot;') : '']));
    expect(rows.map((r) => r[1])).toEqual(['added', 'rejected', 'added']);
    expect(page.body).toContain('2 invitations are on their way');
  });

  test('refused without the form token, with no file, or a file in another encoding: nothing is added', async () => {
    const w = await world();
    const before = await w.everything();
    expect((await upload(w, csv, null)).status).toBe(403);
    expect((await upload(w, '')).status).toBe(400);
    const latin1 = await upload(w, Buffer.from('email;name;time_zone\r\njose@example.com;Jos\xe9;Europe/Madrid\r\n', 'latin1'));
    expect(latin1.status).toBe(400);
    expect(latin1.body).toContain('Windows-1252');
    // Only the refused file's own audit entry (as for the API's import): no person, row or count.
    const { audit, ...rest } = JSON.parse(await w.everything());
    const { audit: auditBefore, ...restBefore } = JSON.parse(before);
    expect(rest).toEqual(restBefore);
    expect(auditBefore).toEqual([]);
    expect(audit).toEqual([expect.objectContaining({ action: 'member.import', detail: { rejectedFile: true } })]);
  });
});

describe('an empty cohort', () => {
  test('says how to add people; the cohort list shows member and flag counts', async () => {
    const w = await world();
    await w.services.counselors.saveCohort({ cohortId: 'k-new', orgId: 'org-a', name: 'Spring intake', season: 2028, sequenceIds: ['getting-started'], anchorOverrides: {}, archived: false, createdAt: NOW, updatedAt: NOW });
    const cookie = { cookie: `__Host-mc_counselor=${issuer.tokenFor(AMA, {}, new Date(NOW))}` };
    const empty = await w.call('GET', '/dashboard/cohorts/k-new', { headers: cookie });
    expect(empty.body).toContain('id="how-to-add"');
    expect(empty.body).toContain('id="upload"');
    expect((await w.call('GET', '/dashboard/cohorts/k1', { headers: cookie })).body).not.toContain('id="how-to-add"');
    const list = String((await w.call('GET', '/dashboard', { headers: cookie })).body);
    const row = (name: string) => new RegExp(`${name}</a></td><td>Match \\d+</td><td class="num">(\\d+)</td><td class="num">(\\d+)</td><td class="num">([^<]*(?:<[^>]+>[^<]*</span>)?)</td>`).exec(list)?.slice(1);
    expect(row('Accra 2027')).toEqual(['2', '1', expect.stringContaining('1 flagged')]);
    expect(row('Spring intake')).toEqual(['0', '0', '0']);
  });
});

describe('exports', () => {
  test('the members CSV lists members who said yes, from the kept counts, formula-safe', async () => {
    const w = await world();
    const answer = await w.call('GET', '/counselor/cohorts/k1/report.csv', { as: AMA });
    const rows = parse(answer.body) as string[][];
    expect(rows.slice(1).map((r) => r[0]).sort()).toEqual(['p-kwame-a', 'p-kwame-b']);
    expect(rows.find((r) => r[0] === 'p-kwame-a')![13]).toBe('crisis@2027-01-19T08:00:00.000Z');
    expect(String(answer.body)).not.toContain('Private Name');
  });
});
