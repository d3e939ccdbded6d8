import type { AuditEntry, Cohort, CohortMember, Counselor, Organisation } from '../domain/counselor';

/**
 * What the counselor features keep: organisations, counselors, cohorts, members and the
 * audit log. Every read takes the organisation, so a caller holding another org's id reads
 * nothing; the one exception, cohortsOfPerson, serves alerts about a person, not a request.
 * The DynamoDB store and its memory twin pass the same contract (test/support/counselor-store-contract.ts).
 */
export interface CounselorStore {
  saveOrganisation(org: Organisation): Promise<void>;
  getOrganisation(orgId: string): Promise<Organisation | undefined>;
  /** Every organisation's id, in id order: whom the weekly digest goes to (the schedule's one cross-org read). */
  listOrganisations(): Promise<string[]>;

  /** Creates or replaces a counselor. */
  saveCounselor(counselor: Counselor): Promise<void>;
  getCounselor(orgId: string, counselorId: string): Promise<Counselor | undefined>;
  /** Removes a counselor from the org: their tokens stop working (routes check the record). */
  deleteCounselor(orgId: string, counselorId: string): Promise<void>;
  /** The org's counselors, by id. */
  listCounselors(orgId: string): Promise<Counselor[]>;

  /** Creates or replaces a cohort. */
  saveCohort(cohort: Cohort): Promise<void>;
  getCohort(orgId: string, cohortId: string): Promise<Cohort | undefined>;
  /** The org's cohorts (archived ones too), by id. */
  listCohorts(orgId: string): Promise<Cohort[]>;

  /**
   * Creates or replaces a membership (and the person's pointer back to it, in one write), only
   * while the person lives: PersonGone otherwise (see Store).
   */
  saveCohortMember(member: CohortMember): Promise<void>;
  /**
   * Many memberships at once (an import): each as saveCohortMember would write it, in batches.
   * Not atomic across members; saving again is harmless, so a run cut short is simply repeated.
   * Members whose person is gone are left out and named in `gone`.
   */
  saveCohortMembers(members: readonly CohortMember[]): Promise<{ gone: string[] }>;
  getCohortMember(orgId: string, cohortId: string, personId: string): Promise<CohortMember | undefined>;
  /** Deletes one membership, both ways (an organisation letting go of someone it may not erase). Idempotent. */
  deleteCohortMember(orgId: string, cohortId: string, personId: string): Promise<void>;
  /** A cohort's members (removed ones too), by person id. */
  listCohortMembers(orgId: string, cohortId: string): Promise<CohortMember[]>;
  /**
   * One page of a cohort's members (removed ones too), by person id, strictly after `after` (a
   * person id): what a dashboard page reads, whatever the cohort's size. `next` when there may be more.
   */
  listCohortMembersPage(orgId: string, cohortId: string, options: { limit: number; after?: string }): Promise<{ members: CohortMember[]; next?: string }>;
  /** Some members of one cohort by person id (a page of an index); ids that are not members are absent. */
  getCohortMembers(orgId: string, cohortId: string, personIds: readonly string[]): Promise<Map<string, CohortMember>>;
  /** Every membership of a person, in any org: whose counselors hear of a crisis flag. */
  cohortsOfPerson(personId: string): Promise<CohortMember[]>;
  /**
   * Deletes every membership of a person (erasure), and takes back what they added to their
   * cohorts' figures (EngagementStore.forgetPerson); returns how many memberships went. Idempotent.
   */
  forgetPerson(personId: string): Promise<number>;
  /**
   * A cohort's active members by their answer, as kept while memberships are written (the
   * counselor store adds each write's change to the cohort's totals; see the DynamoDB adapter
   * for what a crash between the two can leave).
   */
  countMembers(orgId: string, cohortId: string): Promise<{ accepted: number; pending: number; declined: number }>;

  appendAudit(entry: AuditEntry): Promise<void>;
  /** The org's audit log, newest first, at most `limit` entries (default 100). */
  listAudit(orgId: string, options?: { limit?: number }): Promise<AuditEntry[]>;
}
