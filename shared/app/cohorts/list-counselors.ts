/**
 * The counselors of the caller's org, for its admins.
 */
import type { Counselor, CounselorPrincipal } from '../../domain/counselor';
import { requireAdmin } from '../counselors/audit';
import type { CohortDeps } from './deps';

export async function listCounselors(deps: Pick<CohortDeps, 'counselors'>, actor: CounselorPrincipal): Promise<Counselor[]> {
  requireAdmin(actor, 'list counselors');
  return deps.counselors.listCounselors(actor.orgId);
}
