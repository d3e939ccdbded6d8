import type { MemoryStore } from '../../shared/adapters/memory/memory-store';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { createWholeApiHandler as createApiHandler } from '../support/whole-api';
import { createMemoryCounselorStore } from '../../shared/adapters/memory/memory-counselor-store';
import { createCohort } from '../../shared/app/cohorts/create-cohort';
import { sendInvitations } from '../../shared/app/cohorts/send-invitations';
import type { CohortDeps } from '../../shared/app/cohorts/deps';
import { MAX_CSV_BYTES, MAX_CSV_ROWS, importCsv } from '../../shared/app/cohorts/csv-import';
import type { CounselorPrincipal } from '../../shared/domain/counselor';
import type { Enrollment, Person } from '../../shared/domain/model';
import { silentLogger, type Store } from '../../shared/ports';
import { memberCsv } from '../../bench/csv-import';
import { counselorEvent, testIssuer, type TestIssuer } from '../support/counselor-tokens';
import { memoryServices, type MemoryServices } from '../support/memory-services';
import { seedPerson } from '../support/seed';

/**
 * CSV import: documented columns, a report per row, rejected rows and rejected files change
 * nothing, the same file twice changes nothing the second time; fuzzed with arbitrary bytes.
 */

const COUNSELOR: CounselorPrincipal = { counselorId: 'c-a', orgId: 'org-a', role: 'counselor', scopes: [] };

async function setup() {
  const services = memoryServices();
  services.counselors = createMemoryCounselorStore();
  await services.counselors.saveOrganisation({ orgId: 'org-a', name: 'Alpha Advising', createdAt: services.clock.now().toISOString() });
  const deps: CohortDeps = { ...services, postalAddress: services.settings.postalAddress };
  const cohort = await createCohort(deps, COUNSELOR, { name: 'Fall', season: 2027, sequenceIds: ['getting-started'] });
  return { services, deps, cohortId: cohort.cohortId };
}

/** Everything the import could have written: people and their records, and the cohort's members. */
async function state(services: MemoryServices, cohortId: string) {
  return { store: (services.store as MemoryStore).snapshot(), members: await services.counselors.listCohortMembers('org-a', cohortId) };
}

const GOOD = [
  'email,phone,name,time_zone,visa_track,applicant_type,attempt,step1_exam,step2_exam,step3_exam,oet_exam,documents_due',
  'asha@example.com,+91 98123 45678,Asha,Asia/Kolkata,j1,non-us-img,1,,2027-02-10,,,2026-12-01',
  'ravi@example.com,,Ravi,America/Chicago,,,,,,,,',
  ',+2348031234567,"Ngozi, MD",Africa/Lagos,h1b,,2,,,,2027-01-15,',
].join('\r\n');

