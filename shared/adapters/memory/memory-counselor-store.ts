import type { CohortMember } from '../../domain/counselor';
import type { CounselorStore } from '../../ports/counselor';
import { isAcceptedMember } from '../../domain/counselor';
import { cohortRef } from '../../domain/engagement';
import { createMemoryCounselorContext, type MemoryCounselorOptions } from './memory-counselor-context';
import { createMemoryOrganisations } from './memory-organisations';
import { createMemoryCounselorRecords } from './memory-counselor-records';
import { createMemoryCohorts } from './memory-cohorts';
import { createMemoryCohortMembers } from './memory-cohort-members';
import { createMemoryAuditLog } from './memory-audit-log';

/**
 * The in-memory twin of the DynamoDB counselor store, for unit tests and the API tests. It orders
 * lists as the table's sort keys do and passes the same contract suites. Each port has its twin
 * (memory-organisations.ts, memory-counselor-records.ts, memory-cohorts.ts,
 * memory-cohort-members.ts, memory-audit-log.ts) on one memory-counselor-context.ts; what stays
 * here spans aggregates, as in counselor-store.ts: forgetting a person takes back their
 * engagement figures as well as their memberships.
 */
/** `context`: the state to work on, when a test also holds a port's own twin on it. */
export function createMemoryCounselorStore(options: MemoryCounselorOptions = {}, context = createMemoryCounselorContext(options)): CounselorStore {
  const { forgetMembership, ...members } = createMemoryCohortMembers(context);
  return {
    ...createMemoryOrganisations(context),
    ...createMemoryCounselorRecords(context),
    ...createMemoryCohorts(context),
    ...members,
    ...createMemoryAuditLog(context),

    async forgetPerson(personId) {
      const held = [...context.members.values()].map((cohort) => cohort.get(personId)).filter((m): m is CohortMember => m !== undefined);
      await context.engagement.forgetPerson(personId, held.filter(isAcceptedMember).map((m) => cohortRef(m.orgId, m.cohortId)));
      let forgotten = 0;
      for (const member of held) {
        await forgetMembership(member);
        forgotten++;
      }
      return forgotten;
    },
  };
}
