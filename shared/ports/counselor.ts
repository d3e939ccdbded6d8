import type { AuditLog } from './audit-log';
import type { CohortMemberStore } from './cohort-members';
import type { CohortStore } from './cohorts';
import type { CounselorRecordStore } from './counselor-records';
import type { OrganisationStore } from './organisations';

/**
 * What the counselor features keep, one port per aggregate (organisations, counselors, cohorts,
 * memberships, the audit log), composed here for the adapters that implement them all. Every read
 * takes the organisation, so a caller holding another org's id reads nothing; the one exception,
 * cohortsOfPerson, serves alerts about a person, not a request. The DynamoDB store and its memory
 * twin pass the same contract (test/support/counselor-store-contract.ts).
 */
export interface CounselorStore extends OrganisationStore, CounselorRecordStore, CohortStore, CohortMemberStore, AuditLog {}
