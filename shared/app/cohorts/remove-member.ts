/**
 * Taking a member out of a cohort: what the organisation started for them stops at once, what
 * they want for themselves stays, and the answer is the same for everyone.
 */
import { counselorConsentSource, isAcceptedMember, type CounselorPrincipal } from '../../domain/counselor';
import { REMOVED_CONSENT_TEXT, ownRecordOf } from '../../domain/ownership';
import type { Consent } from '../../domain/model';
import { recordAudit } from '../counselors/audit';
import { definedOnly } from '../scheduling/enroll';
import { unlinkMember } from '../engagement/engagement-counts';
import { PersonGone } from '../../domain/errors';
import { replanPerson } from '../scheduling/replan';
import type { CohortDeps } from './deps';
import { getCohort, memberOf } from './get-cohort';

/**
 * Takes a member out of the cohort. The answer is the same for everyone (`removed`), whatever the
 * person's records held, so removal tells the counselor nothing either.
 * - Someone who came to us only through invitations (the organisation's own record, or a yes to
 *   its invitation) and is in no other active cohort: every message still to go is withdrawn, the
 *   consent the invitation brought is revoked, the tracks end.
 * - Someone who said yes to the organisation and also wants coaching of their own, or is in
 *   another cohort: this cohort's tracks end (those another of their memberships still asks for
 *   stay), what is still to go is re-planned.
 * - Someone already with us who never said yes: only the membership goes; nothing of theirs changes.
 */
export async function removeMember(deps: CohortDeps, actor: CounselorPrincipal, cohortId: string, personId: string): Promise<{ status: 'removed' }> {
  const member = await memberOf(deps, actor, cohortId, personId);
  const cohort = await getCohort(deps, actor, cohortId);
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  if (member.status !== 'removed') await deps.counselors.saveCohortMember({ ...member, status: 'removed', removedAt: nowIso }).catch(ignoreGone);
  // Their engagement leaves this cohort's figures (the same again changes nothing).
  if (member.consent?.state === 'accepted' && deps.engagement) await unlinkMember({ engagement: deps.engagement, store: deps.store, ...definedOnly({ log: deps.log }) }, member);
  const person = await deps.store.getPerson(personId);
  const memberships = person ? await deps.counselors.cohortsOfPerson(personId) : [];
  const others = memberships.filter((m) => m.status === 'active' && !(m.orgId === actor.orgId && m.cohortId === cohortId));
  const owned = person !== undefined && ownRecordOf(person, actor.orgId);
  const accepted = member.consent?.state === 'accepted';
  // Every yes they gave was to an invitation (from this organisation or another): with no
  // membership left, nothing they asked for themselves remains.
  const onlyThroughOrganisations = person !== undefined && [person.consent.email, person.consent.sms].every((c) => c === undefined || c.source.startsWith('counselor:'));

  if (person && (owned || accepted) && others.length === 0 && onlyThroughOrganisations) {
    await deps.store.cancelPendingMessages(personId, 'removed-from-cohort', now);
    const revoke = (c: Consent | undefined): Consent | undefined =>
      c && c.state !== 'revoked' ? { state: 'revoked', source: counselorConsentSource(actor.counselorId), at: nowIso, text: REMOVED_CONSENT_TEXT } : c;
    try {
      await deps.store.savePerson({ ...person, consent: definedOnly({ email: revoke(person.consent.email), sms: revoke(person.consent.sms) }) });
      for (const e of await deps.store.listEnrollments(personId)) if (e.status === 'active') await deps.store.saveEnrollment({ ...e, status: 'ended' });
    } catch (error) {
      ignoreGone(error);
    }
  } else if (person && (accepted || owned)) {
    const stillWanted = new Set<string>();
    for (const other of others) {
      if (!isAcceptedMember(other) && !owned) continue;
      for (const id of (await deps.counselors.getCohort(other.orgId, other.cohortId))?.sequenceIds ?? []) stillWanted.add(id);
    }
    try {
      for (const e of await deps.store.listEnrollments(personId)) {
        if (e.status === 'active' && cohort.sequenceIds.includes(e.sequenceId) && !stillWanted.has(e.sequenceId)) await deps.store.saveEnrollment({ ...e, status: 'ended' });
      }
      await replanPerson({ store: deps.store, clock: deps.clock, ...definedOnly({ library: deps.library }) }, personId);
    } catch (error) {
      ignoreGone(error);
    }
  }
  await recordAudit(deps, actor, 'member.remove', { kind: 'member', id: personId }, { cohortId });
  return { status: 'removed' };
}

/** Erased meanwhile: nothing of theirs is left to change. */
const ignoreGone = (error: unknown) => {
  if (!(error instanceof PersonGone)) throw error;
};
