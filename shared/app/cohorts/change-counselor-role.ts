/**
 * An admin changes a counselor's role; an org always keeps an admin, so nobody demotes themselves.
 */
import * as z from 'zod';
import { CounselorRole, type Counselor, type CounselorPrincipal } from '../../domain/counselor';
import { notFound, recordAudit, requireAdmin } from '../counselors/audit';
import { DomainError } from '../../domain/errors';
import { parse, type CohortDeps } from './deps';

const CounselorChange = z.object({ role: CounselorRole }).strict();

/** An admin changes a counselor's role; nobody demotes themselves (an org must keep its admin). */
export async function changeCounselorRole(deps: Pick<CohortDeps, 'counselors' | 'clock'>, actor: CounselorPrincipal, counselorId: string, raw: unknown): Promise<Counselor> {
  requireAdmin(actor, 'change roles');
  const { role } = parse(CounselorChange, raw);
  const counselor = await deps.counselors.getCounselor(actor.orgId, counselorId);
  if (!counselor) throw notFound('counselor');
  if (counselorId === actor.counselorId && role !== 'admin') throw new DomainError('conflict', 'you cannot demote yourself: ask another admin');
  const updated = { ...counselor, role };
  await deps.counselors.saveCounselor(updated);
  await recordAudit(deps, actor, 'counselor.role', { kind: 'counselor', id: counselorId }, { role });
  return updated;
}
