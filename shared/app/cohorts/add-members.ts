/**
 * Adding members from a JSON list (the API's way; a CSV goes through csv-import.ts): each member
 * checked apart, duplicates within the request refused, then the new ones invited.
 */
import * as z from 'zod';
import type { CounselorPrincipal } from '../../domain/counselor';
import { personalDateProblems } from '../../domain/personal-dates';
import { recordAudit } from '../counselors/audit';
import { describeIssues } from '../../domain/errors';
import { parse, type CohortDeps } from './deps';
import { memberBatch } from './member-batch';
import { MemberInput, duplicateKeys, summarise, type MembersReport } from './member-input';
import { sendInvitations, type InvitationReport } from './send-invitations';
import { upsertMember } from './upsert-members';

/** The largest JSON batch: bigger lists belong in a CSV import. */
const MAX_JSON_MEMBERS = 500;
const JsonMembers = z.object({ members: z.array(z.unknown()).min(1).max(MAX_JSON_MEMBERS, `at most ${MAX_JSON_MEMBERS} members per request; use a CSV import for more`) }).strict();

/** Adds members from a JSON list, each validated apart; then invites the new ones. */
export async function addMembers(deps: CohortDeps, actor: CounselorPrincipal, cohortId: string, raw: unknown): Promise<MembersReport & { invitations: InvitationReport }> {
  const { members } = parse(JsonMembers, raw);
  const batch = await memberBatch(deps, actor, cohortId);
  const seen = new Map<string, number>();
  const rows: MembersReport['rows'] = [];
  for (const [index, item] of members.entries()) {
    const row = index + 1;
    const parsed = MemberInput.safeParse(item);
    if (!parsed.success) {
      rows.push({ row, status: 'rejected', reason: describeIssues(parsed.error.issues) });
      continue;
    }
    const outside = personalDateProblems(parsed.data, batch.cohort.season)[0];
    if (outside) {
      rows.push({ row, status: 'rejected', reason: `${outside.name}: ${outside.message}` });
      continue;
    }
    const twin = duplicateKeys(parsed.data).map((k) => seen.get(k)).find((r) => r !== undefined);
    if (twin !== undefined) {
      rows.push({ row, status: 'rejected', reason: `the same person as member ${twin} of this request` });
      continue;
    }
    for (const k of duplicateKeys(parsed.data)) seen.set(k, row);
    rows.push({ row, ...(await upsertMember(batch, parsed.data)) });
  }
  const summary = summarise(rows);
  await recordAudit(deps, actor, 'member.add', { kind: 'cohort', id: cohortId }, { ...summary, via: 'json' });
  const invitations = await sendInvitations(deps, actor, cohortId, rows.flatMap((r) => (r.status === 'added' || r.status === 'updated' ? [r.personId] : [])));
  return { rows, summary, invitations };
}
