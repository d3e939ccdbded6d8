import type { CohortMember } from '../../shared/domain/counselor';
import type { CounselorStore } from '../../shared/ports/counselor';
import type { CohortMemberStore } from '../../shared/ports/cohort-members';
import type { Store } from '../../shared/ports';
import { PersonGone } from '../../shared/domain/errors';
import { onFreshCounselorPort, type CounselorPortUnderTest } from './counselor-ports';
import { AT, LATER, member } from './counselor-fixtures';

/**
 * What cohort memberships' twin and repository must do, their member counts included: the memory
 * twin and the DynamoDB repository both run it, so the twin the API tests rely on cannot drift
 * from the table. Forgetting a person spans aggregates (their engagement figures go too), so it is
 * the whole store's (counselor-store-contract.ts); here it is only a step of setup.
 */
type CohortMembers = Omit<CohortMemberStore, 'forgetPerson'>;

export function describeCohortMembersContract(name: string, make: () => Promise<CounselorPortUnderTest<CohortMembers>>): void {
  describe(`CohortMemberStore contract: ${name}`, () => {
    /** The port under test: every assertion reads through it. */
    let store: CohortMembers;
    /** The whole counselor store on the same data, for setup. */
    let setup: CounselorStore;
    /** The Store beside it, where members live. */
    let people: Store;

    onFreshCounselorPort(make, (fresh) => {
      store = fresh.port;
      setup = fresh.store;
      people = fresh.people;
    });

    test('members list per cohort, and a person finds their cohorts in every org', async () => {
      await store.saveCohortMember(member('org-a', 'k-1', 'p-2'));
      await store.saveCohortMember(member('org-a', 'k-1', 'p-1'));
      await store.saveCohortMember(member('org-a', 'k-2', 'p-1'));
      await store.saveCohortMember(member('org-b', 'k-1', 'p-1'));
      expect((await store.listCohortMembers('org-a', 'k-1')).map((m) => m.personId)).toEqual(['p-1', 'p-2']);
      expect(await store.listCohortMembers('org-b', 'k-2')).toEqual([]);
      expect(await store.getCohortMember('org-a', 'k-1', 'p-2')).toEqual(member('org-a', 'k-1', 'p-2'));
      expect(await store.getCohortMember('org-b', 'k-1', 'p-2')).toBeUndefined();
      expect((await store.cohortsOfPerson('p-1')).map((m) => `${m.orgId}/${m.cohortId}`)).toEqual(['org-a/k-1', 'org-a/k-2', 'org-b/k-1']);
      expect(await store.cohortsOfPerson('p-nobody')).toEqual([]);

      const removed = member('org-a', 'k-1', 'p-1', { status: 'removed', removedAt: LATER });
      await store.saveCohortMember(removed);
      expect(await store.getCohortMember('org-a', 'k-1', 'p-1')).toEqual(removed);
      expect((await store.cohortsOfPerson('p-1'))[0]).toEqual(removed);
    });

    test('many members at once read back like one at a time, and in the person’s direction too', async () => {
      const many = Array.from({ length: 30 }, (_, i) => member('org-a', 'k-1', `p-${String(i).padStart(2, '0')}`, i % 2 ? { invited: { email: AT } } : {}));
      await store.saveCohortMembers(many);
      expect(await store.listCohortMembers('org-a', 'k-1')).toEqual(many);
      expect(await store.cohortsOfPerson('p-07')).toEqual([many[7]]);
      await store.saveCohortMembers([]);
      await store.saveCohortMembers(many.slice(0, 3).map((m) => ({ ...m, status: 'removed' as const, removedAt: LATER })));
      expect((await store.listCohortMembers('org-a', 'k-1')).filter((m) => m.status === 'removed')).toHaveLength(3);
    });

    test('no membership for someone who is not there or is being erased: refused, and nothing written', async () => {
      await expect(store.saveCohortMember(member('org-a', 'k-1', 'p-never'))).rejects.toBeInstanceOf(PersonGone);
      await people.beginErasure('p-2', new Date(AT));
      await expect(store.saveCohortMember(member('org-a', 'k-1', 'p-2'))).rejects.toBeInstanceOf(PersonGone);
      const { gone } = await store.saveCohortMembers([member('org-a', 'k-1', 'p-01'), member('org-a', 'k-1', 'p-2'), member('org-a', 'k-1', 'p-never')]);
      expect(gone.sort()).toEqual(['p-2', 'p-never']);
      expect((await store.listCohortMembers('org-a', 'k-1')).map((m) => m.personId)).toEqual(['p-01']);
      expect(await store.cohortsOfPerson('p-never')).toEqual([]);
      expect(await store.cohortsOfPerson('p-2')).toEqual([]);
    });

    test('member counts follow every write: answers, removals, deletions, batches, erasure; the same row again counts once', async () => {
      const answered = (personId: string, state: 'pending' | 'accepted' | 'declined', overrides: Partial<CohortMember> = {}) =>
        member('org-a', 'k-1', personId, { consent: { state, at: AT }, ...overrides });
      await store.saveCohortMember(member('org-a', 'k-1', 'p-1'));
      await store.saveCohortMember(member('org-a', 'k-1', 'p-1'));
      await store.saveCohortMember(answered('p-2', 'pending'));
      expect(await store.countMembers('org-a', 'k-1')).toEqual({ accepted: 0, pending: 2, declined: 0 });
      await store.saveCohortMember(answered('p-1', 'accepted'));
      await store.saveCohortMember(answered('p-2', 'declined'));
      expect(await store.countMembers('org-a', 'k-1')).toEqual({ accepted: 1, pending: 0, declined: 1 });
      await store.saveCohortMember(answered('p-1', 'accepted', { status: 'removed', removedAt: LATER }));
      expect(await store.countMembers('org-a', 'k-1')).toEqual({ accepted: 0, pending: 0, declined: 1 });
      await store.deleteCohortMember('org-a', 'k-1', 'p-2');
      await store.deleteCohortMember('org-a', 'k-1', 'p-2');
      expect(await store.countMembers('org-a', 'k-1')).toEqual({ accepted: 0, pending: 0, declined: 0 });

      const many = Array.from({ length: 30 }, (_, i) => answered(`p-${String(i).padStart(2, '0')}`, i % 3 === 0 ? 'accepted' : 'pending'));
      await store.saveCohortMembers(many);
      await store.saveCohortMembers(many);
      expect(await store.countMembers('org-a', 'k-1')).toEqual({ accepted: 10, pending: 20, declined: 0 });
      await store.saveCohortMembers(many.slice(0, 6).map((m) => ({ ...m, consent: { state: 'accepted' as const, at: LATER } })));
      expect(await store.countMembers('org-a', 'k-1')).toEqual({ accepted: 14, pending: 16, declined: 0 });
      // Counts are per cohort: another cohort of the org, or another org, sees none of these.
      expect(await store.countMembers('org-a', 'k-2')).toEqual({ accepted: 0, pending: 0, declined: 0 });
      expect(await store.countMembers('org-b', 'k-1')).toEqual({ accepted: 0, pending: 0, declined: 0 });
      // Erasure is the whole store's; what it takes back must show in this port's counts.
      await setup.forgetPerson('p-00');
      await setup.forgetPerson('p-01');
      expect(await store.countMembers('org-a', 'k-1')).toEqual({ accepted: 12, pending: 16, declined: 0 });
    });

    test("a cohort's members a page at a time, in person id order, without repeats; some members by id", async () => {
      const many = Array.from({ length: 30 }, (_, i) => member('org-a', 'k-1', `p-${String(i).padStart(2, '0')}`));
      await store.saveCohortMembers(many);
      await store.saveCohortMember(member('org-a', 'k-2', 'p-00'));
      const seen: string[] = [];
      let after: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.listCohortMembersPage('org-a', 'k-1', { limit: 7, ...(after !== undefined && { after }) });
        seen.push(...page.members.map((m) => m.personId));
        if (!page.next) break;
        after = page.next;
      }
      expect(seen).toEqual(many.map((m) => m.personId));
      expect((await store.listCohortMembersPage('org-b', 'k-1', { limit: 7 })).members).toEqual([]);
      const some = await store.getCohortMembers('org-a', 'k-1', ['p-03', 'p-nobody', 'p-29']);
      expect([...some.keys()].sort()).toEqual(['p-03', 'p-29']);
      expect(some.get('p-03')).toEqual(many[3]);
      expect((await store.getCohortMembers('org-b', 'k-1', ['p-03'])).size).toBe(0);
    });
  });
}
