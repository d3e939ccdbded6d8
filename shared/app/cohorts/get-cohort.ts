/**
 * Reading cohorts and their members, always within the caller's own org: another org's cohort or
 * member is simply not found.
 */
import type { Cohort, CohortMember, CounselorPrincipal } from '../../domain/counselor';
import { notFound } from '../counselors/audit';
import type { CohortDeps } from './deps';

export async function getCohort(deps: Pick<CohortDeps, 'counselors'>, actor: CounselorPrincipal, cohortId: string): Promise<Cohort> {
  const cohort = await deps.counselors.getCohort(actor.orgId, cohortId);
  if (!cohort) throw notFound('cohort');
  return cohort;
}

export const listCohorts = (deps: Pick<CohortDeps, 'counselors'>, actor: CounselorPrincipal) => deps.counselors.listCohorts(actor.orgId);

export async function memberOf(deps: CohortDeps, actor: CounselorPrincipal, cohortId: string, personId: string): Promise<CohortMember> {
  await getCohort(deps, actor, cohortId);
  const member = await deps.counselors.getCohortMember(actor.orgId, cohortId, personId);
  if (!member) throw notFound('member');
  return member;
}
