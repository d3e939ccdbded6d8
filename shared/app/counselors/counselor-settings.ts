import type { CounselorPrincipal, CounselorSettings } from '../../domain/counselor';
import type { Clock } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import { recordAudit } from './audit';

/**
 * A counselor changes their own alert settings (PUT /counselor/me/settings): only the settings
 * given change, and the change lands in the organisation's audit log.
 */
export async function updateCounselorSettings(
  deps: { counselors: CounselorStore; clock: Clock },
  principal: CounselorPrincipal,
  changes: Partial<CounselorSettings>,
): Promise<CounselorSettings> {
  // The record exists: every counselor route has just checked it (functions/counselor-access.ts).
  const me = (await deps.counselors.getCounselor(principal.orgId, principal.counselorId))!;
  const updated = { ...me, settings: { ...me.settings, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) } };
  await deps.counselors.saveCounselor(updated);
  await recordAudit(deps, principal, 'counselor.settings', { kind: 'counselor', id: me.counselorId }, { crisisAlerts: updated.settings.crisisAlerts, weeklyDigest: updated.settings.weeklyDigest });
  return updated.settings;
}
