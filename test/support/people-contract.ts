import type { PeopleStore } from '../../shared/ports/people';
import { onFreshPort, type PortUnderTest } from './store-ports';
import { PERSON_FIELDS, PROFILE, crowd, expectDomainShape, person } from './store-fixtures';

/**
 * What people's twin and repository must do (profiles, lookups, seasons): the memory twin and the
 * DynamoDB repository both run it. Creating people and erasure span aggregates: store-contract.ts.
 * Each test gets a fresh, empty store; all times are fixed instants.
 */
type PeopleRecords = Omit<PeopleStore, 'createPeople' | 'erasePerson' | 'beginErasure'>;

export function describePeopleContract(name: string, make: () => Promise<PortUnderTest<PeopleRecords>>): void {
  describe(`PeopleStore contract: ${name}`, () => {
    /** The port under test: every assertion reads through it. */
    let store: PeopleRecords;
    /** The port itself, without the convenience of creating people on a save. */
    let rawStore: PeopleRecords;

    onFreshPort(make, (fresh) => {
      store = fresh.port;
      rawStore = fresh.raw;
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
    });

    describe('seasons', () => {
      it('lists the people of a season, following a change of season', async () => {
        await store.savePerson(person());
        await store.savePerson(person({ personId: 'p-ravi', email: 'ravi@example.com', phone: '+923001234567' }));
        expect((await store.listPersonIdsInSeason(2027)).sort()).toEqual(['p-asha', 'p-ravi']);
        await store.savePerson(person({ personId: 'p-ravi', email: 'ravi@example.com', phone: '+923001234567', profile: { ...PROFILE, season: 2028 } }));
        expect(await store.listPersonIdsInSeason(2027)).toEqual(['p-asha']);
        expect(await store.listPersonIdsInSeason(2028)).toEqual(['p-ravi']);
        expect(await store.listPersonIdsInSeason(2029)).toEqual([]);
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
  });
}
