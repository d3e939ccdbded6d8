import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { CounselorPrincipal } from '../../domain/counselor';
import type { Clock, Logger } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import { ContactNote, type EngagementStore } from '../../ports/engagement';
import { recordAudit } from '../counselors/audit';
import { DomainError, describeIssues } from '../../domain/errors';
import { acceptedMemberOf } from './member-access';

const MarkContactedInput = z
  .object({
    via: ContactNote.shape.via,
    /** Optional words for the other counselors: trimmed, plain text, at most 500 characters. */
    note: z
      .string()
      .max(500, 'a note can be at most 500 characters')
      .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'a note holds control characters')
      .transform((s) => s.trim())
      .optional(),
  })
  .strict();

export interface MarkContactedDeps {
  counselors: CounselorStore;
  engagement: EngagementStore;
  clock: Clock;
  log?: Logger;
}

/**
 * A counselor reached a member (by phone, text, email, in person):
 * 1. Only a member of their organisation's cohort who said yes to it (not found otherwise).
 * 2. Their note is kept with the person (erasure takes it) and shown to the organisation's other
 *    counselors on the member's page.
 * 3. The member's open flags close for the whole organisation (every cohort of it that holds
 *    them): the flagged lists and counts move at once. A flag raised later opens again.
 * 4. Audited with ids and the way they were reached, never the note's words.
 */
export async function markContacted(deps: MarkContactedDeps, principal: CounselorPrincipal, cohortId: string, personId: string, raw: unknown): Promise<ContactNote> {
  const parsed = MarkContactedInput.safeParse(raw);
  if (!parsed.success) throw new DomainError('validation', describeIssues(parsed.error.issues));
  await acceptedMemberOf(deps, principal, cohortId, personId);
  const at = deps.clock.now().toISOString();
  const note: ContactNote = {
    personId,
    orgId: principal.orgId,
    noteId: randomUUID(),
    at,
    counselorId: principal.counselorId,
    via: parsed.data.via,
    ...(parsed.data.note && { note: parsed.data.note }),
  };
  await deps.engagement.addContactNote(note);
  // Flags close for the organisation; counts of a member not linked yet are left as they are.
  await deps.engagement.changeStats(personId, (current) => current, { contacted: { orgId: principal.orgId, at } });
  await recordAudit(deps, principal, 'member.contacted', { kind: 'member', id: personId }, { cohortId, via: note.via, noted: note.note !== undefined });
  return note;
}
