import type { CohortStore } from '../../ports/cohorts';
import { copy, copyOrUndefined, ensure } from './memory-context';
import { sortedValues, type MemoryCounselorContext } from './memory-counselor-context';

/** The twin of cohort-repository.ts. */
export function createMemoryCohorts(context: MemoryCounselorContext): CohortStore {
  const { cohorts } = context;
  return {
    async saveCohort(cohort) {
      ensure(cohorts, cohort.orgId).set(cohort.cohortId, copy(cohort));
    },
    async getCohort(orgId, cohortId) {
      return copyOrUndefined(cohorts.get(orgId)?.get(cohortId));
    },
    async listCohorts(orgId) {
      return sortedValues(cohorts.get(orgId));
    },
  };
}
