import type { AuditLog } from './audit-log';
import type { CohortMemberStore } from './cohort-members';
import type { CohortStore } from './cohorts';
import type { CounselorRecordStore } from './counselor-records';
import type { OrganisationStore } from './organisations';

/**
 * What the counselor features keep, one port per aggregate (organisations, counselors, cohorts,
 * memberships, the audit log), composed here for the stores that put a repository or twin per
 * port together (counselor-store.ts, memory-counselor-store.ts). Every read takes the
 * organisation, so a caller holding another org's id reads nothing; the one exception,
 * cohortsOfPerson, serves alerts about a person, not a request. Each port's DynamoDB repository
 * and memory twin pass the same contract (test/support/organisations-contract.ts and the others
 * beside it); the two stores as a whole pass test/support/counselor-store-contract.ts.
 */
export interface CounselorStore extends OrganisationStore, CounselorRecordStore, CohortStore, CohortMemberStore, AuditLog {}
