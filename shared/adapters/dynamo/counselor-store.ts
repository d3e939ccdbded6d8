import type { CounselorStore } from '../../ports/counselor';
import { cohortRef } from '../../domain/engagement';
import { isAcceptedMember } from '../../domain/counselor';
import { createCounselorContext, type DynamoCounselorStoreOptions } from './counselor-context';
import { createOrganisationRepository } from './organisation-repository';
import { createCounselorRecordRepository } from './counselor-record-repository';
import { createCohortRepository } from './cohort-repository';
import { createCohortMemberRepository } from './cohort-member-repository';
import { createAuditLogRepository } from './audit-log-repository';

/**
 * The CounselorStore on Match Coach's single table (keys.ts, "Counselors"). Items hold
 * the domain record as it is, plus the keys; the keys are dropped again on the way out.
 *
 * | entity        | pk / sk                                       | other attributes                  |
 * |---------------|-----------------------------------------------|-----------------------------------|
 * | organisation  | ORG#<orgId> / PROFILE                         | Organisation                      |
 * | org index     | ORGS / ORG#<orgId>                            | orgId only (same transaction)     |
 * | counselor     | ORG#<orgId> / COUNSELOR#<counselorId>         | Counselor                         |
 * | cohort        | ORG#<orgId> / COHORT#<cohortId>               | Cohort                            |
 * | member        | COHORT#<orgId>#<cohortId> / MEMBER#<personId> | CohortMember                      |
 * | member twin   | PERSON#<personId> / COHORT#<orgId>#<cohortId> | CohortMember (same transaction)   |
 * | audit         | AUDIT#<orgId> / <at>#<auditId>                | AuditEntry (ids and counts only)  |
 *
 * Each port has its repository (organisation-, counselor-record-, cohort-, cohort-member- and
 * audit-log-repository.ts), all built on one counselor-context.ts. What stays here spans
 * aggregates: forgetting a person takes back their engagement figures as well as their
 * memberships. Member counts are cohort-member-repository.ts's.
 */
export function createDynamoCounselorStore(options: DynamoCounselorStoreOptions): CounselorStore {
  const shared = createCounselorContext(options);
  const { forgetMembership, ...members } = createCohortMemberRepository(shared);
  return {
    ...createOrganisationRepository(shared),
    ...createCounselorRecordRepository(shared),
    ...createCohortRepository(shared),
    ...members,
    ...createAuditLogRepository(shared),

    async forgetPerson(personId) {
      const memberships = await members.cohortsOfPerson(personId);
      // Their cohorts' figures first: what they added goes while the twins still say where.
      await shared.engagement.forgetPerson(personId, memberships.filter(isAcceptedMember).map((m) => cohortRef(m.orgId, m.cohortId)));
      let forgotten = 0;
      for (const member of memberships) {
        await forgetMembership(member);
        forgotten++;
      }
      return forgotten;
    },
  };
}
