/**
 * Erasing a member: only the organisation's own record nobody confirmed loses its data; anyone
 * else keeps every record and only the membership goes, with the same answer.
 */
import type { CounselorPrincipal } from '../../domain/counselor';
import { ownRecordOf } from '../../domain/ownership';
import { recordAudit } from '../counselors/audit';
import { DomainError } from '../../domain/errors';
import type { CohortDeps } from './deps';
import { memberOf } from './get-cohort';

/**
 * "Erase" a member. An organisation may erase only what it created and nobody confirmed: its own
 * record of someone who never said yes to anything, in no other organisation. Then everything of
 * that record goes (Store.erasePerson). Anyone else (someone already with us, or someone who
 * confirmed since) keeps every record: only this membership goes, and the counselor gets the same
 * answer, so erasing tells nothing about whether the person was with us. Someone who said yes to
 * the organisation is visibly theirs: their data is theirs to delete, and the counselor is told so.
 */
export async function eraseMember(deps: CohortDeps, actor: CounselorPrincipal, cohortId: string, personId: string): Promise<{ status: 'erased' }> {
  const member = await memberOf(deps, actor, cohortId, personId);
  if (member.consent?.state === 'accepted') {
    throw new DomainError('conflict', 'this member said yes to your organisation: only they can delete their data (remove them from the cohort instead)');
  }
  const person = await deps.store.getPerson(personId);
  const memberships = person ? await deps.counselors.cohortsOfPerson(personId) : [];
  const ownRecord = person !== undefined && ownRecordOf(person, actor.orgId) && memberships.every((m) => m.orgId === actor.orgId);
  const now = deps.clock.now();
  // Decided again in the write that starts the erasure: a yes given since the read above stops it.
  if (ownRecord && (await deps.store.beginErasure(personId, now, { onlyTheOwnRecordOf: actor.orgId }))) {
    await deps.store.cancelPendingMessages(personId, 'erased', now);
    await deps.counselors.forgetPerson(personId);
    await deps.store.erasePerson(personId, now);
  } else {
    await deps.counselors.deleteCohortMember(actor.orgId, cohortId, personId);
  }
  await recordAudit(deps, actor, 'member.erase', { kind: 'member', id: personId }, { cohortId });
  return { status: 'erased' };
}
