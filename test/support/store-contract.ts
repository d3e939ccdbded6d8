import type { Attempt, Enrollment, Message, Person, Profile } from '../../shared/domain/model';
import type { Store } from '../../shared/ports';

/**
 * The behaviour every Store adapter must show. The memory twin and the DynamoDB store both run
 * it, so the twin the unit tests rely on cannot drift from the real thing (DESIGN.md, tier 2).
 * Each test gets a fresh, empty store; all times are fixed instants.
 */
export function describeStoreContract(
  name: string,
  makeStore: () => Promise<{ store: Store; teardown(): Promise<void> }>,
): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let teardown: () => Promise<void>;

    beforeEach(async () => {
      ({ store, teardown } = await makeStore());
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

      test("leaving a number that someone else has taken since keeps that person's lookup", async () => {
        await store.savePerson(person());
        await store.savePerson(person({ personId: 'p-ravi', phone: '+919812345678', email: 'ravi@example.org' }));
        await store.savePerson(person({ phone: '+919811111111' }));
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

    describe('enrollments', () => {
      test('round trip, overwrite and a list of only that person, by enrollment id', async () => {
        await store.saveEnrollment(enrollment({ enrollmentId: 'e-2' }));
        await store.saveEnrollment(enrollment({ enrollmentId: 'e-1' }));
        await store.saveEnrollment(enrollment({ personId: 'p-ravi', enrollmentId: 'e-9' }));
        await store.createMessage(message({ messageId: 'e-1.s1.0.sms' }));

        expect(await store.getEnrollment('p-asha', 'e-1')).toEqual(enrollment({ enrollmentId: 'e-1' }));
        expectDomainShape(await store.getEnrollment('p-asha', 'e-1'), ENROLLMENT_FIELDS);
        expect(await store.getEnrollment('p-asha', 'e-404')).toBeUndefined();
        expect((await store.listEnrollments('p-asha')).map((e) => e.enrollmentId)).toEqual(['e-1', 'e-2']);
        expect(await store.listEnrollments('p-nobody')).toEqual([]);

        await store.saveEnrollment(enrollment({ enrollmentId: 'e-1', status: 'ended' }));
        expect((await store.getEnrollment('p-asha', 'e-1'))?.status).toBe('ended');
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

    describe('claiming', () => {
      test('only the first of two claims with the same ref wins; the winner gets the claimed message', async () => {
        await store.createMessage(message({ dueAt: at(-1) }));
        const [ref] = await store.listDueMessages(NOW, 10);
        const won = await store.claimMessage(ref!, { token: 'd1', until: LEASE_END, now: NOW });
        expect(won).toEqual({
          ...message({ dueAt: LEASE_END.toISOString() }),
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

      test('a claimed message is not due until its lease ends, then comes back and can be re-claimed', async () => {
        await store.createMessage(message({ dueAt: at(-1) }));
        const [ref] = await store.listDueMessages(NOW, 10);
        await store.claimMessage(ref!, { token: 'dead-dispatcher', until: LEASE_END, now: NOW });

        expect(await store.listDueMessages(NOW, 10)).toEqual([]);
        expect(await store.listDueMessages(new Date(LEASE_END.getTime() - 1), 10)).toEqual([]);
        const [back] = await store.listDueMessages(LEASE_END, 10);
        expect(back).toEqual({ personId: 'p-asha', messageId: MESSAGE_ID, dueAt: LEASE_END.toISOString() });

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

        expect(await store.cancelPendingMessages('p-asha', 'sms-consent-revoked', NOW, 'sms')).toBe(3);

        const byId = new Map((await store.listMessages('p-asha')).map((m) => [m.messageId, m]));
        for (const id of ['sms-planned', 'sms-undated', 'sms-expired']) {
          const skipped = byId.get(id)!;
          expect(skipped.status).toBe('skipped');
          expect(skipped.reason).toBe('sms-consent-revoked');
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

const PERSON_FIELDS = ['personId', 'firstName', 'email', 'phone', 'timeZone', 'consent', 'quietHours', 'profile', 'recentScores', 'createdAt'];
const ENROLLMENT_FIELDS = ['personId', 'enrollmentId', 'sequenceId', 'anchors', 'enrolledAt', 'status'];
const MESSAGE_FIELDS = [
  'personId', 'messageId', 'enrollmentId', 'sequenceId', 'stepId', 'channel', 'to', 'zone', 'firstName', 'profile', 'anchors',
  'quietHours', 'sendAt',
  'deadlineAt', 'status', 'dueAt', 'lease', 'attempts', 'providerId', 'reason', 'updatedAt',
];

/** Storage attributes (pk, sk, due keys, TTL) must never leak into what callers get. */
function expectDomainShape(value: object | undefined, allowed: readonly string[]): void {
  expect(value).toBeDefined();
  const extra = Object.keys(value!).filter((key) => !allowed.includes(key));
  expect(extra).toEqual([]);
}