describe('CSV import', () => {
  test('every documented column is read; a report per row; the same file twice changes nothing', async () => {
    const { services, deps, cohortId } = await setup();
    const report = await importCsv(deps, COUNSELOR, cohortId, Buffer.from(GOOD));
    expect(report.fileError).toBeUndefined();
    expect(report.rows.map((r) => [r.row, r.status])).toEqual([[2, 'added'], [3, 'added'], [4, 'added']]);
    expect(report.summary).toEqual({ added: 3, updated: 0, unchanged: 0, rejected: 0 });

    const ashaId = await services.store.findPersonIdByPhone('+919812345678');
    const asha = (await services.store.getPerson(ashaId!))!;
    expect(asha).toMatchObject({ email: 'asha@example.com', firstName: 'Asha', timeZone: 'Asia/Kolkata', profile: { visaTrack: 'j1', applicantType: 'non-us-img', attempt: 1, season: 2027 } });
    expect(asha.consent.email).toMatchObject({ state: 'pending', source: 'counselor:c-a' });
    expect((await services.store.listEnrollments(ashaId!))[0]!.anchors).toMatchObject({ step2_exam: '2027-02-10', documents_due: '2026-12-01' });
    const ngozi = (await services.store.getPerson((await services.store.findPersonIdByPhone('+2348031234567'))!))!;
    expect(ngozi).toMatchObject({ firstName: 'Ngozi, MD', profile: { visaTrack: 'h1b', attempt: 2 } });
    expect(ngozi.email).toBeUndefined();

    const before = await state(services, cohortId);
    const again = await importCsv(deps, COUNSELOR, cohortId, Buffer.from(GOOD));
    expect(again.summary).toEqual({ added: 0, updated: 0, unchanged: 3, rejected: 0 });
    expect(await state(services, cohortId)).toEqual(before);

    // A changed cell updates that person only.
    const changed = await importCsv(deps, COUNSELOR, cohortId, Buffer.from(GOOD.replace('Ravi,America/Chicago', 'Ravi K,America/Chicago')));
    expect(changed.rows.map((r) => r.status)).toEqual(['unchanged', 'updated', 'unchanged']);
  });

  test('headers are matched without regard to case, spacing or order; a BOM is fine', async () => {
    const { services, deps, cohortId } = await setup();
    const report = await importCsv(deps, COUNSELOR, cohortId, Buffer.from('\uFEFFTime Zone,Email Address,First Name\nEurope/London,jo@example.com,Jo\n'));
    expect(report.summary.added).toBe(1);
    expect((await services.store.getPerson((await services.store.findPersonIdByEmail('jo@example.com'))!))!.firstName).toBe('Jo');
  });

  test.each([
    ['bad E.164', 'email,phone,time_zone\na@example.com,0091 98123 45678,Asia/Kolkata', /phone: expected a phone number in E\.164 form/],
    ['bad email', 'email,time_zone\nnot-an-email,Asia/Kolkata', /email: expected an email address/],
    ['unknown zone', 'email,time_zone\na@example.com,Asia/Atlantis', /time_zone: unknown time zone/],
    ['formula in a name', 'email,name,time_zone\na@example.com,=cmd|\' /C calc\'!A0,Asia/Kolkata', /name starts with = \+ - @/],
    ['formula starting with +', 'email,name,time_zone\na@example.com,+SUM(A1),Asia/Kolkata', /name starts with/],
    ['formula starting with -', 'email,name,time_zone\na@example.com,-2+3,Asia/Kolkata', /name starts with/],
    ['formula starting with @', 'email,name,time_zone\na@example.com,@SUM(A1),Asia/Kolkata', /name starts with/],
    ['formula after a tab', 'email,name,time_zone\na@example.com,"\t=1+1",Asia/Kolkata', /name starts with/],
    ['formula after a CR', 'email,name,time_zone\na@example.com,"\r=1+1",Asia/Kolkata', /name starts with/],
    ['formula in the email cell', 'email,time_zone\n=HYPERLINK("http://x"),Asia/Kolkata', /email starts with/],
    ['formula in the zone cell', 'email,time_zone\na@example.com,@Asia/Kolkata', /time zone starts with/],
    ['phone that is a formula', 'email,phone,time_zone\na@example.com,-1+919812345678,Asia/Kolkata', /phone starts with/],
    ['neither email nor phone', 'email,phone,time_zone\n,,Asia/Kolkata', /give an email address, a phone number, or both/],
    ['no zone', 'email,time_zone\na@example.com,', /time_zone/],
    ['too few cells', 'email,name,time_zone\na@example.com,Asia/Kolkata', /expected 3 cells, found 2/],
    ['a date that does not exist', 'email,time_zone,step2_exam\na@example.com,Asia/Kolkata,2027-02-30', /step2_exam: that date does not exist/],
    ['an unknown visa track', 'email,time_zone,visa_track\na@example.com,Asia/Kolkata,tourist', /visa_track/],
  ])('a row with %s is rejected with its reason and nothing is written', async (_what, csv, reason) => {
    const { services, deps, cohortId } = await setup();
    const before = await state(services, cohortId);
    const report = await importCsv(deps, COUNSELOR, cohortId, Buffer.from(csv));
    expect(report.fileError).toBeUndefined();
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({ row: 2, status: 'rejected', reason: expect.stringMatching(reason) });
    expect(await state(services, cohortId)).toEqual(before);
  });

  test('duplicates inside the file: the first row counts, later ones naming the same email or phone are rejected', async () => {
    const { services, deps, cohortId } = await setup();
    const csv = 'email,phone,time_zone\na@example.com,+919812345678,Asia/Kolkata\nA@Example.com,,Asia/Kolkata\nb@example.com,+91 98123-45678,Asia/Kolkata\nc@example.com,,Asia/Kolkata\n';
    const report = await importCsv(deps, COUNSELOR, cohortId, Buffer.from(csv));
    expect(report.rows.map((r) => ('reason' in r ? r.reason : r.status))).toEqual([
      'added',
      'the same person (email or phone) as row 2',
      'the same person (email or phone) as row 2',
      'added',
    ]);
    expect(await services.store.findPersonIdByEmail('b@example.com')).toBeUndefined();
    expect(await services.counselors.listCohortMembers('org-a', cohortId)).toHaveLength(2);
  });

  test.each([
    ['not UTF-8 (Latin-1)', Buffer.from('email,name,time_zone\na@example.com,Jos\xe9,Europe/Madrid\n', 'latin1'), /not UTF-8/],
    ['UTF-16', Buffer.from('\uFEFFemail,time_zone\na@example.com,Asia/Kolkata\n', 'utf16le'), /not UTF-8|unknown column/],
    ['an unknown column', Buffer.from('email,time_zone,password\na@example.com,Asia/Kolkata,x\n'), /unknown column "password"/],
    ['a column twice', Buffer.from('email,email,time_zone\na@example.com,b@example.com,Asia/Kolkata\n'), /appears twice/],
    ['no time_zone column', Buffer.from('email\na@example.com\n'), /needs a time_zone column/],
    ['no contact column', Buffer.from('name,time_zone\nA,Asia/Kolkata\n'), /needs an email column, a phone column, or both/],
    ['nothing at all', Buffer.from(''), /empty/],
    ['a quoted cell never closed', Buffer.from('email,time_zone\na@example.com,Asia/Kolkata\n"b@example.com,Asia/Kolkata\n'), /quoted cell is never closed/],
    ['a giant cell', Buffer.from(`email,name,time_zone\na@example.com,${'x'.repeat(10_000)},Asia/Kolkata\n`), /row longer than 8 KB/],
  ])('a file with %s is refused as a whole and nothing is written, not even its good rows', async (_what, bytes, reason) => {
    const { services, deps, cohortId } = await setup();
    const before = await state(services, cohortId);
    const report = await importCsv(deps, COUNSELOR, cohortId, bytes);
    expect(report.fileError).toMatch(reason);
    expect(report.rows).toEqual([]);
    expect(await state(services, cohortId)).toEqual(before);
  });

  test(`a file over ${MAX_CSV_BYTES / 1024 / 1024} MB or ${MAX_CSV_ROWS} rows is refused with the limit named, read as a stream`, async () => {
    const { services, deps, cohortId } = await setup();
    const before = await state(services, cohortId);
    const line = `someone.with.a.long.address@example.com,${'N'.repeat(200)},Asia/Kolkata\n`;
    let sent = 0;
    const big = new Readable({
      read() {
        if (sent > MAX_CSV_BYTES + 64 * 1024) return this.push(null);
        const chunk = sent === 0 ? `email,name,time_zone\n${line.repeat(1000)}` : line.repeat(1000);
        sent += chunk.length;
        this.push(chunk);
      },
    });
    expect((await importCsv(deps, COUNSELOR, cohortId, big)).fileError).toMatch(/larger than 4 MB/);
    const rows = `email,time_zone\n${Array.from({ length: MAX_CSV_ROWS + 1 }, (_, i) => `p${i}@example.com,UTC`).join('\n')}`;
    expect((await importCsv(deps, COUNSELOR, cohortId, Buffer.from(rows))).fileError).toMatch(/more than 20,000 rows/);
    expect(await state(services, cohortId)).toEqual(before);
  });

  test('progress is reported while writing', async () => {
    const { deps, cohortId } = await setup();
    const seen: string[] = [];
    await importCsv(deps, COUNSELOR, cohortId, Buffer.from(GOOD), { onProgress: (p) => seen.push(`${p.phase}:${p.done}/${p.total ?? '?'}`) });
    expect(seen).toContain('writing:3/3');
    expect(seen).toContain('reading:3/?');
  });
});

