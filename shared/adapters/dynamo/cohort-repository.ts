import { Cohort } from '../../domain/counselor';
import type { CohortStore } from '../../ports/cohorts';
import { COHORT_PREFIX, cohortKey, orgPk } from './keys';
import type { CounselorContext } from './counselor-context';
import { parseItem } from './stored-item';

/** An organisation's cohorts (ORG#<orgId> / COHORT#<cohortId>); their members are cohort-member-repository.ts. */
export function createCohortRepository(shared: CounselorContext): CohortStore {
  const { put, get, prefixed } = shared;
  return {
    saveCohort: (cohort) => put(cohortKey(cohort.orgId, cohort.cohortId), cohort),
    getCohort: (orgId, cohortId) => get(Cohort, 'cohort', cohortKey(orgId, cohortId)),
    async listCohorts(orgId) {
      return (await prefixed(orgPk(orgId), COHORT_PREFIX)).map((item) => parseItem(Cohort, 'cohort', item));
    },
  };
}
