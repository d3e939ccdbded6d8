/**
 * An admin adds a counselor to their org (or gets the one with that email back), audited.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { Counselor, CounselorRole, type CounselorPrincipal } from '../../domain/counselor';
import { Email } from '../../domain/model';
import { recordAudit, requireAdmin } from '../counselors/audit';
import { parse, type CohortDeps } from './deps';

const NewCounselor = z
  .object({
    email: z.string().max(254).pipe(Email),
    role: CounselorRole.default('counselor'),
    settings: z.object({ crisisAlerts: z.boolean().default(true), weeklyDigest: z.boolean().default(true) }).default({ crisisAlerts: true, weeklyDigest: true }),
  })
  .strict();

/**
 * Adds a counselor to the caller's org (admins only), or returns the one with that email.
 * The id is new and random: it is what tokens name, and it reveals nothing.
 */
export async function addCounselor(deps: Pick<CohortDeps, 'counselors' | 'clock'>, actor: CounselorPrincipal, raw: unknown): Promise<{ counselor: Counselor; created: boolean }> {
  requireAdmin(actor, 'add counselors');
  const input = parse(NewCounselor, raw);
  const existing = (await deps.counselors.listCounselors(actor.orgId)).find((c) => c.email === input.email);
  if (existing) return { counselor: existing, created: false };
  const counselor = Counselor.parse({ counselorId: randomUUID(), orgId: actor.orgId, ...input, createdAt: deps.clock.now().toISOString() });
  await deps.counselors.saveCounselor(counselor);
  await recordAudit(deps, actor, 'counselor.add', { kind: 'counselor', id: counselor.counselorId }, { role: counselor.role });
  return { counselor, created: true };
}
