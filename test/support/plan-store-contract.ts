import type { Plan } from '../../shared/domain/plan';
import type { Store } from '../../shared/ports';
import { ensurePerson, seedPerson } from './seed';
import { PersonGone } from '../../shared/domain/errors';

/**
 * What every plan store must do: the memory twin and the DynamoDB store both run it.
 * Each test gets a fresh, empty store.
 */
export function describePlanStoreContract(name: string, makeStore: () => Promise<{ store: Store; teardown(): Promise<void> }>): void {
  describe(`PlanStore contract: ${name}`, () => {
    let store: Store;
    let teardown: () => Promise<void>;
    beforeEach(async () => {
      ({ store, teardown } = await makeStore());
      // Plans are kept only for someone who is there (the store refuses anyone else).
      await ensurePerson(store, 'p-asha');
      await ensurePerson(store, 'p-ravi');
    });
    afterEach(async () => {
      await teardown();
    });

    const plan = (over: Partial<Plan> = {}): Plan => ({
      personId: 'p-asha',
      nextNo: 3,
      deadlines: [
        { id: 'd1', title: 'Letter from Dr Rao', kind: 'documents', date: '2027-01-20', internalDate: '2027-01-13' },
        { id: 'd2', title: 'DS-2019 appointment', kind: 'visa', date: '2027-02-15', time: '10:30', zone: 'Asia/Kolkata', internalDate: '2027-02-01' },
      ],
      internal: { 'season:rol_deadline': '2027-02-20' },
      week: { weekOf: '2026-11-30', goals: [{ text: '40 questions a day' }, { text: 'Email Dr Rao', doneAt: '2026-12-01T06:00:00.000Z' }] },
      daily: 'One block of questions',
      longTerm: [],
      updatedAt: '2026-12-01T06:00:00.000Z',
      ...over,
    });

    test('a saved plan reads back exactly; a person without one has none', async () => {
      expect(await store.getPlan('p-asha')).toBeUndefined();
      expect(await store.savePlan(plan(), undefined)).toBe(true);
      expect(await store.getPlan('p-asha')).toEqual(plan());
      expect(await store.getPlan('p-ravi')).toBeUndefined();
    });

    test('a save succeeds only on the version it read', async () => {
      await store.savePlan(plan(), undefined);
      // A second "first save" loses: someone created the plan in between.
      expect(await store.savePlan(plan({ daily: 'other' }), undefined)).toBe(false);
      const next = plan({ deadlines: [], updatedAt: '2026-12-01T06:05:00.000Z' });
      expect(await store.savePlan(next, '2026-12-01T06:00:00.000Z')).toBe(true);
      // An edit based on the old version is refused and changes nothing.
      expect(await store.savePlan(plan({ daily: 'stale', updatedAt: '2026-12-01T06:06:00.000Z' }), '2026-12-01T06:00:00.000Z')).toBe(false);
      expect(await store.getPlan('p-asha')).toEqual(next);
    });

    test('an invalid plan is refused before anything is written', async () => {
      const tooMany = plan({ week: { weekOf: '2026-11-30', goals: Array.from({ length: 6 }, (_, i) => ({ text: `goal ${i}` })) } });
      await expect(store.savePlan(tooMany, undefined)).rejects.toThrow();
      expect(await store.getPlan('p-asha')).toBeUndefined();
    });

    test('nobody keeps a plan for someone who is not there', async () => {
      await expect(store.savePlan(plan({ personId: 'p-never' }), undefined)).rejects.toBeInstanceOf(PersonGone);
      expect(await store.getPlan('p-never')).toBeUndefined();
    });

    test('erasing the person takes the plan with them', async () => {
      await seedPerson(store, {
        personId: 'p-asha', timeZone: 'Asia/Kolkata', consent: {}, createdAt: '2026-11-01T00:00:00.000Z',
        profile: { season: 2027, applicantType: 'non-us-img', visaTrack: 'j1', attempt: 1, outcome: 'applying', done: [], wellbeing: 'ok' },
      });
      await store.savePlan(plan(), undefined);
      await store.savePlan(plan({ personId: 'p-ravi' }), undefined);
      expect(await store.erasePerson('p-asha')).toBeGreaterThanOrEqual(2);
      expect(await store.getPlan('p-asha')).toBeUndefined();
      expect(await store.getPlan('p-ravi')).toEqual(plan({ personId: 'p-ravi' }));
    });
  });
}