describe('CSV import: what spreadsheets save', () => {
  const people = (csv: string) => csv.split(/\r?\n/).filter((line) => line.trim() !== '').length - 1;
  test.each([
    ['semicolons (Excel in much of Europe and Latin America)', 'Email ; Phone;NAME;Time Zone;visa_track\r\nana@example.com;+55 11 91234 5678;"Ana, MD";America/Sao_Paulo;j1\r\nluis@example.com;;Luis;America/Mexico_City;\r\n'],
    ['tabs (Text, tab delimited)', 'email\tname\ttime_zone\nana@example.com\tAna, MD\tAmerica/Sao_Paulo\nluis@example.com\tLuis\tAmerica/Mexico_City\n'],
    ['commas, with semicolons inside a quoted name', 'email,name,time_zone\nana@example.com,"Ana; MD",America/Sao_Paulo\nluis@example.com,Luis,America/Mexico_City\n'],
  ])('a file separated by %s is read with that delimiter', async (_what, csv) => {
    const { services, deps, cohortId } = await setup();
    const report = await importCsv(deps, COUNSELOR, cohortId, Buffer.from(csv, 'utf8'));
    expect(report.fileError).toBeUndefined();
    expect(report.summary).toEqual({ added: people(csv), updated: 0, unchanged: 0, rejected: 0 });
    const ana = (await services.store.getPerson((await services.store.findPersonIdByEmail('ana@example.com'))!))!;
    expect(ana.firstName).toMatch(/^Ana[,;] MD$/);
    expect(ana.timeZone).toBe('America/Sao_Paulo');
  });

  test('the same list saved with each delimiter gives the same report', async () => {
    const rows = [['email', 'name', 'time_zone'], ['ana@example.com', 'Ana', 'America/Sao_Paulo'], ['bo@example.com', 'Bo', 'Europe/Madrid']];
    const reports = [];
    for (const delimiter of [',', ';', '\t']) {
      const { deps, cohortId } = await setup();
      const report = await importCsv(deps, COUNSELOR, cohortId, Buffer.from(rows.map((r) => r.join(delimiter)).join('\r\n')));
      reports.push(report.rows.map((r) => [r.row, r.status]));
    }
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[2]).toEqual(reports[0]);
  });

  test.each([
    ['Windows-1252 (Excel on Windows, plain "CSV")', Buffer.from('email;name;time_zone\r\njose@example.com;Jos\xe9;Europe/Madrid\r\n', 'latin1'), /Windows-1252/],
    ['UTF-16 with a byte order mark (Unicode Text)', Buffer.from('\uFEFFemail\tname\ttime_zone\r\na@example.com\tA\tUTC\r\n', 'utf16le'), /UTF-16/],
    ['UTF-16 without a byte order mark', Buffer.from('email,time_zone\r\na@example.com,UTC\r\n', 'utf16le'), /UTF-16/],
    ['UTF-16 big-endian', Buffer.from('\uFEFFemail,time_zone\r\na@example.com,UTC\r\n', 'utf16le').swap16(), /UTF-16 big-endian/],
  ])('a file in %s is refused with its encoding named and how to save it as UTF-8', async (_what, bytes, named) => {
    const { services, deps, cohortId } = await setup();
    const before = await state(services, cohortId);
    const report = await importCsv(deps, COUNSELOR, cohortId, bytes);
    expect(report.fileError).toMatch(named);
    expect(report.fileError).toMatch(/CSV UTF-8/);
    expect(await state(services, cohortId)).toEqual(before);
  });

  test('a Windows-1252 byte far past the header (in another chunk of a stream) is still named', async () => {
    const { services, deps, cohortId } = await setup();
    const good = `email,name,time_zone\n${Array.from({ length: 3000 }, (_, i) => `p${i}@example.com,P,UTC`).join('\n')}\n`;
    const source = Readable.from([Buffer.from(good), Buffer.from('late@example.com,Ren\xe9e,UTC\n', 'latin1')]);
    const before = await state(services, cohortId);
    expect((await importCsv(deps, COUNSELOR, cohortId, source)).fileError).toMatch(/Windows-1252/);
    expect(await state(services, cohortId)).toEqual(before);
  });

  test('a header no delimiter makes sense of names what it read', async () => {
    const { deps, cohortId } = await setup();
    const report = await importCsv(deps, COUNSELOR, cohortId, Buffer.from('Email | Phone | Zone\na@example.com | | UTC\n'));
    expect(report.fileError).toMatch(/unknown column "Email \| Phone \| Zone" in the header \(read as comma-separated\).*commas, semicolons or tabs/);
  });
});

