import type { CounselorStore } from '../../shared/ports/counselor';
import type { CounselorRecordStore } from '../../shared/ports/counselor-records';
import { onFreshCounselorPort, type CounselorPortUnderTest } from './counselor-ports';
import { AT, counselor } from './counselor-fixtures';

/**
 * What counselor records' twin and repository must do: the memory twin and the DynamoDB
 * repository both run it, so the twin the API tests rely on cannot drift from the table.
 */
export function describeCounselorRecordsContract(name: string, make: () => Promise<CounselorPortUnderTest<CounselorRecordStore>>): void {
  describe(`CounselorRecordStore contract: ${name}`, () => {
    /** The port under test: every assertion reads through it. */
    let store: CounselorRecordStore;
    /** The whole counselor store on the same data, for setup. */
    let setup: CounselorStore;

    onFreshCounselorPort(make, (fresh) => {
      store = fresh.port;
      setup = fresh.store;
    });

    test('counselors read back exactly, per org', async () => {
      await setup.saveOrganisation({ orgId: 'org-a', name: 'Alpha Advising', createdAt: AT });
      await store.saveCounselor(counselor('c-2', 'org-a'));
      await store.saveCounselor(counselor('c-1', 'org-a', { role: 'admin' }));
      await store.saveCounselor(counselor('c-9', 'org-b'));
      expect(await store.getCounselor('org-a', 'c-1')).toEqual(counselor('c-1', 'org-a', { role: 'admin' }));
      // Another org's id reads nothing, even with the right counselor id.
      expect(await store.getCounselor('org-b', 'c-1')).toBeUndefined();
      expect((await store.listCounselors('org-a')).map((c) => c.counselorId)).toEqual(['c-1', 'c-2']);
      expect(await store.listCounselors('org-b')).toEqual([counselor('c-9', 'org-b')]);
      // Saving again replaces.
      await store.saveCounselor(counselor('c-2', 'org-a', { settings: { crisisAlerts: false, weeklyDigest: true } }));
      expect((await store.getCounselor('org-a', 'c-2'))?.settings.crisisAlerts).toBe(false);
      // Deleting is per org: the same id in another org is untouched; deleting twice is harmless.
      await store.saveCounselor(counselor('c-2', 'org-b'));
      await store.deleteCounselor('org-a', 'c-2');
      await store.deleteCounselor('org-a', 'c-2');
      expect(await store.getCounselor('org-a', 'c-2')).toBeUndefined();
      expect(await store.getCounselor('org-b', 'c-2')).toBeDefined();
    });
  });
}
