import type { EnrollmentStore } from '../../shared/ports/enrollments';
import type { Store } from '../../shared/ports';
import { onFreshPort, type PortUnderTest } from './store-ports';
import { ENROLLMENT_FIELDS, crowd, enrollment, expectDomainShape, message, person } from './store-fixtures';

/**
 * What the enrollments' twin and repository must do: the memory twin and the DynamoDB repository
 * both run it. Each test gets a fresh, empty store.
 */
export function describeEnrollmentsContract(name: string, make: () => Promise<PortUnderTest<EnrollmentStore>>): void {
  describe(`EnrollmentStore contract: ${name}`, () => {
    /** The port under test: every assertion reads through it. */
    let store: EnrollmentStore;
    /** The whole store on the same data, for setup only. */
    let setup: Store;

    onFreshPort(make, (fresh) => {
      store = fresh.port;
      setup = fresh.store;
    });

    describe('many people at once (an import)', () => {
      test("reads many people's enrollments at once, each as listEnrollments lists it, and nothing else of theirs", async () => {
        const people = crowd(120);
        await setup.createPeople(people);
        // Written later but sorting first, and items of other kinds in the same partitions.
        await store.saveEnrollment(enrollment({ personId: 'p-crowd-0000', enrollmentId: 'e-0-0', status: 'ended' }));
        await setup.createMessage(message({ personId: 'p-crowd-0001', messageId: 'e-1-a.s1.0.sms', enrollmentId: 'e-1-a' }));
        await setup.savePerson(person({ personId: 'p-none', email: 'none@example.com', phone: '+15550000009' }));
        const ids = [...people.map(({ person: p }) => p.personId).reverse(), 'p-none', 'p-nobody'];
        const found = await store.listEnrollmentsOf(ids);
        expect([...found.keys()].sort()).toEqual([...ids].sort());
        for (const id of ids) expect(found.get(id)).toEqual(await store.listEnrollments(id));
        expect(found.get('p-crowd-0000')!.map((e) => e.enrollmentId)).toEqual(['e-0-0', 'e-0-a', 'e-0-b']);
        expect(found.get('p-none')).toEqual([]);
        expectDomainShape(found.get('p-crowd-0007')![0], ENROLLMENT_FIELDS);
        expect(await store.listEnrollmentsOf([])).toEqual(new Map());
      });
    });

    describe('enrollments', () => {
      test('round trip, overwrite and a list of only that person, by enrollment id', async () => {
        await store.saveEnrollment(enrollment({ enrollmentId: 'e-2' }));
        await store.saveEnrollment(enrollment({ enrollmentId: 'e-1' }));
        await store.saveEnrollment(enrollment({ personId: 'p-ravi', enrollmentId: 'e-9' }));
        await setup.createMessage(message({ messageId: 'e-1.s1.0.sms' }));

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
  });
}
