import type { Cohort, CohortMember, CounselorPrincipal } from '../../domain/counselor';
import type { CounselorStore } from '../../ports/counselor';
import { DomainError } from '../../domain/errors';

/**
 * Who a counselor may act on: a member of a cohort of their own organisation who said yes to it.
 * Another organisation's cohort, someone who is not a member, and someone who has not said yes
 * all get the same "not found": nothing tells a counselor whether a person is with us.
 */
export async function acceptedMemberOf(
  deps: { counselors: Pick<CounselorStore, 'getCohort' | 'getCohortMember'> },
  principal: CounselorPrincipal,
  cohortId: string,
  personId: string,
  options: { removedToo?: boolean } = {},
): Promise<{ cohort: Cohort; member: CohortMember }> {
  const cohort = await deps.counselors.getCohort(principal.orgId, cohortId);
  if (!cohort || cohort.orgId !== principal.orgId) throw new DomainError('not_found', 'No such cohort.');
  const member = await deps.counselors.getCohortMember(principal.orgId, cohortId, personId);
  const visible = member && member.orgId === principal.orgId && member.consent?.state === 'accepted' && (options.removedToo || member.status === 'active');
  if (!visible) throw new DomainError('not_found', 'No such member in this cohort, or they have not said yes to your organisation.');
  return { cohort, member };
}
