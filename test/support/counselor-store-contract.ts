import type { CounselorStore } from '../../shared/ports/counselor';
import { onFreshCounselorPort, type CounselorPortUnderTest } from './counselor-ports';
import { member } from './counselor-fixtures';

/**
 * What the whole CounselorStore must do across its aggregates: forgetting a person (their
 * memberships both ways, and what they added to their cohorts' figures). The memory store and
 * the DynamoDB store (the facades over a twin or repository a port) both run it. Each port's own
 * behaviour is its own contract (organisations-contract.ts and the others beside this one).
 */
export function describeCounselorStoreContract(name: string, make: () => Promise<CounselorPortUnderTest<CounselorStore>>): void {
  describe(`CounselorStore contract: ${name}`, () => {
    let store: CounselorStore;

    onFreshCounselorPort(make, (fresh) => {
      store = fresh.port;
    });

    test('forgetting a person removes every membership, both ways, and is idempotent', async () => {
      await store.saveCohortMember(member('org-a', 'k-1', 'p-1'));
      await store.saveCohortMember(member('org-b', 'k-1', 'p-1'));
      await store.saveCohortMember(member('org-a', 'k-1', 'p-2'));
      expect(await store.forgetPerson('p-1')).toBe(2);
      expect(await store.cohortsOfPerson('p-1')).toEqual([]);
      expect((await store.listCohortMembers('org-a', 'k-1')).map((m) => m.personId)).toEqual(['p-2']);
      expect(await store.listCohortMembers('org-b', 'k-1')).toEqual([]);
      expect(await store.forgetPerson('p-1')).toBe(0);
    });
  });
}
