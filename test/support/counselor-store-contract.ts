import type { AuditEntry, Cohort, CohortMember, Counselor } from '../../shared/domain/counselor';
import type { CounselorStore } from '../../shared/ports/counselor';
import type { Store } from '../../shared/ports';
import { PersonGone } from '../../shared/domain/errors';
import { ensurePerson } from './seed';

/**
 * The behaviour every CounselorStore adapter must show: the memory twin and the DynamoDB store
 * both run it, so the twin the API tests rely on cannot drift from the table.
 */
export function describeCounselorStoreContract(
  name: string,
  /** `people`: the Store beside it (the same table, or the memory twin it asks), where members live. */
  makeStore: () => Promise<{ store: CounselorStore; people: Store; teardown(): Promise<void> }>,
): void {
  describe(`CounselorStore contract: ${name}`, () => {
    let store: CounselorStore;
    let people: Store;
    let teardown: () => Promise<void>;
    beforeEach(async () => {
      ({ store, people, teardown } = await makeStore());
      // Memberships are kept only for someone who is there.
      for (let i = 0; i < 30; i++) await ensurePerson(people, `p-${String(i).padStart(2, '0')}`);
      for (const id of ['p-1', 'p-2']) await ensurePerson(people, id);
    });
    afterEach(async () => {
      await teardown();
    });

    test('organisations and counselors read back exactly, per org', async () => {
      await store.saveOrganisation({ orgId: 'org-a', name: 'Alpha Advising', createdAt: AT });
      await store.saveCounselor(counselor('c-2', 'org-a'));
      await store.saveCounselor(counselor('c-1', 'org-a', { role: 'admin' }));
      await store.saveCounselor(counselor('c-9', 'org-b'));
      expect(await store.getOrganisation('org-a')).toEqual({ orgId: 'org-a', name: 'Alpha Advising', createdAt: AT });
      expect(await store.getOrganisation('org-b')).toBeUndefined();
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

    test('every organisation is listed once, by id, however often it is saved; nothing else is listed as one', async () => {
      expect(await store.listOrganisations()).toEqual([]);
      await store.saveOrganisation({ orgId: 'org-b', name: 'Beta', createdAt: AT });
      await store.saveOrganisation({ orgId: 'org-a', name: 'Alpha', createdAt: AT });
      await store.saveOrganisation({ orgId: 'org-a', name: 'Alpha renamed', createdAt: AT });
      await store.saveOrganisation({ orgId: 'Org-C', name: 'Gamma', createdAt: AT });
      // Counselors, cohorts and members of an org, or of one never saved, are not organisations.
      await store.saveCounselor(counselor('c-1', 'org-a'));
      await store.saveCounselor(counselor('c-2', 'org-unsaved'));
      await store.saveCohort(cohort('k-1', 'org-a'));
      expect(await store.listOrganisations()).toEqual(['Org-C', 'org-a', 'org-b']);
      expect((await store.getOrganisation('org-a'))?.name).toBe('Alpha renamed');
    });

    test('cohorts are per org and saving replaces; nothing else of the org is listed as a cohort', async () => {
      await store.saveOrganisation({ orgId: 'org-a', name: 'Alpha', createdAt: AT });
      await store.saveCounselor(counselor('c-1', 'org-a'));
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
      await store.forgetPerson('p-00');
      await store.forgetPerson('p-01');
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

    test('the audit log is per org, newest first, limited', async () => {
      const entries = [0, 1, 2, 3].map((i) => audit('org-a', `a-${i}`, new Date(Date.parse(AT) + i * 60_000).toISOString()));
      for (const entry of [entries[2]!, entries[0]!, entries[3]!, entries[1]!]) await store.appendAudit(entry);
      await store.appendAudit(audit('org-b', 'b-0', AT));
      expect((await store.listAudit('org-a')).map((e) => e.auditId)).toEqual(['a-3', 'a-2', 'a-1', 'a-0']);
      expect((await store.listAudit('org-a', { limit: 2 })).map((e) => e.auditId)).toEqual(['a-3', 'a-2']);
      expect(await store.listAudit('org-b')).toEqual([audit('org-b', 'b-0', AT)]);
      expect(await store.listAudit('org-c')).toEqual([]);
    });
  });
}

const AT = '2026-09-01T10:00:00.000Z';
const LATER = '2026-09-02T10:00:00.000Z';

function counselor(counselorId: string, orgId: string, overrides: Partial<Counselor> = {}): Counselor {
  return {
    counselorId,
    orgId,
    email: `${counselorId}@${orgId}.example.org`,
    role: 'counselor',
    settings: { crisisAlerts: true, weeklyDigest: true },
    createdAt: AT,
    ...overrides,
  };
}

function cohort(cohortId: string, orgId: string, overrides: Partial<Cohort> = {}): Cohort {
  return {
    cohortId,
    orgId,
    name: `Cohort ${cohortId}`,
    season: 2027,
    sequenceIds: ['getting-started'],
    anchorOverrides: {},
    archived: false,
    createdAt: AT,
    updatedAt: AT,
    ...overrides,
  };
}

function member(orgId: string, cohortId: string, personId: string, overrides: Partial<CohortMember> = {}): CohortMember {
  return { orgId, cohortId, personId, addedBy: 'c-1', addedAt: AT, status: 'active', ...overrides };
}

function audit(orgId: string, auditId: string, at: string): AuditEntry {
  return { orgId, auditId, at, actor: 'c-1', action: 'cohort.create', target: { kind: 'cohort', id: 'k-1' }, detail: { rows: 3, dryRun: false } };
}