describe('CSV import, many rows at once', () => {
  /** People, their enrollments and the cohort's members, as the memory store holds them. */
  async function held(services: MemoryServices, cohortId: string) {
    const snapshot = (services.store as MemoryStore).snapshot() as { people: [string, Person][]; enrollments: [string, [string, Enrollment][]][] };
    return {
      people: snapshot.people.map(([, p]) => p),
      enrollmentsOf: new Map(snapshot.enrollments.map(([personId, list]) => [personId, list.map(([, e]) => e)])),
      members: await services.counselors.listCohortMembers('org-a', cohortId),
    };
  }
  /** Each row's person once, with one enrollment in the cohort's sequence, and a member of it. */
  async function expectEachOnce(services: MemoryServices, cohortId: string, emails: readonly string[], alsoMembers: readonly string[] = []) {
    const { people, enrollmentsOf, members } = await held(services, cohortId);
    const ids = await Promise.all(emails.map((email) => services.store.findPersonIdByEmail(email)));
    expect(new Set(ids).size).toBe(emails.length);
    expect(people.filter((p) => p.email && emails.includes(p.email))).toHaveLength(emails.length);
    for (const id of ids) expect(enrollmentsOf.get(id!)?.filter((e) => e.sequenceId === 'getting-started').map((e) => e.status)).toEqual(['active']);
    expect(members.map((m) => m.personId).sort()).toEqual([...ids, ...alsoMembers].sort());
  }
  const EMAILS = Array.from({ length: 250 }, (_, i) => `applicant${i}@example.com`);

  test('people already there are linked, by email or by phone, never duplicated; two rows naming one person both settle on them', async () => {
    const { services, deps, cohortId } = await setup();
    const at = services.clock.now().toISOString();
    // Signed up themselves (confirmed by email), found by the row's email.
    const selfSignedUp: Person = {
      personId: 'p-self', email: 'applicant5@example.com', timeZone: 'Europe/London', createdAt: at,
      consent: { email: { state: 'confirmed', source: 'web', at, text: 'Email me' } },
      profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
    };
    // Known by number only, found by the row's phone.
    const byPhone: Person = { ...selfSignedUp, personId: 'p-phone', email: undefined, phone: '+919810000007', consent: {} };
    const both: Person = { ...selfSignedUp, personId: 'p-both', email: 'both@example.com', phone: '+15550001111', consent: {} };
    for (const person of [selfSignedUp, byPhone, both]) await seedPerson(services.store, person);
    const csv = `${memberCsv(250)}both@example.com,,Both,UTC,,,,,\n,+1 555 000 1111,Both,UTC,,,,,\n`;

    const report = await importCsv(deps, COUNSELOR, cohortId, Buffer.from(csv));
    expect(report.summary).toEqual({ added: 252, updated: 0, unchanged: 0, rejected: 0 });
    expect(report.rows[5]).toEqual({ row: 7, status: 'added', personId: 'p-self' });
    expect(report.rows[7]).toEqual({ row: 9, status: 'added', personId: 'p-phone' });
    expect(report.rows.slice(250).map((r) => ('personId' in r ? r.personId : r.status))).toEqual(['p-both', 'p-both']);
    // Someone already with us belongs to themselves: no field written, no contact attached, no
    // track started; only a membership waiting for their yes.
    expect(await services.store.getPerson('p-self')).toEqual(selfSignedUp);
    expect(await services.store.getPerson('p-phone')).toEqual(byPhone);
    expect(await services.store.getPerson('p-both')).toEqual(both);
    expect(await services.store.findPersonIdByEmail('applicant7@example.com')).toBeUndefined();
    const { people, enrollmentsOf, members } = await held(services, cohortId);
    for (const id of ['p-self', 'p-phone', 'p-both']) {
      expect(enrollmentsOf.get(id) ?? []).toEqual([]);
      expect(members.find((m) => m.personId === id)).toMatchObject({ status: 'active', consent: { state: 'pending' } });
      expect(members.find((m) => m.personId === id)?.createdPerson).toBeUndefined();
    }
    // Everyone else once, as the organisation brought them.
    const newcomers = EMAILS.filter((email) => email !== 'applicant5@example.com' && email !== 'applicant7@example.com');
    await expectEachOnce(services, cohortId, newcomers, ['p-self', 'p-phone', 'p-both']);
    expect(people).toHaveLength(251);

    const before = await state(services, cohortId);
    const again = await importCsv(deps, COUNSELOR, cohortId, Buffer.from(csv));
    // The two different rows naming one person take turns as "the row last given" for that
    // membership, so one of them reads as updated; nothing else changes.
    expect(again.summary).toEqual({ added: 0, updated: 1, unchanged: 251, rejected: 0 });
    const withoutDigests = (value: unknown) => JSON.parse(JSON.stringify(value, (key, v) => (key === 'rowDigest' ? undefined : v)));
    expect(withoutDigests(await state(services, cohortId))).toEqual(withoutDigests(before));
  });

  test('two imports of the same file at once create each person once', async () => {
    const { services, deps, cohortId } = await setup();
    let collisions = 0;
    const store: Store = {
      ...services.store,
      createPeople: async (people) => {
        const result = await services.store.createPeople(people);
        collisions += result.notCreated.length;
        return result;
      },
    };
    const csv = Buffer.from(memberCsv(250));
    const reports = await Promise.all([importCsv({ ...deps, store }, COUNSELOR, cohortId, csv), importCsv({ ...deps, store }, COUNSELOR, cohortId, csv)]);
    // Both ran into each other: the loser of each race read again and linked the winner's person.
    expect(collisions).toBeGreaterThan(0);
    for (const report of reports) expect(report.summary.rejected).toBe(0);
    await expectEachOnce(services, cohortId, EMAILS);
    expect((await held(services, cohortId)).people).toHaveLength(250);

    const before = await state(services, cohortId);
    expect((await importCsv(deps, COUNSELOR, cohortId, csv)).summary).toEqual({ added: 0, updated: 0, unchanged: 250, rejected: 0 });
    expect(await state(services, cohortId)).toEqual(before);
  });

  test.each([
    ['its answer is lost', true],
    ['it never reaches the store', false],
  ])('a batch of new people that fails halfway (%s) loses nothing that importing again does not fix, and duplicates no one', async (_what, writtenBeforeFault) => {
    const { services, deps, cohortId } = await setup();
    const healthy = services.store;
    let calls = 0;
    let down = false;
    const outage = () => {
      throw new Error('storage unavailable');
    };
    const store: Store = {
      ...healthy,
      createPeople: async (people) => {
        if (down) outage();
        if (++calls < 2) return healthy.createPeople(people);
        // The second batch: half of it written (or none), then the store is gone for everyone.
        down = true;
        if (writtenBeforeFault) await healthy.createPeople(people.slice(0, Math.ceil(people.length / 2)));
        return outage();
      },
      savePerson: async (person) => (down ? outage() : healthy.savePerson(person)),
      saveEnrollment: async (enrollment) => (down ? outage() : healthy.saveEnrollment(enrollment)),
    };
    const csv = Buffer.from(memberCsv(250));
    await expect(importCsv({ ...deps, store }, COUNSELOR, cohortId, csv)).rejects.toThrow('storage unavailable');
    const cut = await held(services, cohortId);
    expect(cut.people.length).toBeGreaterThan(0);
    expect(cut.people.length).toBeLessThan(250);
    // Memberships come last, after everyone's records: none are written by the run that failed.
    expect(cut.members).toEqual([]);

    const rerun = await importCsv(deps, COUNSELOR, cohortId, csv);
    expect(rerun.summary).toEqual({ added: 250, updated: 0, unchanged: 0, rejected: 0 });
    await expectEachOnce(services, cohortId, EMAILS);
    expect((await held(services, cohortId)).people).toHaveLength(250);
    // Everyone gets their invitation, once, as after an import that never failed.
    const invited = await sendInvitations(deps, COUNSELOR, cohortId, rerun.toInvite);
    expect(invited).toMatchObject({ invited: 250, failed: 0 });
    await services.dispatch();
    expect(new Set(services.email.sent.map((m) => m.to)).size).toBe(250);

    const before = await state(services, cohortId);
    expect((await importCsv(deps, COUNSELOR, cohortId, csv)).summary).toEqual({ added: 0, updated: 0, unchanged: 250, rejected: 0 });
    expect(await state(services, cohortId)).toEqual(before);
  });
});

