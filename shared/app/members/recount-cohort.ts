import { isAcceptedMember, type CounselorPrincipal } from '../../domain/counselor';
import { difference, membershipCount, sumCounters } from '../../domain/engagement';
import type { Clock, Logger, Store } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import type { EngagementStore } from '../../ports/engagement';
import { recordAudit } from '../counselors/audit';
import { DomainError } from '../../domain/errors';
import { linkMember } from '../engagement/engagement-counts';
import type { Library } from '../scheduling/planning';

export interface RecountDeps {
  store: Store;
  counselors: CounselorStore;
  engagement: EngagementStore;
  clock: Clock;
  library: Library;
  log?: Logger;
}

/**
 * Puts a cohort's figures right from its records: the repair for what a crash between two writes
 * can leave (a membership written but its count not added; a message sent but not counted).
 * 1. The member counts by answer, recounted from the member rows, and the difference added.
 * 2. Every member who said yes linked again: their counts rebuilt from their records, over the
 *    version read (so nothing counted meanwhile is lost), and the cohort's totals moved by the
 *    difference in the same transaction.
 * Reads every member (an operator's command, `matchcoach report <cohort> --recount`, not a page
 * view); safe to run again and beside live traffic. Audited as the operator.
 */
export async function recountCohort(deps: RecountDeps, principal: CounselorPrincipal, cohortId: string): Promise<{ members: number; linked: number; countsMoved: number }> {
  const cohort = await deps.counselors.getCohort(principal.orgId, cohortId);
  if (!cohort) throw new DomainError('not_found', 'No such cohort.');
  const rows = await deps.counselors.listCohortMembers(principal.orgId, cohortId);
  const expected = sumCounters(rows.map((m) => membershipCount(m)));
  const held = await deps.counselors.countMembers(principal.orgId, cohortId);
  const delta = difference(
    { 'members.accepted': expected['members.accepted'] ?? 0, 'members.pending': expected['members.pending'] ?? 0, 'members.declined': expected['members.declined'] ?? 0 },
    { 'members.accepted': held.accepted, 'members.pending': held.pending, 'members.declined': held.declined },
  );
  // Totals are summed over their shards, so the difference may go to any one of them.
  if (rows[0]) await deps.engagement.addToCohortTotals(principal.orgId, cohortId, rows[0].personId, delta);
  let linked = 0;
  for (const member of rows.filter(isAcceptedMember)) {
    await linkMember(deps, member);
    linked++;
  }
  const countsMoved = Object.values(delta).reduce((n, d) => n + Math.abs(d), 0);
  await recordAudit(deps, principal, 'cohort.recount', { kind: 'cohort', id: cohortId }, { members: rows.length, linked, countsMoved });
  return { members: rows.length, linked, countsMoved };
}
