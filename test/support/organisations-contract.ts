import type { CounselorStore } from '../../shared/ports/counselor';
import type { OrganisationStore } from '../../shared/ports/organisations';
import { onFreshCounselorPort, type CounselorPortUnderTest } from './counselor-ports';
import { AT, cohort, counselor } from './counselor-fixtures';

/**
 * What organisations' twin and repository must do: the memory twin and the DynamoDB repository
 * both run it, so the twin the API tests rely on cannot drift from the table.
 */
export function describeOrganisationsContract(name: string, make: () => Promise<CounselorPortUnderTest<OrganisationStore>>): void {
  describe(`OrganisationStore contract: ${name}`, () => {
    /** The port under test: every assertion reads through it. */
    let store: OrganisationStore;
    /** The whole counselor store on the same data, for setup. */
    let setup: CounselorStore;

    onFreshCounselorPort(make, (fresh) => {
      store = fresh.port;
      setup = fresh.store;
    });

    test('organisations read back exactly, per org', async () => {
      await store.saveOrganisation({ orgId: 'org-a', name: 'Alpha Advising', createdAt: AT });
      await setup.saveCounselor(counselor('c-2', 'org-a'));
      await setup.saveCounselor(counselor('c-1', 'org-a', { role: 'admin' }));
      await setup.saveCounselor(counselor('c-9', 'org-b'));
      expect(await store.getOrganisation('org-a')).toEqual({ orgId: 'org-a', name: 'Alpha Advising', createdAt: AT });
      expect(await store.getOrganisation('org-b')).toBeUndefined();
    });

    test('every organisation is listed once, by id, however often it is saved; nothing else is listed as one', async () => {
      expect(await store.listOrganisations()).toEqual([]);
      await store.saveOrganisation({ orgId: 'org-b', name: 'Beta', createdAt: AT });
      await store.saveOrganisation({ orgId: 'org-a', name: 'Alpha', createdAt: AT });
      await store.saveOrganisation({ orgId: 'org-a', name: 'Alpha renamed', createdAt: AT });
      await store.saveOrganisation({ orgId: 'Org-C', name: 'Gamma', createdAt: AT });
      // Counselors, cohorts and members of an org, or of one never saved, are not organisations.
      await setup.saveCounselor(counselor('c-1', 'org-a'));
      await setup.saveCounselor(counselor('c-2', 'org-unsaved'));
      await setup.saveCohort(cohort('k-1', 'org-a'));
      expect(await store.listOrganisations()).toEqual(['Org-C', 'org-a', 'org-b']);
      expect((await store.getOrganisation('org-a'))?.name).toBe('Alpha renamed');
    });
  });
}
