import type { CounselorStore } from '../../shared/ports/counselor';
import type { CohortStore } from '../../shared/ports/cohorts';
import { onFreshCounselorPort, type CounselorPortUnderTest } from './counselor-ports';
import { AT, cohort, counselor } from './counselor-fixtures';

/**
 * What cohorts' twin and repository must do: the memory twin and the DynamoDB repository both run
 * it, so the twin the API tests rely on cannot drift from the table. Members: cohort-members-contract.ts.
 */
export function describeCohortsContract(name: string, make: () => Promise<CounselorPortUnderTest<CohortStore>>): void {
  describe(`CohortStore contract: ${name}`, () => {
    /** The port under test: every assertion reads through it. */
    let store: CohortStore;
    /** The whole counselor store on the same data, for setup. */
    let setup: CounselorStore;

    onFreshCounselorPort(make, (fresh) => {
      store = fresh.port;
      setup = fresh.store;
    });

    test('cohorts are per org and saving replaces; nothing else of the org is listed as a cohort', async () => {
      await setup.saveOrganisation({ orgId: 'org-a', name: 'Alpha', createdAt: AT });
      await setup.saveCounselor(counselor('c-1', 'org-a'));
      await store.saveCohort(cohort('k-2', 'org-a'));
      await store.saveCohort(cohort('k-1', 'org-a', { anchorOverrides: { interviewDay: '2026-12-01' } }));
      await store.saveCohort(cohort('k-1', 'org-b', { name: 'Other' }));
      expect(await store.getCohort('org-a', 'k-1')).toEqual(cohort('k-1', 'org-a', { anchorOverrides: { interviewDay: '2026-12-01' } }));
      expect((await store.listCohorts('org-a')).map((c) => c.cohortId)).toEqual(['k-1', 'k-2']);
      expect((await store.listCohorts('org-b')).map((c) => c.name)).toEqual(['Other']);
      await store.saveCohort(cohort('k-2', 'org-a', { name: 'Renamed', archived: true }));
      expect(await store.getCohort('org-a', 'k-2')).toMatchObject({ name: 'Renamed', archived: true });
      expect(await store.getCohort('org-c', 'k-1')).toBeUndefined();
      expect(await store.listCohorts('org-c')).toEqual([]);
    });
  });
}
