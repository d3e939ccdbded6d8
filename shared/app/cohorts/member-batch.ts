/**
 * Opening a batch of new members on a live cohort: what adding members (JSON or CSV) reads once,
 * not once per row.
 */
import type { Cohort, CohortMember, CounselorPrincipal, Organisation } from '../../domain/counselor';
import { DomainError } from '../../domain/errors';
import { loadLibrary } from '../scheduling/library';
import type { Library } from '../scheduling/planning';
import type { CohortDeps } from './deps';
import { getCohort } from './get-cohort';

/** What upsertMember needs once per batch, not per row. */
export interface MemberBatch {
  deps: CohortDeps;
  actor: CounselorPrincipal;
  cohort: Cohort;
  org: Organisation;
  library: Library;
  now: Date;
  /**
   * Where memberships go instead of one write each: an import collects them and writes them in
   * batches (CounselorStore.saveCohortMembers) once the people are written.
   */
  memberSink?: (member: CohortMember) => void;
  /** The cohort's members read once up front (an import), instead of one read per row. */
  members?: Map<string, CohortMember>;
}

/** Opens a batch on a live cohort of the caller's org (an archived cohort takes no one new). */
export async function memberBatch(deps: CohortDeps, actor: CounselorPrincipal, cohortId: string): Promise<MemberBatch> {
  const cohort = await getCohort(deps, actor, cohortId);
  if (cohort.archived) throw new DomainError('conflict', 'this cohort is archived: bring it back before adding people');
  const org = (await deps.counselors.getOrganisation(actor.orgId)) ?? { orgId: actor.orgId, name: actor.orgId, createdAt: cohort.createdAt };
  return { deps, actor, cohort, org, library: deps.library ?? (await loadLibrary(deps.store)), now: deps.clock.now() };
}
