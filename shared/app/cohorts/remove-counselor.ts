/**
 * An admin removes a counselor from the org (never themselves); their tokens stop working at once.
 */
import type { CounselorPrincipal } from '../../domain/counselor';
import { notFound, recordAudit, requireAdmin } from '../counselors/audit';
import { DomainError } from '../../domain/errors';
import type { CohortDeps } from './deps';

/** An admin removes a counselor from the org; their tokens stop working at once. */
export async function removeCounselor(deps: Pick<CohortDeps, 'counselors' | 'clock'>, actor: CounselorPrincipal, counselorId: string): Promise<void> {
  requireAdmin(actor, 'remove counselors');
  if (!(await deps.counselors.getCounselor(actor.orgId, counselorId))) throw notFound('counselor');
  if (counselorId === actor.counselorId) throw new DomainError('conflict', 'you cannot remove yourself: ask another admin');
  await deps.counselors.deleteCounselor(actor.orgId, counselorId);
  await recordAudit(deps, actor, 'counselor.remove', { kind: 'counselor', id: counselorId });
}
