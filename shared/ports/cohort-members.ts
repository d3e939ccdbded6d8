import type { CohortMember } from '../domain/counselor';

/**
 * Cohort memberships, kept both ways (the cohort's list, the person's pointer back) and counted
 * into their cohort's totals as they are written.
 */
export interface CohortMemberStore {
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
   * counselor store adds each write's change to the cohort's totals; see the DynamoDB
   * cohort-member-repository.ts for what a crash between the two can leave).
   */
  countMembers(orgId: string, cohortId: string): Promise<{ accepted: number; pending: number; declined: number }>;
}