describe('CSV import, fuzzed', () => {
  const HEADER = 'email,phone,name,time_zone';
  /** Cells a counselor's spreadsheet might hold, good and bad, quoted or not. */
  const value = fc.oneof(
    fc.constantFrom('a@example.com', 'b@example.com', 'A@EXAMPLE.COM', 'x@', '+919812345678', '+15005550006', '98123', '=1+1', '@x', '-x', '\t=1', 'Asia/Kolkata', 'UTC', 'Mars/Base', '', ' ', 'Ngozi', 'Zoë', '😀', 'O"Brien'),
    fc.string({ maxLength: 12 }),
  );
  const cell = fc.tuple(value, fc.boolean()).map(([v, quote]) => (quote ? `"${v.replace(/"/g, '""')}"` : v));
  const csvText = fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { maxLength: 8 }).map((rows) => [HEADER, ...rows.map((r) => r.join(','))].join('\n'));
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.from(a)])),
    csvText.map((t) => Buffer.from(t)),
    csvText.map((t) => Buffer.from(t, 'latin1')),
    csvText.map((t) => Buffer.from(t, 'utf16le')),
  );

  test('arbitrary bytes give a report, never a throw; only accepted rows leave anything behind; twice changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, async (input) => {
        const { services, deps, cohortId } = await setup();
        const before = await state(services, cohortId);
        const report = await importCsv(deps, COUNSELOR, cohortId, input);
        const accepted = report.rows.filter((r) => r.status !== 'rejected');
        const members = await services.counselors.listCohortMembers('org-a', cohortId);
        // Members, and people, are exactly the accepted rows' people: a rejected row or file added no one.
        const acceptedIds = [...new Set(accepted.map((r) => ('personId' in r ? r.personId : '')))].sort();
        expect(members.map((m) => m.personId).sort()).toEqual(acceptedIds);
        const people = ((services.store as MemoryStore).snapshot() as { people: [string, unknown][] }).people.map(([id]) => id).sort();
        expect(people).toEqual(acceptedIds);
        if (report.fileError || accepted.length === 0) expect(await state(services, cohortId)).toEqual(before);
        const after = await state(services, cohortId);
        const again = await importCsv(deps, COUNSELOR, cohortId, input);
        expect(again.rows.filter((r) => r.status === 'added' || r.status === 'updated')).toEqual([]);
        expect(await state(services, cohortId)).toEqual(after);
      }),
      { numRuns: 150 },
    );
  });

  describe('through the HTTP API', () => {
    let issuer: TestIssuer;
    beforeAll(() => {
      issuer = testIssuer();
    });
    afterAll(() => issuer.remove());

    test('arbitrary bodies and content types answer 200, 400, 413 or 415: never a 5xx', async () => {
      const { services, cohortId } = await setup();
      await services.counselors.saveCounselor({ counselorId: 'c-a', orgId: 'org-a', email: 'c@example.org', role: 'counselor', settings: { crisisAlerts: true, weeklyDigest: true }, createdAt: services.clock.now().toISOString() });
      services.counselorAuth = issuer.authenticator(services.clock);
      const handler = createApiHandler(Promise.resolve(services), silentLogger);
      const token = issuer.tokenFor({ counselorId: 'c-a', orgId: 'org-a' }, {}, services.clock.now());
      await fc.assert(
        fc.asyncProperty(bytes, fc.constantFrom('text/csv', 'text/csv; charset=utf-8', 'application/json', 'text/plain', ''), fc.boolean(), async (body, type, base64) => {
          const event = counselorEvent('POST', `/counselor/cohorts/${cohortId}/import`, { token, rawBody: base64 ? body.toString('base64') : body.toString('utf8'), headers: type ? { 'content-type': type } : {} });
          event.isBase64Encoded = base64;
          const answer = await handler(event);
          expect([200, 400, 413, 415]).toContain(answer.statusCode);
          const parsed = JSON.parse(answer.body as string);
          if (answer.statusCode === 200) expect(parsed.summary).toBeDefined();
          else expect(typeof parsed.message).toBe('string');
        }),
        { numRuns: 100 },
      );
    });
  });
});
