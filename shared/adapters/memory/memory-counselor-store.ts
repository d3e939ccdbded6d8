import type { AuditEntry, Cohort, CohortMember, Counselor, Organisation } from '../../domain/counselor';
import type { CounselorStore } from '../../ports/counselor';
import { auditKey } from '../dynamo/keys';
import { PersonGone } from '../../domain/errors';
import { isAcceptedMember } from '../../domain/counselor';
import { cohortFigures, cohortRef, difference, membershipCount } from '../../domain/engagement';
import type { EngagementStore } from '../../ports/engagement';
import { createMemoryEngagementStore } from './memory-engagement-store';

/**
 * The in-memory twin of the DynamoDB counselor store, for unit tests and the API tests. It orders
 * lists as the table's sort keys do and passes the same contract suite. Member counts go to the
 * engagement twin's cohort totals, as the table's go to the totals items.
 */
export function createMemoryCounselorStore(options: { isLiving?: (personId: string) => boolean; engagement?: EngagementStore } = {}): CounselorStore {
  const engagement = options.engagement ?? createMemoryEngagementStore(options.isLiving ? { isLiving: options.isLiving } : {});
  const counted = async (before: CohortMember | undefined, after: CohortMember | undefined) => {
    const member = (after ?? before)!;
    await engagement.addToCohortTotals(member.orgId, member.cohortId, member.personId, difference(membershipCount(after), membershipCount(before)));
  };
  /** As the table's guarded writes: no membership for someone who is not there (or is being erased). */
  const living = (personId: string) => !options.isLiving || options.isLiving(personId);
  const orgs = new Map<string, Organisation>();
  const counselors = new Map<string, Map<string, Counselor>>();
  const cohorts = new Map<string, Map<string, Cohort>>();
  /** by `<orgId>#<cohortId>`, then personId */
  const members = new Map<string, Map<string, CohortMember>>();
  /** by orgId, then audit sort key */
  const audit = new Map<string, Map<string, AuditEntry>>();

  const sortedValues = <T>(map: Map<string, T> | undefined): T[] =>
    [...(map ?? new Map<string, T>()).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => copy(v));

  return {
    async saveOrganisation(org) {
      orgs.set(org.orgId, copy(org));
    },
    async getOrganisation(orgId) {
      return copyOrUndefined(orgs.get(orgId));
    },
    async listOrganisations() {
      // Id order, as the table's sort key gives it (plain code-unit order).
      return [...orgs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    },
    async saveCounselor(counselor) {
      ensure(counselors, counselor.orgId).set(counselor.counselorId, copy(counselor));
    },
    async getCounselor(orgId, counselorId) {
      return copyOrUndefined(counselors.get(orgId)?.get(counselorId));
    },
    async deleteCounselor(orgId, counselorId) {
      counselors.get(orgId)?.delete(counselorId);
    },
    async listCounselors(orgId) {
      return sortedValues(counselors.get(orgId));
    },
    async saveCohort(cohort) {
      ensure(cohorts, cohort.orgId).set(cohort.cohortId, copy(cohort));
    },
    async getCohort(orgId, cohortId) {
      return copyOrUndefined(cohorts.get(orgId)?.get(cohortId));
    },
    async listCohorts(orgId) {
      return sortedValues(cohorts.get(orgId));
    },
    async saveCohortMember(member) {
      if (!living(member.personId)) throw new PersonGone();
      const cohort = ensure(members, `${member.orgId}#${member.cohortId}`);
      const before = cohort.get(member.personId);
      cohort.set(member.personId, copy(member));
      await counted(before, member);
    },
    async saveCohortMembers(list) {
      const gone: string[] = [];
      for (const member of list) {
        if (!living(member.personId)) {
          gone.push(member.personId);
          continue;
        }
        const cohort = ensure(members, `${member.orgId}#${member.cohortId}`);
        const before = cohort.get(member.personId);
        cohort.set(member.personId, copy(member));
        await counted(before, member);
      }
      return { gone };
    },
    async deleteCohortMember(orgId, cohortId, personId) {
      const before = members.get(`${orgId}#${cohortId}`)?.get(personId);
      members.get(`${orgId}#${cohortId}`)?.delete(personId);
      if (before) await counted(before, undefined);
    },
    async getCohortMember(orgId, cohortId, personId) {
      return copyOrUndefined(members.get(`${orgId}#${cohortId}`)?.get(personId));
    },
    async listCohortMembers(orgId, cohortId) {
      return sortedValues(members.get(`${orgId}#${cohortId}`));
    },
    async listCohortMembersPage(orgId, cohortId, { limit, after }) {
      const all = sortedValues(members.get(`${orgId}#${cohortId}`)).filter((m) => after === undefined || m.personId > after);
      const page = all.slice(0, limit);
      return { members: page, ...(all.length > limit && { next: page.at(-1)!.personId }) };
    },
    async getCohortMembers(orgId, cohortId, personIds) {
      const held = members.get(`${orgId}#${cohortId}`);
      return new Map(personIds.flatMap((id) => { const m = held?.get(id); return m ? [[id, copy(m)] as const] : []; }));
    },
    async cohortsOfPerson(personId) {
      // The table's order: by `<orgId>#<cohortId>`.
      return [...members.keys()]
        .sort()
        .map((key) => members.get(key)!.get(personId))
        .filter((member): member is CohortMember => member !== undefined)
        .map(copy);
    },
    async forgetPerson(personId) {
      const held = [...members.values()].map((cohort) => cohort.get(personId)).filter((m): m is CohortMember => m !== undefined);
      await engagement.forgetPerson(personId, held.filter(isAcceptedMember).map((m) => cohortRef(m.orgId, m.cohortId)));
      let forgotten = 0;
      for (const member of held) {
        members.get(`${member.orgId}#${member.cohortId}`)!.delete(personId);
        await counted(member, undefined);
        forgotten++;
      }
      return forgotten;
    },
    async countMembers(orgId, cohortId) {
      return cohortFigures(await engagement.cohortTotals(orgId, cohortId), new Date(0), 0).members;
    },
    async appendAudit(entry) {
      const key = auditKey(entry.orgId, entry.at, entry.auditId);
      ensure(audit, entry.orgId).set(key.sk, copy(entry));
    },
    async listAudit(orgId, options = {}) {
      return sortedValues(audit.get(orgId)).reverse().slice(0, options.limit ?? 100);
    },
  };
}

function ensure<K, V>(map: Map<K, Map<string, V>>, key: K): Map<string, V> {
  let inner = map.get(key);
  if (!inner) map.set(key, (inner = new Map()));
  return inner;
}

function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, copy(v)])) as T;
  }
  return value;
}

const copyOrUndefined = <T>(value: T | undefined): T | undefined => (value === undefined ? undefined : copy(value));
