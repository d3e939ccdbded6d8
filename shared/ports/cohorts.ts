import type { Cohort } from '../domain/counselor';

/** An organisation's cohorts. */
export interface CohortStore {
  /** Creates or replaces a cohort. */
  saveCohort(cohort: Cohort): Promise<void>;
  getCohort(orgId: string, cohortId: string): Promise<Cohort | undefined>;
  /** The org's cohorts (archived ones too), by id. */
  listCohorts(orgId: string): Promise<Cohort[]>;
}
