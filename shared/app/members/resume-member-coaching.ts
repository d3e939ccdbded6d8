import type { CounselorPrincipal } from '../../domain/counselor';
import type { Clock, Logger, Store } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import { recordAudit } from '../counselors/audit';
import type { Library } from '../scheduling/planning';
import { resumeCoaching } from '../safety/support-hold';
import { acceptedMemberOf } from './member-access';

export interface ResumeMemberDeps {
  store: Store;
  counselors: CounselorStore;
  clock: Clock;
  library?: Library;
  log?: Logger;
}

/**
 * A counselor has checked in with a member after a message that worried us, and lifts the
 * support hold (docs/rules.md, Safety: upbeat coaching pauses until a human resumes it):
 * 1. Only a member of their organisation's cohort who said yes to it (not found otherwise).
 * 2. The hold is lifted and the member re-planned (shared/app/safety/support-hold.ts); their safety
 *    record says a counselor of this organisation lifted it.
 * 3. Audited, with whether there was a hold to lift.
 */
export async function resumeMemberCoaching(deps: ResumeMemberDeps, principal: CounselorPrincipal, cohortId: string, personId: string): Promise<{ resumed: boolean }> {
  await acceptedMemberOf(deps, principal, cohortId, personId);
  const { resumed } = await resumeCoaching(deps, { personId, by: `counselor:${principal.orgId}/${principal.counselorId}` });
  await recordAudit(deps, principal, 'member.resume', { kind: 'member', id: personId }, { cohortId, resumed });
  return { resumed };
}
