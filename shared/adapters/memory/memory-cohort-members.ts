import type { CohortMember } from '../../domain/counselor';
import { PersonGone } from '../../domain/errors';
import { cohortFigures, difference, membershipCount } from '../../domain/engagement';
import type { CohortMemberRepository } from '../dynamo/cohort-member-repository';
import { copy, copyOrUndefined, ensure } from './memory-context';
import { sortedValues, type MemoryCounselorContext } from './memory-counselor-context';

/**
 * The twin of cohort-member-repository.ts: memberships, and their counts in the engagement twin's
 * cohort totals, as the table's go to the totals items. Forgetting a person is the facade's
 * (memory-counselor-store.ts), as it is the DynamoDB store's.
 */
export function createMemoryCohortMembers(context: MemoryCounselorContext): CohortMemberRepository {
  const { engagement, living, members } = context;
  const counted = async (before: CohortMember | undefined, after: CohortMember | undefined) => {
    const member = (after ?? before)!;
    await engagement.addToCohortTotals(member.orgId, member.cohortId, member.personId, difference(membershipCount(after), membershipCount(before)));
  };
  return {
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
    async forgetMembership(member) {
      members.get(`${member.orgId}#${member.cohortId}`)!.delete(member.personId);
      await counted(member, undefined);
    },
    async countMembers(orgId, cohortId) {
      return cohortFigures(await engagement.cohortTotals(orgId, cohortId), new Date(0), 0).members;
    },
  };
}
