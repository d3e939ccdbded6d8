import { PersonGone } from '../../shared/domain/errors';
import type { Store } from '../../shared/ports';
import { withPeopleOnDemand } from './store-ports';
import { LEASE_END, NOW, at, crowd, enrollment, journal, message, person, safety } from './store-fixtures';

/**
 * What the whole Store must do across its aggregates: creating people with their enrollments,
 * erasing everything of a person, and erasure being final for every port's writes. The memory
 * store and the DynamoDB store (the facades over a twin or repository a port) both run it, so the
 * twin the unit tests rely on cannot drift from the real thing (README, the test tiers). Each
 * port's own behaviour is its own contract (people-contract.ts and the others beside this one).
 * Each test gets a fresh, empty store; all times are fixed instants.
 */
export function describeStoreContract(
  name: string,
  makeStore: () => Promise<{ store: Store; teardown(): Promise<void> }>,
): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    /** The store itself, without the convenience of creating people on demand: what the erasure tests use. */
    let rawStore: Store;
    let teardown: () => Promise<void>;

    beforeEach(async () => {
      ({ store: rawStore, teardown } = await makeStore());
      store = withPeopleOnDemand(rawStore, rawStore);
    });
    afterEach(async () => {
      await teardown();
    });

    describe('many people at once (an import)', () => {
      test('creates new people with their lookups, season row and enrollments, many at once', async () => {
        const people = crowd(60);
        expect(await store.createPeople(people)).toEqual({ notCreated: [] });
        for (const { person: p, enrollments } of people) {
          expect(await store.getPerson(p.personId)).toEqual(p);
          expect(await store.findPersonIdByEmail(p.email!)).toBe(p.personId);
          if (p.phone) expect(await store.findPersonIdByPhone(p.phone)).toBe(p.personId);
          expect(await store.listEnrollments(p.personId)).toEqual(enrollments);
        }
        expect((await store.listPersonIdsInSeason(2027)).sort()).toEqual(people.map(({ person: p }) => p.personId));
      });

      test('someone whose id, email or phone is held already is not created, and nothing of theirs is written; the rest are', async () => {
        await store.savePerson(person());
        const [free, other] = crowd(2);
        const byEmail = { person: person({ personId: 'p-email', email: 'ASHA@example.com', phone: '+15550000001' }), enrollments: [enrollment({ personId: 'p-email' })] };
        const byPhone = { person: person({ personId: 'p-phone', email: 'other@example.com' }), enrollments: [enrollment({ personId: 'p-phone' })] };
        const byId = { person: person({ email: 'third@example.com', phone: '+15550000003' }), enrollments: [enrollment()] };
        // Two new people of one call naming the same email: the first is created, the later one is not.
        const twin = { person: person({ personId: 'p-twin', email: free!.person.email, phone: '+15550000004' }), enrollments: [] };
        const { notCreated } = await store.createPeople([byEmail, free!, byPhone, twin, byId, other!]);
        expect(notCreated.sort()).toEqual(['p-asha', 'p-email', 'p-phone', 'p-twin']);
        expect(await store.getPerson('p-asha')).toEqual(person());
        expect(await store.listEnrollments('p-asha')).toEqual([]);
        for (const id of ['p-email', 'p-phone', 'p-twin']) {
          expect(await store.getPerson(id)).toBeUndefined();
          expect(await store.listEnrollments(id)).toEqual([]);
        }
        expect(await store.findPersonIdByEmail('asha@example.com')).toBe('p-asha');
        expect(await store.findPersonIdByPhone('+919812345678')).toBe('p-asha');
        expect(await store.findPersonIdByEmail('other@example.com')).toBeUndefined();
        expect(await store.findPersonIdByEmail('third@example.com')).toBeUndefined();
        expect(await store.findPersonIdByPhone('+15550000001')).toBeUndefined();
        expect(await store.findPersonIdByPhone('+15550000004')).toBeUndefined();
        expect(await store.findPersonIdByEmail(free!.person.email!)).toBe(free!.person.personId);
        expect(await store.getPerson(other!.person.personId)).toEqual(other!.person);
        expect(await store.listPersonIdsInSeason(2027)).toEqual(['p-asha', free!.person.personId, other!.person.personId].sort());
      });

      test('of eight callers creating people with one email at once, exactly one succeeds', async () => {
        const tries = Array.from({ length: 8 }, (_, i) => ({
          person: person({ personId: `p-try-${i}`, email: 'contested@example.com', phone: `+1555000001${i}` }),
          enrollments: [enrollment({ personId: `p-try-${i}`, enrollmentId: `e-try-${i}` })],
        }));
        // Each caller also brings someone uncontested, who must be created whatever happens to the other.
        const results = await Promise.all(tries.map((t, i) => store.createPeople([t, ...crowd(1, i)])));
        const winners = tries.filter((_, i) => !results[i]!.notCreated.includes(`p-try-${i}`));
        expect(winners).toHaveLength(1);
        expect(results.every((r) => r.notCreated.every((id) => id.startsWith('p-try-')))).toBe(true);
        expect(await store.findPersonIdByEmail('contested@example.com')).toBe(winners[0]!.person.personId);
        const people = await store.getPeople(tries.map((t) => t.person.personId));
        expect([...people.keys()]).toEqual([winners[0]!.person.personId]);
        for (const { person: p } of crowd(8)) expect(await store.getPerson(p.personId)).toEqual(p);
      });

      test('refuses enrollments that are not the new person\'s, before writing anyone', async () => {
        const [first] = crowd(1);
        await expect(store.createPeople([first!, { person: person(), enrollments: [enrollment({ personId: 'p-ravi' })] }])).rejects.toThrow(/not p-asha's/);
        expect(await store.getPerson(first!.person.personId)).toBeUndefined();
      });
    });

    describe('person notices (flood guard)', () => {
      test("a notice is no message and no enrollment: nothing else of the person's shows it", async () => {
        await store.savePerson(person());
        const until = new Date(NOW.getTime() + 600_000);
        expect(await store.claimPersonNotice('p-asha', 'confirm-email', NOW, until)).toBe(true);
        expect(await store.claimPersonNotice('p-asha', 'already-subscribed', NOW, until)).toBe(true);
        expect(await store.listMessages('p-asha')).toEqual([]);
        expect(await store.listEnrollments('p-asha')).toEqual([]);
        expect(await store.getPerson('p-asha')).toEqual(person());
      });
    });

    describe('erasePerson', () => {
      test('removes everything about the person and nothing about anyone else', async () => {
        await store.savePerson(person());
        await store.savePerson(person({ personId: 'p-ravi', email: 'ravi@example.org', phone: '+923001234567' }));
        for (const personId of ['p-asha', 'p-ravi']) {
          await store.saveEnrollment(enrollment({ personId, enrollmentId: 'e-1' }));
          await store.createMessage(message({ personId, messageId: 'e-1.step-1.0.sms', dueAt: at(-1) }));
          await store.saveJournalEntry(journal({ personId, entryId: 'SM01', text: 'a private note' }));
          await store.saveSafetyEvent(safety({ personId, eventId: 'SM02', kind: 'risk' }));
        }
        await store.saveEnrollment(enrollment({ enrollmentId: 'e-2', sequenceId: 'self-care' }));
        await store.createMessage(message({ messageId: 'e-2.step-1.0.email', channel: 'email', to: 'asha@example.com', status: 'sent', dueAt: undefined }));
        await store.saveSafetyEvent(safety({ eventId: 'op-1', kind: 'hold-lifted', rule: undefined, by: 'operator:sam' }));
        await store.claimPersonNotice('p-asha', 'confirm-email', NOW, LEASE_END);
        const ravi = {
          person: await store.getPerson('p-ravi'),
          enrollments: await store.listEnrollments('p-ravi'),
          messages: await store.listMessages('p-ravi'),
          journal: await store.listJournalEntries('p-ravi'),
          safety: await store.listSafetyEvents('p-ravi'),
        };

        // Lookups 2, season row 1, alert 1, enrollments 2, messages 2, journal 1, safety 2, notice 1, profile 1.
        expect(await store.erasePerson('p-asha')).toBe(13);

        expect(await store.getPerson('p-asha')).toBeUndefined();
        expect(await store.findPersonIdByPhone('+919812345678')).toBeUndefined();
        expect(await store.findPersonIdByEmail('asha@example.com')).toBeUndefined();
        expect(await store.listEnrollments('p-asha')).toEqual([]);
        expect(await store.listMessages('p-asha')).toEqual([]);
        expect(await store.listJournalEntries('p-asha')).toEqual([]);
        expect(await store.listSafetyEvents('p-asha')).toEqual([]);
        expect(await store.listPersonIdsInSeason(2027)).toEqual(['p-ravi']);
        expect((await store.listSafetyAlerts(NOW.toISOString().slice(0, 7))).map((a) => a.personId)).toEqual(['p-ravi']);
        expect((await store.listDueMessages(NOW, 10)).map((r) => r.personId)).toEqual(['p-ravi']);
        // The notice went with the person: a new sign-up with that address starts afresh.
        expect(await store.claimPersonNotice('p-asha', 'confirm-email', NOW, LEASE_END)).toBe(true);
        await store.erasePerson('p-asha');

        expect(await store.getPerson('p-ravi')).toEqual(ravi.person);
        expect(await store.findPersonIdByPhone('+923001234567')).toBe('p-ravi');
        expect(await store.listEnrollments('p-ravi')).toEqual(ravi.enrollments);
        expect(await store.listMessages('p-ravi')).toEqual(ravi.messages);
        expect(await store.listJournalEntries('p-ravi')).toEqual(ravi.journal);
        expect(await store.listSafetyEvents('p-ravi')).toEqual(ravi.safety);
      });

      test('is idempotent, and an unknown person erases nothing', async () => {
        await store.savePerson(person());
        expect(await store.erasePerson('p-asha')).toBe(4);
        expect(await store.erasePerson('p-asha')).toBe(0);
        expect(await store.erasePerson('p-nobody')).toBe(0);
      });

      test("erasing one person leaves everyone else's lookups alone", async () => {
        await store.savePerson(person());
        await store.savePerson(person({ personId: 'p-ravi', email: 'ravi@example.org', phone: '+923001234567' }));
        await store.erasePerson('p-asha');
        expect(await store.findPersonIdByPhone('+923001234567')).toBe('p-ravi');
        expect(await store.findPersonIdByEmail('ravi@example.org')).toBe('p-ravi');
        expect(await store.getPerson('p-ravi')).toBeDefined();
      });
    });

    describe('erasure is final: nothing is written for someone who is not there', () => {
      const writes = (personId: string): Record<string, () => Promise<unknown>> => ({
        savePerson: () => rawStore.savePerson(person({ personId, email: undefined, phone: undefined })),
        saveEnrollment: () => rawStore.saveEnrollment(enrollment({ personId, enrollmentId: 'e-late' })),
        createMessage: () => rawStore.createMessage(message({ personId, messageId: 'e-late.s.0.sms', dueAt: at(-1) })),
        saveJournalEntry: () => rawStore.saveJournalEntry(journal({ personId, entryId: 'SMlate' })),
        saveSafetyEvent: () => rawStore.saveSafetyEvent(safety({ personId, eventId: 'SMlate', kind: 'risk' })),
        claimPersonNotice: () => rawStore.claimPersonNotice(personId, 'confirm-email', NOW, LEASE_END),
        savePlan: () => rawStore.savePlan({ personId, nextNo: 1, deadlines: [], internal: {}, longTerm: [], updatedAt: NOW.toISOString() }, undefined),
      });
      const nothingOf = async (personId: string) => ({
        person: await rawStore.getPerson(personId),
        enrollments: await rawStore.listEnrollments(personId),
        messages: await rawStore.listMessages(personId),
        journal: await rawStore.listJournalEntries(personId),
        safety: await rawStore.listSafetyEvents(personId),
        plan: await rawStore.getPlan(personId),
        alerts: (await rawStore.listSafetyAlerts('2027-03')).filter((a) => a.personId === personId),
      });
      const EMPTY = { person: undefined, enrollments: [], messages: [], journal: [], safety: [], plan: undefined, alerts: [] };

      test('someone never created: every write refuses with PersonGone and nothing is stored', async () => {
        for (const [name, write] of Object.entries(writes('p-never'))) {
          await expect(write()).rejects.toBeInstanceOf(PersonGone);
          expect({ name, ...(await nothingOf('p-never')) }).toEqual({ name, ...EMPTY });
        }
      });

      test('once erasure has begun the person reads as gone and every write refuses; after it, still nothing comes back', async () => {
        await rawStore.createPeople([{ person: person(), enrollments: [] }]);
        await store.createMessage(message({ dueAt: at(-1) }));
        const [ref] = await rawStore.listDueMessages(NOW, 10);
        expect(await rawStore.claimMessage(ref!, { token: 'before', until: LEASE_END, now: NOW })).toBeDefined();

        expect(await rawStore.beginErasure('p-asha', NOW)).toBe(true);
        expect(await rawStore.getPerson('p-asha')).toBeUndefined();
        expect((await rawStore.getPeople(['p-asha'])).size).toBe(0);
        for (const write of Object.values(writes('p-asha'))) await expect(write()).rejects.toBeInstanceOf(PersonGone);

        await rawStore.erasePerson('p-asha', NOW);
        for (const write of Object.values(writes('p-asha'))) await expect(write()).rejects.toBeInstanceOf(PersonGone);
        // A dispatcher that claimed before the erasure cannot bring its message back by finishing it.
        const attempt = { at: NOW.toISOString(), outcome: 'sent' as const, detail: 'sent' };
        expect(await rawStore.finishMessage(ref!, 'before', { status: 'sent', attempt })).toBe(false);
        expect(await rawStore.releaseForRetry(ref!, 'before', LEASE_END, attempt)).toBe(false);
        expect(await rawStore.recordDelivery(ref!, { status: 'delivered', at: NOW.toISOString() })).toBe(false);
        expect(await rawStore.cancelPendingMessages('p-asha', 'erased', NOW)).toBe(0);
        expect(await nothingOf('p-asha')).toEqual(EMPTY);
        expect(await rawStore.findPersonIdByEmail('asha@example.com')).toBeUndefined();
        expect(await rawStore.listDueMessages(new Date('2030-01-01T00:00:00Z'), 10)).toEqual([]);
      });

      test("an organisation's erasure starts only on its own record that nobody confirmed, decided in the write itself", async () => {
        const own = person({ personId: 'p-own', email: 'own@example.org', phone: undefined, broughtBy: 'org-a', consent: { email: { state: 'pending', source: 'counselor:c-1', at: NOW.toISOString(), text: 'Invited' } } });
        await rawStore.createPeople([{ person: own, enrollments: [] }]);
        expect(await rawStore.beginErasure('p-own', NOW, { onlyTheOwnRecordOf: 'org-b' })).toBe(false);
        // Confirmed a moment ago: not the organisation's any more.
        await rawStore.savePerson({ ...own, consent: { email: { ...own.consent.email!, state: 'confirmed' } } });
        expect(await rawStore.beginErasure('p-own', NOW, { onlyTheOwnRecordOf: 'org-a' })).toBe(false);
        expect(await rawStore.getPerson('p-own')).toBeDefined();
        await rawStore.savePerson(own);
        expect(await rawStore.beginErasure('p-own', NOW, { onlyTheOwnRecordOf: 'org-a' })).toBe(true);
        expect(await rawStore.getPerson('p-own')).toBeUndefined();
      });

      test('beginErasure of someone unknown says so and changes nothing', async () => {
        expect(await rawStore.beginErasure('p-nobody', NOW)).toBe(false);
        expect(await nothingOf('p-nobody')).toEqual(EMPTY);
      });
    });
  });
}
