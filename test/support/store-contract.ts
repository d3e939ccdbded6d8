import type { Attempt, Enrollment, JournalEntry, Message, Person, Profile, SafetyEvent } from '../../shared/domain/model';
import { DELIVERY_STATUSES } from '../../shared/domain/model';
import type { Store } from '../../shared/ports';
import { PersonGone } from '../../shared/domain/errors';

/**
 * The behaviour every Store adapter must show. The memory twin and the DynamoDB store both run
 * it, so the twin the unit tests rely on cannot drift from the real thing (README, the test tiers).
 * Each test gets a fresh, empty store; all times are fixed instants.
 */
export function describeStoreContract(
  name: string,
  makeStore: () => Promise<{ store: Store; teardown(): Promise<void> }>,
): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    /** The store itself, without the convenience below: what the erasure tests use. */
    let rawStore: Store;
    let teardown: () => Promise<void>;

    beforeEach(async () => {
      ({ store: rawStore, teardown } = await makeStore());
      store = withPeopleOnDemand(rawStore);
    });
    afterEach(async () => {
      await teardown();
    });

    describe('people', () => {
      test('a saved person reads back exactly, and unknown ids read as undefined', async () => {
        const asha = person();
        await store.savePerson(asha);
        expect(await store.getPerson('p-asha')).toEqual(asha);
        expectDomainShape(await store.getPerson('p-asha'), PERSON_FIELDS);
        expect(await store.getPerson('p-nobody')).toBeUndefined();
      });

      test('finds a person by phone and by email, the email case-insensitively', async () => {
        await store.savePerson(person());
        await store.savePerson(person({ personId: 'p-ravi', phone: '+919800000002', email: 'ravi@example.org' }));
        expect(await store.findPersonIdByPhone('+919812345678')).toBe('p-asha');
        expect(await store.findPersonIdByPhone('+919800000002')).toBe('p-ravi');
        expect(await store.findPersonIdByEmail('asha@example.com')).toBe('p-asha');
        expect(await store.findPersonIdByEmail('Asha@Example.COM')).toBe('p-asha');
        expect(await store.findPersonIdByPhone('+15550000000')).toBeUndefined();
        expect(await store.findPersonIdByEmail('nobody@example.com')).toBeUndefined();
      });

      test('changing the phone or email moves the lookup; removing them drops it', async () => {
        await store.savePerson(person());
        await store.savePerson(person({ phone: '+919811111111', email: 'asha.new@example.com' }));
        expect(await store.findPersonIdByPhone('+919812345678')).toBeUndefined();
        expect(await store.findPersonIdByEmail('asha@example.com')).toBeUndefined();
        expect(await store.findPersonIdByPhone('+919811111111')).toBe('p-asha');
        expect(await store.findPersonIdByEmail('asha.new@example.com')).toBe('p-asha');

        const { phone: _phone, email: _email, ...withoutContacts } = person();
        await store.savePerson(withoutContacts);
        expect(await store.findPersonIdByPhone('+919811111111')).toBeUndefined();
        expect(await store.findPersonIdByEmail('asha.new@example.com')).toBeUndefined();
        expect(await store.getPerson('p-asha')).toEqual(withoutContacts);
      });

      test('a save never takes a number or address someone else holds: refused, and both keep theirs', async () => {
        await store.savePerson(person());
        await store.savePerson(person({ personId: 'p-ravi', phone: '+923001234567', email: 'ravi@example.org' }));
        for (const taking of [{ phone: '+919812345678' }, { email: 'asha@example.com' }]) {
          await expect(rawStore.savePerson(person({ personId: 'p-ravi', phone: '+923001234567', email: 'ravi@example.org', ...taking }))).rejects.toMatchObject({ code: 'conflict' });
        }
        expect(await store.findPersonIdByPhone('+919812345678')).toBe('p-asha');
        expect(await store.findPersonIdByEmail('asha@example.com')).toBe('p-asha');
        expect(await store.getPerson('p-ravi')).toMatchObject({ phone: '+923001234567', email: 'ravi@example.org' });
        // Once Asha lets the number go, it is free to take.
        await store.savePerson(person({ phone: '+919811111111' }));
        await store.savePerson(person({ personId: 'p-ravi', phone: '+919812345678', email: 'ravi@example.org' }));
        expect(await store.findPersonIdByPhone('+919812345678')).toBe('p-ravi');
        expect(await store.findPersonIdByPhone('+919811111111')).toBe('p-asha');
      });

      test('callers cannot change stored people through the objects they passed or got', async () => {
        const asha = person();
        await store.savePerson(asha);
        asha.consent.sms = undefined;
        asha.firstName = 'Changed';
        const read = (await store.getPerson('p-asha'))!;
        read.consent.email!.state = 'revoked';
        expect(await store.getPerson('p-asha')).toEqual(person());
      });
    });

    describe('many people at once (an import)', () => {
      /** Enough people that the table needs several batch reads and several transactions. */
      const crowd = (count: number, from = 0) =>
        Array.from({ length: count }, (_, i) => {
          const n = from + i;
          const personId = `p-crowd-${String(n).padStart(4, '0')}`;
          return {
            person: person({ personId, email: `crowd${n}@example.com`, ...(n % 3 === 0 ? { phone: undefined } : { phone: `+9198${String(10_000_000 + n)}` }) }),
            enrollments: [enrollment({ personId, enrollmentId: `e-${n}-a` }), enrollment({ personId, enrollmentId: `e-${n}-b`, sequenceId: 'getting-started' })],
          };
        });

      test('finds people by many emails (case-insensitively) and phones, and reads many people, as one at a time would', async () => {
        const people = crowd(130);
        for (const { person: p } of people) await store.savePerson(p);
        const emails = [...people.map(({ person: p }) => p.email!.toUpperCase()), 'nobody@example.com'];
        const phones = [...people.flatMap(({ person: p }) => (p.phone ? [p.phone] : [])), '+15550000000'];
        const { byEmail, byPhone } = await store.findPersonIds({ emails, phones });
        expect(byEmail.size).toBe(130);
        for (const email of emails) expect(byEmail.get(email)).toBe(await store.findPersonIdByEmail(email));
        expect(byPhone.size).toBe(phones.length - 1);
        for (const phone of phones) expect(byPhone.get(phone)).toBe(await store.findPersonIdByPhone(phone));

        const ids = [...people.map(({ person: p }) => p.personId), 'p-nobody'];
        const found = await store.getPeople(ids);
        expect(found.size).toBe(130);
        for (const { person: p } of people) expect(found.get(p.personId)).toEqual(p);
        expectDomainShape(found.get('p-crowd-0001'), PERSON_FIELDS);
        expect(await store.findPersonIds({ emails: [], phones: [] })).toEqual({ byEmail: new Map(), byPhone: new Map() });
        expect(await store.getPeople([])).toEqual(new Map());
      });

      test("reads many people's enrollments at once, each as listEnrollments lists it, and nothing else of theirs", async () => {
        const people = crowd(120);
        await store.createPeople(people);
        // Written later but sorting first, and items of other kinds in the same partitions.
        await store.saveEnrollment(enrollment({ personId: 'p-crowd-0000', enrollmentId: 'e-0-0', status: 'ended' }));
        await store.createMessage(message({ personId: 'p-crowd-0001', messageId: 'e-1-a.s1.0.sms', enrollmentId: 'e-1-a' }));
        await store.savePerson(person({ personId: 'p-none', email: 'none@example.com', phone: '+15550000009' }));
        const ids = [...people.map(({ person: p }) => p.personId).reverse(), 'p-none', 'p-nobody'];
        const found = await store.listEnrollmentsOf(ids);
        expect([...found.keys()].sort()).toEqual([...ids].sort());
        for (const id of ids) expect(found.get(id)).toEqual(await store.listEnrollments(id));
        expect(found.get('p-crowd-0000')!.map((e) => e.enrollmentId)).toEqual(['e-0-0', 'e-0-a', 'e-0-b']);
        expect(found.get('p-none')).toEqual([]);
        expectDomainShape(found.get('p-crowd-0007')![0], ENROLLMENT_FIELDS);
        expect(await store.listEnrollmentsOf([])).toEqual(new Map());
      });

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

    describe('enrollments', () => {
      test('round trip, overwrite and a list of only that person, by enrollment id', async () => {
        await store.saveEnrollment(enrollment({ enrollmentId: 'e-2' }));
        await store.saveEnrollment(enrollment({ enrollmentId: 'e-1' }));
        await store.saveEnrollment(enrollment({ personId: 'p-ravi', enrollmentId: 'e-9' }));
        await store.createMessage(message({ messageId: 'e-1.s1.0.sms' }));

        const listed = await store.listEnrollments('p-asha');
        expect(listed).toEqual([enrollment({ enrollmentId: 'e-1' }), enrollment({ enrollmentId: 'e-2' })]);
        expectDomainShape(listed[0], ENROLLMENT_FIELDS);
        expect(await store.listEnrollments('p-nobody')).toEqual([]);

        await store.saveEnrollment(enrollment({ enrollmentId: 'e-1', status: 'ended' }));
        expect(await store.listEnrollments('p-asha')).toEqual([
          enrollment({ enrollmentId: 'e-1', status: 'ended' }),
          enrollment({ enrollmentId: 'e-2' }),
        ]);
      });
    });

    describe('messages', () => {
      test('createMessage is idempotent: the second create is refused and changes nothing', async () => {
        const first = message();
        expect(await store.createMessage(first)).toBe(true);
        expect(await store.createMessage({ ...first, to: '+15550000000', sendAt: at(99) })).toBe(false);
        expect(await store.getMessage('p-asha', first.messageId)).toEqual(first);
        expectDomainShape(await store.getMessage('p-asha', first.messageId), MESSAGE_FIELDS);
        expect(await store.getMessage('p-asha', 'nope')).toBeUndefined();
      });

      test('callers cannot change stored messages through the objects they passed or got', async () => {
        const created = message();
        await store.createMessage(created);
        created.attempts.push(attempt('sent'));
        created.status = 'sent';
        const read = (await store.getMessage('p-asha', created.messageId))!;
        read.attempts.push(attempt('sent'));
        expect(await store.getMessage('p-asha', created.messageId)).toEqual(message());
      });

      test("listMessages returns the person's messages only, oldest sendAt first", async () => {
        await store.createMessage(message({ messageId: 'm-late', sendAt: at(30) }));
        await store.createMessage(message({ messageId: 'm-early', sendAt: at(-30) }));
        await store.createMessage(message({ messageId: 'm-mid', sendAt: at(0), status: 'sent', dueAt: undefined }));
        await store.createMessage(message({ personId: 'p-ravi', messageId: 'm-other' }));
        await store.saveEnrollment(enrollment());
        const listed = await store.listMessages('p-asha');
        expect(listed.map((m) => m.messageId)).toEqual(['m-early', 'm-mid', 'm-late']);
        for (const m of listed) expectDomainShape(m, MESSAGE_FIELDS);
        expect(await store.listMessages('p-nobody')).toEqual([]);
      });
    });

    describe('the due index', () => {
      test('lists only planned and expired-claim messages due by now, oldest first, never final ones', async () => {
        await store.createMessage(message({ messageId: 'planned-past', dueAt: at(-10) }));
        await store.createMessage(message({ messageId: 'planned-now', dueAt: at(0) }));
        await store.createMessage(message({ messageId: 'planned-future', dueAt: at(1) }));
        await store.createMessage(message({ messageId: 'planned-undated', dueAt: undefined }));
        await store.createMessage(
          message({ messageId: 'claimed-expired', status: 'claimed', dueAt: at(-5), lease: { token: 'dead', until: at(-5) } }),
        );
        await store.createMessage(
          message({ messageId: 'claimed-live', status: 'claimed', dueAt: at(5), lease: { token: 'alive', until: at(5) } }),
        );
        for (const status of ['sent', 'skipped', 'failed'] as const) {
          await store.createMessage(message({ messageId: `final-${status}`, status, dueAt: at(-60) }));
        }
        await store.createMessage(message({ personId: 'p-ravi', messageId: 'ravi-past', dueAt: at(-7) }));

        const due = await store.listDueMessages(NOW, 50);
        expect(due).toEqual([
          { personId: 'p-asha', messageId: 'planned-past', dueAt: at(-10) },
          { personId: 'p-ravi', messageId: 'ravi-past', dueAt: at(-7) },
          { personId: 'p-asha', messageId: 'claimed-expired', dueAt: at(-5) },
          { personId: 'p-asha', messageId: 'planned-now', dueAt: at(0) },
        ]);
        for (const ref of due) expect(Object.keys(ref).sort()).toEqual(['dueAt', 'messageId', 'personId']);
        expect(await store.listDueMessages(new Date(Date.parse(at(-11))), 50)).toEqual([]);
      });

      test('merges all shards oldest first and stops at the limit', async () => {
        // Enough ids to land in every shard; due times interleave so the merge order is tested.
        const ids = Array.from({ length: 24 }, (_, i) => `e-1.step-${i}.0.sms`);
        await Promise.all(ids.map((messageId, i) => store.createMessage(message({ messageId, dueAt: at(-100 + ((i * 7) % 24)) }))));
        const expected = ids
          .map((messageId, i) => ({ messageId, dueAt: at(-100 + ((i * 7) % 24)) }))
          .sort((a, b) => a.dueAt.localeCompare(b.dueAt));

        const all = await store.listDueMessages(NOW, 100);
        expect(all.map(({ messageId, dueAt }) => ({ messageId, dueAt }))).toEqual(expected);
        const firstFive = await store.listDueMessages(NOW, 5);
        expect(firstFive).toEqual(all.slice(0, 5));
        expect(await store.listDueMessages(NOW, 0)).toEqual([]);
      });

      test('equal due times stay distinct and ordered by message id', async () => {
        await store.createMessage(message({ messageId: 'b', dueAt: at(-1) }));
        await store.createMessage(message({ messageId: 'a', dueAt: at(-1) }));
        expect((await store.listDueMessages(NOW, 10)).map((r) => r.messageId)).toEqual(['a', 'b']);
      });
    });

    // ---- Due queues: a channel's backlog, urgent first, page by page -----------------------

    describe('due queues', () => {
      async function seedQueues() {
        // 30 per class and channel, enough to spread over every shard; due times interleave.
        const made: Message[] = [];
        for (const channel of ['sms', 'email'] as const) {
          for (const urgent of [true, false]) {
            for (let i = 0; i < 30; i++) {
              const m = message({
                messageId: `e-${i % 3}.step-${i}.0.${urgent ? 'u' : 'r'}.${channel}`,
                channel,
                ...(urgent ? { urgent: true } : {}),
                dueAt: at(-60 + ((i * 11) % 30)),
              });
              made.push(m);
            }
          }
        }
        await Promise.all(made.map((m) => store.createMessage(m)));
        return made;
      }
      const idsOf = (refs: Array<{ messageId: string }>) => refs.map((r) => r.messageId).sort();

      test("a channel's queues hold exactly its urgent and routine messages; each queue is oldest first", async () => {
        const made = await seedQueues();
        for (const channel of ['sms', 'email'] as const) {
          const queues = store.dueQueues(channel);
          expect(queues.urgent.length).toBeGreaterThan(0);
          expect(queues.routine.length).toBe(queues.urgent.length);
          expect(new Set([...queues.urgent, ...queues.routine]).size).toBe(queues.urgent.length * 2);
          for (const urgent of [true, false]) {
            const listed = [];
            for (const queue of urgent ? queues.urgent : queues.routine) {
              const page = await store.listDueInQueue(queue, NOW, 100);
              const keys = page.map((r) => `${r.dueAt}#${r.messageId}`);
              expect(keys).toEqual([...keys].sort());
              for (const ref of page) expect(Object.keys(ref).sort()).toEqual(['dueAt', 'messageId', 'personId']);
              listed.push(...page);
            }
            const expected = made.filter((m) => m.channel === channel && (m.urgent === true) === urgent);
            expect(idsOf(listed)).toEqual(idsOf(expected));
          }
        }
      });

      test('pages resume strictly after the last ref, stop at now, and never repeat', async () => {
        await seedQueues();
        const { routine } = store.dueQueues('sms');
        const cutoff = new Date(Date.parse(at(-45)));
        for (const queue of routine) {
          const whole = await store.listDueInQueue(queue, cutoff, 1000);
          const paged = [];
          let after;
          for (let i = 0; i < 100; i++) {
            const page = await store.listDueInQueue(queue, cutoff, 2, after);
            if (page.length === 0) break;
            paged.push(...page);
            after = page.at(-1);
          }
          expect(paged).toEqual(whole);
          for (const ref of whole) expect(Date.parse(ref.dueAt)).toBeLessThanOrEqual(cutoff.getTime());
        }
        expect(await store.listDueInQueue(routine[0]!, NOW, 0)).toEqual([]);
      });

      test('a queue lease is one holder\'s until it ends; the holder renews it; anyone takes it after', async () => {
        const [queue] = store.dueQueues('sms').routine;
        const soon = new Date(NOW.getTime() + 5_000);
        expect(await store.leaseDueQueue(queue!, 'dispatcher-a', soon, NOW)).toBe(true);
        expect(await store.leaseDueQueue(queue!, 'dispatcher-b', soon, NOW)).toBe(false);
        expect(await store.leaseDueQueue(queue!, 'dispatcher-a', new Date(soon.getTime() + 5_000), soon)).toBe(true);
        expect(await store.leaseDueQueue(queue!, 'dispatcher-b', new Date(soon.getTime() + 9_000), new Date(soon.getTime() + 4_999))).toBe(false);
        const later = new Date(soon.getTime() + 5_000);
        expect(await store.leaseDueQueue(queue!, 'dispatcher-b', new Date(later.getTime() + 5_000), later)).toBe(true);
        // Other queues are separate.
        expect(await store.leaseDueQueue(store.dueQueues('sms').urgent[0]!, 'dispatcher-a', soon, NOW)).toBe(true);
        const racers = await Promise.all(['x', 'y', 'z'].map((h) => store.leaseDueQueue(store.dueQueues('email').routine[0]!, h, soon, NOW)));
        expect(racers.filter(Boolean)).toHaveLength(1);
      });

      test('a claimed message stays in its queue; finished and released ones leave or move', async () => {
        await store.createMessage(message({ messageId: 'm-a', urgent: true, dueAt: at(-3) }));
        await store.createMessage(message({ messageId: 'm-b', urgent: true, dueAt: at(-2) }));
        const queues = store.dueQueues('sms').urgent;
        const listAll = async (now: Date) => (await Promise.all(queues.map((q) => store.listDueInQueue(q, now, 10)))).flat();
        const [a, b] = [...(await listAll(NOW))].sort((x, y) => x.dueAt.localeCompare(y.dueAt));
        expect(await store.claimMessage(a!, { token: 'ta', until: LEASE_END, now: NOW })).toMatchObject({ urgent: true, status: 'claimed' });
        await store.claimMessage(b!, { token: 'tb', until: LEASE_END, now: NOW });
        expect(idsOf(await listAll(NOW))).toEqual(['m-a', 'm-b']);
        await store.finishMessage(a!, 'ta', { status: 'sent', attempt: attempt('sent') });
        await store.releaseForRetry(b!, 'tb', RETRY_AT, attempt('retry'));
        expect(await listAll(NOW)).toEqual([]);
        expect(await listAll(RETRY_AT)).toEqual([{ personId: 'p-asha', messageId: 'm-b', dueAt: RETRY_AT.toISOString() }]);
        // No other queue ever saw them.
        const others = [...store.dueQueues('sms').routine, ...store.dueQueues('email').urgent, ...store.dueQueues('email').routine];
        for (const q of others) expect(await store.listDueInQueue(q, RETRY_AT, 10)).toEqual([]);
      });
    });

    describe('claiming', () => {
      test('only the first of two claims with the same ref wins; the winner gets the claimed message', async () => {
        await store.createMessage(message({ dueAt: at(-1) }));
        const [ref] = await store.listDueMessages(NOW, 10);
        const won = await store.claimMessage(ref!, { token: 'd1', until: LEASE_END, now: NOW });
        expect(won).toEqual({
          // The due time stays: a claim writes no index entry (the lease keeps others off).
          ...message({ dueAt: at(-1) }),
          status: 'claimed',
          lease: { token: 'd1', until: LEASE_END.toISOString() },
          updatedAt: NOW.toISOString(),
        });
        expectDomainShape(won, MESSAGE_FIELDS);
        expect(await store.claimMessage(ref!, { token: 'd2', until: LEASE_END, now: NOW })).toBeUndefined();
        expect((await store.getMessage('p-asha', MESSAGE_ID))?.lease?.token).toBe('d1');
      });

      test('of eight concurrent claims exactly one wins', async () => {
        await store.createMessage(message({ dueAt: at(-1) }));
        const [ref] = await store.listDueMessages(NOW, 10);
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.claimMessage(ref!, { token: `d${i}`, until: LEASE_END, now: NOW })),
        );
        const winners = results.filter((r) => r !== undefined);
        expect(winners).toHaveLength(1);
        expect((await store.getMessage('p-asha', MESSAGE_ID))?.lease?.token).toBe(winners[0]!.lease!.token);
      });

      test('a claimed message stays listed but cannot be claimed until its lease ends, then can be re-claimed', async () => {
        await store.createMessage(message({ dueAt: at(-1) }));
        const [ref] = await store.listDueMessages(NOW, 10);
        await store.claimMessage(ref!, { token: 'dead-dispatcher', until: LEASE_END, now: NOW });

        // Still in the index at its due time (the index is keys only: nobody reads the lease there) ...
        expect(await store.listDueMessages(NOW, 10)).toEqual([ref]);
        // ... but nobody can take it while the lease lasts, not even at its last millisecond.
        const beforeEnd = new Date(LEASE_END.getTime() - 1);
        expect(await store.claimMessage(ref!, { token: 'eager', until: new Date(LEASE_END.getTime() + 60_000), now: beforeEnd })).toBeUndefined();
        const [back] = await store.listDueMessages(LEASE_END, 10);
        expect(back).toEqual({ personId: 'p-asha', messageId: MESSAGE_ID, dueAt: at(-1) });

        const later = new Date(LEASE_END.getTime() + 60_000);
        const reclaimed = await store.claimMessage(back!, { token: 'second', until: new Date(later.getTime() + 300_000), now: later });
        expect(reclaimed?.lease?.token).toBe('second');
        // The first holder's lease is gone: it can no longer record an outcome.
        expect(await store.finishMessage(ref!, 'dead-dispatcher', { status: 'sent', attempt: attempt('sent') })).toBe(false);
      });

      test('a stale ref loses after the message moved on, and a ref that is not due yet cannot claim', async () => {
        await store.createMessage(message({ messageId: 'm-2', dueAt: at(-2) }));
        const [stale] = await store.listDueMessages(NOW, 10);
        await store.claimMessage(stale!, { token: 'd1', until: LEASE_END, now: NOW });
        // Released to another time: the ref read before no longer matches, a fresh one does.
        await store.releaseForRetry(stale!, 'd1', new Date(Date.parse(at(-3))), attempt('retry'));
        expect(await store.claimMessage(stale!, { token: 'd2', until: LEASE_END, now: NOW })).toBeUndefined();
        const [fresh] = await store.listDueMessages(NOW, 10);
        expect(fresh).toEqual({ personId: 'p-asha', messageId: 'm-2', dueAt: at(-3) });
        expect((await store.claimMessage(fresh!, { token: 'd3', until: LEASE_END, now: NOW }))?.lease?.token).toBe('d3');

        await store.createMessage(message({ messageId: 'm-future', dueAt: at(10) }));
        const early = { personId: 'p-asha', messageId: 'm-future', dueAt: at(10) };
        expect(await store.claimMessage(early, { token: 'd4', until: LEASE_END, now: NOW })).toBeUndefined();
        expect((await store.getMessage('p-asha', 'm-future'))?.status).toBe('planned');
      });

      test('final messages and unknown messages cannot be claimed', async () => {
        await store.createMessage(message({ status: 'sent', dueAt: at(-1) }));
        const ref = { personId: 'p-asha', messageId: MESSAGE_ID, dueAt: at(-1) };
        expect(await store.claimMessage(ref, { token: 'd1', until: LEASE_END, now: NOW })).toBeUndefined();
        expect(await store.claimMessage({ ...ref, messageId: 'nope' }, { token: 'd1', until: LEASE_END, now: NOW })).toBeUndefined();
      });
    });

    describe('finishing and retrying', () => {
      test('only the lease holder can finish; the message leaves the due index for good', async () => {
        const ref = await createAndClaim('holder');
        const sent = attempt('sent');
        expect(await store.finishMessage(ref, 'intruder', { status: 'sent', attempt: sent })).toBe(false);
        expect((await store.getMessage('p-asha', MESSAGE_ID))?.status).toBe('claimed');

        expect(await store.finishMessage(ref, 'holder', { status: 'sent', attempt: sent, providerId: 'SM123' })).toBe(true);
        const finished = await store.getMessage('p-asha', MESSAGE_ID);
        expect(finished).toEqual({ ...message(), status: 'sent', dueAt: undefined, attempts: [sent], providerId: 'SM123', updatedAt: sent.at });
        expect(finished).not.toHaveProperty('lease');
        expect(finished).not.toHaveProperty('dueAt');
        expectDomainShape(finished, MESSAGE_FIELDS);
        expect(await store.listDueMessages(new Date('2030-01-01T00:00:00.000Z'), 10)).toEqual([]);
        // Twice is refused: the lease is gone and the status is final.
        expect(await store.finishMessage(ref, 'holder', { status: 'failed', attempt: attempt('failed') })).toBe(false);
      });

      test('finishing records a reason and appends to earlier attempts', async () => {
        const ref = await createAndClaim('holder');
        const retry = attempt('retry');
        await store.releaseForRetry(ref, 'holder', RETRY_AT, retry);
        const [again] = await store.listDueMessages(RETRY_AT, 10);
        await store.claimMessage(again!, { token: 'holder-2', until: new Date(RETRY_AT.getTime() + 300_000), now: RETRY_AT });
        const failed = { at: RETRY_AT.toISOString(), outcome: 'failed' as const, detail: 'invalid number' };
        expect(await store.finishMessage(ref, 'holder-2', { status: 'failed', attempt: failed, reason: 'invalid-number' })).toBe(true);
        const done = await store.getMessage('p-asha', MESSAGE_ID);
        expect(done?.attempts).toEqual([retry, failed]);
        expect(done?.reason).toBe('invalid-number');
        expect(done?.status).toBe('failed');
      });

      test('a message that was never claimed cannot be finished or released', async () => {
        await store.createMessage(message());
        const ref = { personId: 'p-asha', messageId: MESSAGE_ID };
        expect(await store.finishMessage(ref, 'anyone', { status: 'sent', attempt: attempt('sent') })).toBe(false);
        expect(await store.releaseForRetry(ref, 'anyone', RETRY_AT, attempt('retry'))).toBe(false);
        expect(await store.getMessage('p-asha', MESSAGE_ID)).toEqual(message());
      });

      test('releaseForRetry makes the message planned and due at retryAt, only for the holder', async () => {
        const ref = await createAndClaim('holder');
        const retry = attempt('retry');
        expect(await store.releaseForRetry(ref, 'intruder', RETRY_AT, retry)).toBe(false);
        expect(await store.releaseForRetry(ref, 'holder', RETRY_AT, retry)).toBe(true);

        const released = await store.getMessage('p-asha', MESSAGE_ID);
        expect(released).toEqual({ ...message(), status: 'planned', dueAt: RETRY_AT.toISOString(), attempts: [retry], updatedAt: retry.at });
        expect(released).not.toHaveProperty('lease');
        expect(await store.listDueMessages(new Date(RETRY_AT.getTime() - 1), 10)).toEqual([]);
        expect(await store.listDueMessages(RETRY_AT, 10)).toEqual([
          { personId: 'p-asha', messageId: MESSAGE_ID, dueAt: RETRY_AT.toISOString() },
        ]);
        // The old token is spent.
        expect(await store.finishMessage(ref, 'holder', { status: 'sent', attempt: attempt('sent') })).toBe(false);
      });
    });

    describe('cancelPendingMessages', () => {
      test('skips planned and expired-claim messages on the channel only, never final or live ones', async () => {
        await store.createMessage(message({ messageId: 'sms-planned', channel: 'sms', dueAt: at(10) }));
        await store.createMessage(message({ messageId: 'sms-undated', channel: 'sms', dueAt: undefined }));
        await store.createMessage(
          message({ messageId: 'sms-expired', channel: 'sms', status: 'claimed', dueAt: at(-5), lease: { token: 't', until: at(-5) } }),
        );
        await store.createMessage(
          message({ messageId: 'sms-live', channel: 'sms', status: 'claimed', dueAt: at(5), lease: { token: 't', until: at(5) } }),
        );
        await store.createMessage(message({ messageId: 'sms-sent', channel: 'sms', status: 'sent', dueAt: undefined }));
        await store.createMessage(message({ messageId: 'email-planned', channel: 'email', to: 'asha@example.com', dueAt: at(10) }));
        await store.createMessage(message({ personId: 'p-ravi', messageId: 'ravi-sms', channel: 'sms', dueAt: at(10) }));

        expect(await store.cancelPendingMessages('p-asha', 'opted_out', NOW, 'sms')).toBe(3);

        const byId = new Map((await store.listMessages('p-asha')).map((m) => [m.messageId, m]));
        for (const id of ['sms-planned', 'sms-undated', 'sms-expired']) {
          const skipped = byId.get(id)!;
          expect(skipped.status).toBe('skipped');
          expect(skipped.reason).toBe('opted_out');
          expect(skipped.updatedAt).toBe(NOW.toISOString());
          expect(skipped).not.toHaveProperty('dueAt');
          expect(skipped).not.toHaveProperty('lease');
        }
        expect(byId.get('sms-live')).toEqual(
          message({ messageId: 'sms-live', channel: 'sms', status: 'claimed', dueAt: at(5), lease: { token: 't', until: at(5) } }),
        );
        expect(byId.get('sms-sent')).toEqual(message({ messageId: 'sms-sent', channel: 'sms', status: 'sent', dueAt: undefined }));
        expect(byId.get('email-planned')?.status).toBe('planned');
        expect((await store.getMessage('p-ravi', 'ravi-sms'))?.status).toBe('planned');

        const dueIds = (await store.listDueMessages(new Date(Date.parse(at(60))), 50)).map((r) => r.messageId);
        expect(dueIds.sort()).toEqual(['email-planned', 'ravi-sms', 'sms-live']);

        // Without a channel every pending message goes; a second run finds nothing left.
        expect(await store.cancelPendingMessages('p-asha', 'unsubscribed', NOW)).toBe(1);
        expect((await store.getMessage('p-asha', 'email-planned'))?.reason).toBe('unsubscribed');
        expect(await store.cancelPendingMessages('p-asha', 'unsubscribed', NOW)).toBe(0);
        expect((await store.getMessage('p-asha', 'sms-sent'))?.status).toBe('sent');
      });
    });

    describe('re-planning, seasons and the calendar', () => {
      it('a message withdrawn by re-planning may be planned again; other final ones stand', async () => {
        await store.createMessage(message({ dueAt: at(5) }));
        expect(await store.cancelPendingMessages('p-asha', 'replanned', NOW)).toBe(1);
        expect(await store.createMessage(message({ dueAt: at(30), sendAt: at(30) }))).toBe(true);
        expect((await store.getMessage('p-asha', MESSAGE_ID))).toMatchObject({ status: 'planned', dueAt: at(30) });
        expect(await store.cancelPendingMessages('p-asha', 'opted_out', NOW)).toBe(1);
        expect(await store.createMessage(message({ dueAt: at(40) }))).toBe(false);
        expect((await store.getMessage('p-asha', MESSAGE_ID))?.reason).toBe('opted_out');
      });

      it('a message the weekly budget dropped may be planned again when a later plan finds room for it', async () => {
        const dropped = message({ dueAt: undefined, status: 'skipped', reason: 'budget:weekly-limit' });
        expect(await store.createMessage(dropped)).toBe(true);
        expect(await store.listDueMessages(new Date(at(60)), 10)).toEqual([]);
        expect(await store.createMessage(message({ dueAt: at(30), sendAt: at(30) }))).toBe(true);
        expect(await store.getMessage('p-asha', MESSAGE_ID)).toMatchObject({ status: 'planned', dueAt: at(30) });
        expect((await store.listDueMessages(new Date(at(60)), 10)).map((r) => r.messageId)).toEqual([MESSAGE_ID]);
        // A reason that merely contains the word is not the budget's.
        await store.createMessage(message({ messageId: 'other', dueAt: undefined, status: 'skipped', reason: 'not-budget:x' }));
        expect(await store.createMessage(message({ messageId: 'other', dueAt: at(30) }))).toBe(false);
      });

      it('re-planning may keep a counselor\'s invitations waiting; other reasons withdraw them', async () => {
        await store.createMessage(message({ dueAt: at(5) }));
        await store.createMessage(message({ messageId: 'invite.p-asha.sms', enrollmentId: 'invitation', sequenceId: 'invitation', stepId: 'invite', invitation: { orgName: 'Advising' }, dueAt: at(5) }));
        expect(await store.cancelPendingMessages('p-asha', 'replanned', NOW, undefined, { keepInvitations: true })).toBe(1);
        expect(await store.getMessage('p-asha', 'invite.p-asha.sms')).toMatchObject({ status: 'planned', invitation: { orgName: 'Advising' } });
        expect((await store.listDueMessages(new Date(at(10)), 10)).map((r) => r.messageId)).toEqual(['invite.p-asha.sms']);
        expect(await store.cancelPendingMessages('p-asha', 'removed-from-cohort', NOW)).toBe(1);
        expect(await store.getMessage('p-asha', 'invite.p-asha.sms')).toMatchObject({ status: 'skipped', reason: 'removed-from-cohort' });
      });

      it('lists the people of a season, following a change of season', async () => {
        await store.savePerson(person());
        await store.savePerson(person({ personId: 'p-ravi', email: 'ravi@example.com', phone: '+923001234567' }));
        expect((await store.listPersonIdsInSeason(2027)).sort()).toEqual(['p-asha', 'p-ravi']);
        await store.savePerson(person({ personId: 'p-ravi', email: 'ravi@example.com', phone: '+923001234567', profile: { ...PROFILE, season: 2028 } }));
        expect(await store.listPersonIdsInSeason(2027)).toEqual(['p-asha']);
        expect(await store.listPersonIdsInSeason(2028)).toEqual(['p-ravi']);
        expect(await store.listPersonIdsInSeason(2029)).toEqual([]);
      });

      it('keeps the operator’s calendar corrections by season and event', async () => {
        expect(await store.getCalendarOverrides()).toEqual({});
        const entry = { at: '2027-03-04T21:00', certainty: 'V' as const, source: 'NRMP notice' };
        await store.saveCalendarOverride(2027, 'rol_deadline', entry);
        await store.saveCalendarOverride(2027, 'match_day', { ...entry, at: '2027-03-19T12:00' });
        await store.saveCalendarOverride(2027, 'rol_deadline', { ...entry, at: '2027-03-05T21:00' });
        expect(await store.getCalendarOverrides()).toEqual({
          '2027': { rol_deadline: { ...entry, at: '2027-03-05T21:00' }, match_day: { ...entry, at: '2027-03-19T12:00' } },
        });
      });
    });

    // ---- SMS conversation ------------------------------------------------------

    describe('inbound SMS dedupe', () => {
      test('a MessageSid is claimed once; a released claim can be taken again', async () => {
        const sid = 'SM' + 'a'.repeat(32);
        expect(await store.claimInboundSms(sid, NOW)).toBe(true);
        expect(await store.claimInboundSms(sid, LEASE_END)).toBe(false);
        expect(await store.claimInboundSms('SM' + 'b'.repeat(32), NOW)).toBe(true);
        await store.releaseInboundSms(sid);
        expect(await store.claimInboundSms(sid, NOW)).toBe(true);
        expect(await store.claimInboundSms(sid, NOW)).toBe(false);
        // Releasing what was never claimed is harmless.
        await store.releaseInboundSms('SM' + 'c'.repeat(32));
      });

      test('concurrent claims of one MessageSid: exactly one wins', async () => {
        const sid = 'SM' + 'd'.repeat(32);
        const wins = await Promise.all(Array.from({ length: 8 }, () => store.claimInboundSms(sid, NOW)));
        expect(wins.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('journal', () => {
      test('entries read back oldest first, per person, filtered by the text they answered', async () => {
        const note = journal({ entryId: 'SM03', at: at(3), kind: 'note', text: 'Long day, but I did 40 questions.' });
        const first = journal({ entryId: 'SM01', at: at(1), inReplyTo: 'm-checkin', response: { kind: 'score', score: 2 }, text: 'tired' });
        const second = journal({ entryId: 'SM02', at: at(2), inReplyTo: 'm-checkin', response: { kind: 'done' } });
        const other = journal({ entryId: 'SM04', at: at(2), inReplyTo: 'm-nudge', response: { kind: 'skip' } });
        for (const entry of [note, second, other, first]) await store.saveJournalEntry(entry);
        await store.saveJournalEntry(journal({ personId: 'p-ravi', entryId: 'SM09', inReplyTo: 'm-checkin' }));

        expect(await store.listJournalEntries('p-asha')).toEqual([first, second, other, note]);
        expect(await store.listJournalEntries('p-asha', { inReplyTo: 'm-checkin' })).toEqual([first, second]);
        expect(await store.listJournalEntries('p-asha', { inReplyTo: 'm-check' })).toEqual([]);
        expect(await store.listJournalEntries('p-nobody')).toEqual([]);
        for (const entry of await store.listJournalEntries('p-asha')) expectDomainShape(entry, JOURNAL_FIELDS);
      });

      test('saving the same entry again replaces it, and callers cannot change what is stored', async () => {
        const entry = journal({ inReplyTo: 'm-1', response: { kind: 'score', score: 4 } });
        await store.saveJournalEntry(entry);
        await store.saveJournalEntry({ ...entry, text: 'second try' });
        entry.text = 'changed by the caller';
        const [read] = await store.listJournalEntries('p-asha');
        expect(read).toEqual({ ...journal({ inReplyTo: 'm-1', response: { kind: 'score', score: 4 } }), text: 'second try' });
        read!.response!.score = 1;
        expect((await store.listJournalEntries('p-asha'))[0]?.response?.score).toBe(4);
      });
    });

    describe('safety events and alerts', () => {
      test("flags land in the person's record and in their month's alerts; lifting a hold only in the record", async () => {
        const risk = safety({ eventId: 'SM01', at: '2027-03-31T23:59:00.000Z', kind: 'risk', rule: 'risk:kill-self' });
        const distress = safety({ eventId: 'SM02', at: '2027-04-01T00:01:00.000Z', kind: 'distress', rule: 'distress:heavy-feeling' });
        const lifted = safety({ eventId: 'op-1', at: '2027-04-02T10:00:00.000Z', kind: 'hold-lifted', by: 'operator:sam' });
        const ravi = safety({ personId: 'p-ravi', eventId: 'SM03', at: '2027-04-03T10:00:00.000Z', kind: 'risk', rule: 'risk:want-die' });
        for (const event of [lifted, distress, ravi, risk]) await store.saveSafetyEvent(event);

        expect(await store.listSafetyEvents('p-asha')).toEqual([risk, distress, lifted]);
        for (const event of await store.listSafetyEvents('p-asha')) expectDomainShape(event, SAFETY_FIELDS);
        expect(await store.listSafetyEvents('p-nobody')).toEqual([]);
        expect(await store.listSafetyAlerts('2027-03')).toEqual([
          { personId: 'p-asha', eventId: 'SM01', at: risk.at, level: 'risk', rule: 'risk:kill-self' },
        ]);
        // Newest first: what an operator wants to see at the top.
        expect(await store.listSafetyAlerts('2027-04')).toEqual([
          { personId: 'p-ravi', eventId: 'SM03', at: ravi.at, level: 'risk', rule: 'risk:want-die' },
          { personId: 'p-asha', eventId: 'SM02', at: distress.at, level: 'distress', rule: 'distress:heavy-feeling' },
        ]);
        expect(await store.listSafetyAlerts('2027-05')).toEqual([]);
      });

      test('saving the same flag again keeps one record and one alert', async () => {
        const risk = safety({ eventId: 'SM01', kind: 'risk', rule: 'risk:kill-self' });
        await store.saveSafetyEvent(risk);
        await store.saveSafetyEvent(risk);
        expect(await store.listSafetyEvents('p-asha')).toEqual([risk]);
        expect(await store.listSafetyAlerts(risk.at.slice(0, 7))).toHaveLength(1);
      });
    });

    describe('delivery receipts', () => {
      test('a later state replaces an earlier one; an earlier or equal one changes nothing', async () => {
        const sent = message({ status: 'sent', dueAt: undefined, providerId: 'SM' + 'e'.repeat(32) });
        await store.createMessage(sent);
        const ref = { personId: 'p-asha', messageId: MESSAGE_ID };
        expect(await store.recordDelivery(ref, { status: 'sent', at: at(1) })).toEqual(sent);
        expect(await store.recordDelivery(ref, { status: 'queued', at: at(2) })).toBe(false);
        expect(await store.recordDelivery(ref, { status: 'sent', at: at(3) })).toBe(false);
        // Each recorded state hands back the message as it was: what the state moved from.
        expect(await store.recordDelivery(ref, { status: 'undelivered', at: at(4), errorCode: 30003 })).toEqual({ ...sent, delivery: { status: 'sent', at: at(1) } });
        expect(await store.getMessage('p-asha', MESSAGE_ID)).toEqual({ ...sent, delivery: { status: 'undelivered', at: at(4), errorCode: 30003 } });
        expectDomainShape(await store.getMessage('p-asha', MESSAGE_ID), MESSAGE_FIELDS);
        expect(await store.recordDelivery(ref, { status: 'delivered', at: at(5) })).toMatchObject({ delivery: { status: 'undelivered', errorCode: 30003 } });
        expect(await store.recordDelivery(ref, { status: 'failed', at: at(6), errorCode: 30008 })).toBe(false);
        expect((await store.getMessage('p-asha', MESSAGE_ID))?.delivery).toEqual({ status: 'delivered', at: at(5) });
      });

      test('a receipt for an unknown message creates nothing; a receipt never touches the plan', async () => {
        expect(await store.recordDelivery({ personId: 'p-asha', messageId: 'nope' }, { status: 'delivered', at: at(1) })).toBe(false);
        expect(await store.getMessage('p-asha', 'nope')).toBeUndefined();
        expect(await store.listMessages('p-asha')).toEqual([]);

        await store.createMessage(message({ dueAt: at(-1) }));
        expect(await store.recordDelivery({ personId: 'p-asha', messageId: MESSAGE_ID }, { status: 'sent', at: at(1) })).toMatchObject({ messageId: MESSAGE_ID });
        const [due] = await store.listDueMessages(NOW, 10);
        expect(due).toEqual({ personId: 'p-asha', messageId: MESSAGE_ID, dueAt: at(-1) });
        expect(await store.claimMessage(due!, { token: 't', until: LEASE_END, now: NOW })).toMatchObject({ status: 'claimed', delivery: { status: 'sent' } });
        expect(await store.finishMessage(due!, 't', { status: 'sent', attempt: attempt('sent'), providerId: 'SM1' })).toBe(true);
        expect((await store.getMessage('p-asha', MESSAGE_ID))?.delivery).toEqual({ status: 'sent', at: at(1) });
      });

      test('receipts racing each other converge to the latest state', async () => {
        await store.createMessage(message({ status: 'sent', dueAt: undefined }));
        const ref = { personId: 'p-asha', messageId: MESSAGE_ID };
        const reports = [...DELIVERY_STATUSES].reverse().map((status, i) => ({ status, at: at(i) }));
        const results = await Promise.all(reports.map((d) => store.recordDelivery(ref, d)));
        expect(results.some(Boolean)).toBe(true);
        expect((await store.getMessage('p-asha', MESSAGE_ID))?.delivery?.status).toBe('read');
      });
    });

    // ---- Email subscription ---------------------------------------------------

    describe('confirmation link nonces', () => {
      test('a nonce is spent once; others are not affected', async () => {
        const expires = new Date('2027-03-04T12:00:00.000Z');
        expect(await store.consumeTokenNonce('nonce-aaaaaaaa', expires)).toBe(true);
        expect(await store.consumeTokenNonce('nonce-aaaaaaaa', expires)).toBe(false);
        expect(await store.consumeTokenNonce('nonce-bbbbbbbb', expires)).toBe(true);
      });

      test('of eight concurrent uses of one nonce exactly one wins', async () => {
        const wins = await Promise.all(Array.from({ length: 8 }, () => store.consumeTokenNonce('nonce-cccccccc', LEASE_END)));
        expect(wins.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('person notices (flood guard)', () => {
      test('a notice is claimed once until its time is up, per person and per notice', async () => {
        await store.savePerson(person());
        const until = new Date(NOW.getTime() + 600_000);
        expect(await store.claimPersonNotice('p-asha', 'confirm-email', NOW, until)).toBe(true);
        expect(await store.claimPersonNotice('p-asha', 'confirm-email', new Date(until.getTime() - 1), new Date(until.getTime() + 600_000))).toBe(false);
        expect(await store.claimPersonNotice('p-asha', 'already-subscribed', NOW, until)).toBe(true);
        expect(await store.claimPersonNotice('p-ravi', 'confirm-email', NOW, until)).toBe(true);
        expect(await store.claimPersonNotice('p-asha', 'confirm-email', until, new Date(until.getTime() + 600_000))).toBe(true);
        // A notice is no message and no enrollment: nothing else of the person's shows it.
        expect(await store.listMessages('p-asha')).toEqual([]);
        expect(await store.listEnrollments('p-asha')).toEqual([]);
        expect(await store.getPerson('p-asha')).toEqual(person());
      });

      test('of eight concurrent claims exactly one wins', async () => {
        const until = new Date(NOW.getTime() + 600_000);
        const wins = await Promise.all(Array.from({ length: 8 }, () => store.claimPersonNotice('p-asha', 'confirm-email', NOW, until)));
        expect(wins.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('people: sign-up fields', () => {
      test('specialty and the counselor choice read back exactly', async () => {
        const asha = person({ specialty: 'Internal medicine, maybe nephrology', showPlanToCounselor: true });
        await store.savePerson(asha);
        expect(await store.getPerson('p-asha')).toEqual(asha);
        expectDomainShape(await store.getPerson('p-asha'), PERSON_FIELDS);
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

    async function createAndClaim(token: string) {
      await store.createMessage(message({ dueAt: at(-1) }));
      const [ref] = await store.listDueMessages(NOW, 10);
      expect(await store.claimMessage(ref!, { token, until: LEASE_END, now: NOW })).toBeDefined();
      return ref!;
    }
  });
}

const NOW = new Date('2027-03-01T12:00:00.000Z');
const LEASE_END = new Date('2027-03-01T12:05:00.000Z');
const RETRY_AT = new Date('2027-03-01T12:30:00.000Z');
const MESSAGE_ID = 'e-1.step-1.0.sms';

/** An ISO instant `minutes` from NOW. */
function at(minutes: number): string {
  return new Date(NOW.getTime() + minutes * 60_000).toISOString();
}

function attempt(outcome: Attempt['outcome']): Attempt {
  return { at: NOW.toISOString(), outcome, detail: `${outcome} at the provider` };
}

export const PROFILE: Profile = {
  season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: ['step1'], wellbeing: 'ok',
};

/**
 * Most of this contract is about records (messages, journal, plans) and not about who they
 * belong to; the store only writes those for someone who is there. This wrapper creates whoever
 * a write names, as a sign-up would have (a bare profile, no contacts), and lets savePerson
 * create as well as change: the tests read as before. The erasure tests use the store itself.
 */
function withPeopleOnDemand(store: Store): Store {
  const ensure = async (personId: string) => {
    if (await store.getPerson(personId)) return;
    const { email: _e, phone: _p, ...bare } = person({ personId });
    await store.createPeople([{ person: bare, enrollments: [] }]);
  };
  return {
    ...store,
    async savePerson(p) {
      if (await store.getPerson(p.personId)) return store.savePerson(p);
      const { notCreated } = await store.createPeople([{ person: p, enrollments: [] }]);
      if (notCreated.length > 0) throw new Error(`test setup: ${p.personId} could not be created (an email or phone is taken)`);
    },
    async saveEnrollment(e) {
      await ensure(e.personId);
      return store.saveEnrollment(e);
    },
    async createMessage(m) {
      await ensure(m.personId);
      return store.createMessage(m);
    },
    async saveJournalEntry(e) {
      await ensure(e.personId);
      return store.saveJournalEntry(e);
    },
    async saveSafetyEvent(e) {
      await ensure(e.personId);
      return store.saveSafetyEvent(e);
    },
    async claimPersonNotice(personId, notice, now, until) {
      await ensure(personId);
      return store.claimPersonNotice(personId, notice, now, until);
    },
    async savePlan(plan, expected) {
      await ensure(plan.personId);
      return store.savePlan(plan, expected);
    },
  };
}

function person(overrides: Partial<Person> = {}): Person {
  return {
    personId: 'p-asha',
    firstName: 'Asha',
    email: 'asha@example.com',
    phone: '+919812345678',
    timeZone: 'Asia/Kolkata',
    consent: {
      email: { state: 'confirmed', source: 'web', at: '2027-01-02T03:04:05.000Z', text: 'Email me reminders' },
      sms: { state: 'pending', source: 'operator', at: '2027-01-02T03:04:05.000Z', text: 'Text me reminders' },
    },
    quietHours: { start: '21:00', end: '08:00' },
    profile: PROFILE,
    createdAt: '2027-01-02T03:04:05.000Z',
    ...overrides,
  };
}

function enrollment(overrides: Partial<Enrollment> = {}): Enrollment {
  return {
    personId: 'p-asha',
    enrollmentId: 'e-1',
    sequenceId: 'match-week',
    anchors: { matchDay: '2027-03-19', rankDeadline: '2027-03-03T21:00:00-05:00' },
    enrolledAt: '2027-01-02T03:04:05.000Z',
    status: 'active',
    ...overrides,
  };
}

function message(overrides: Partial<Message> = {}): Message {
  const base: Message = {
    personId: 'p-asha',
    messageId: MESSAGE_ID,
    enrollmentId: 'e-1',
    sequenceId: 'match-week',
    stepId: 'step-1',
    channel: 'sms',
    to: '+919812345678',
    zone: 'Asia/Kolkata',
    firstName: 'Asha',
    profile: PROFILE,
    anchors: { matchDay: '2027-03-19' },
    quietHours: { start: '21:00', end: '08:00' },
    sendAt: at(-1),
    deadlineAt: at(120),
    status: 'planned',
    dueAt: at(-1),
    attempts: [],
    updatedAt: '2027-02-01T00:00:00.000Z',
  };
  // An explicit `undefined` in overrides means "leave the field out", as a stored record would.
  const merged: Record<string, unknown> = { ...base, ...overrides };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return merged as unknown as Message;
}

function journal(overrides: Partial<JournalEntry> = {}): JournalEntry {
  return { personId: 'p-asha', entryId: 'SM' + '0'.repeat(32), at: at(0), kind: 'checkin', ...overrides };
}

function safety(overrides: Partial<SafetyEvent> = {}): SafetyEvent {
  return { personId: 'p-asha', eventId: 'SM' + '0'.repeat(32), at: at(0), kind: 'risk', rule: 'risk:kill-self', ...overrides };
}

const JOURNAL_FIELDS = ['personId', 'entryId', 'at', 'kind', 'text', 'inReplyTo', 'response', 'safety'];
const SAFETY_FIELDS = ['personId', 'eventId', 'at', 'kind', 'rule', 'by'];

const PERSON_FIELDS = ['personId', 'firstName', 'email', 'phone', 'timeZone', 'consent', 'quietHours', 'profile', 'recentScores', 'createdAt',
  // Email subscription
  'specialty', 'showPlanToCounselor'];
const ENROLLMENT_FIELDS = ['personId', 'enrollmentId', 'sequenceId', 'anchors', 'enrolledAt', 'status'];
const MESSAGE_FIELDS = [
  'personId', 'messageId', 'enrollmentId', 'sequenceId', 'stepId', 'channel', 'to', 'zone', 'firstName', 'profile', 'anchors',
  'quietHours', 'sendAt',
  'deadlineAt', 'status', 'dueAt', 'lease', 'attempts', 'providerId', 'reason', 'updatedAt', 'delivery', 'urgent',
];

/** Storage attributes (pk, sk, due keys, TTL) must never leak into what callers get. */
function expectDomainShape(value: object | undefined, allowed: readonly string[]): void {
  expect(value).toBeDefined();
  const extra = Object.keys(value!).filter((key) => !allowed.includes(key));
  expect(extra).toEqual([]);
}
