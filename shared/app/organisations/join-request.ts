import type { CohortMember } from '../../domain/counselor';
import { membershipOf, verifyToken } from '../../domain/tokens';
import { answerMemberships, type ContactChoice, type MembershipAnswer, type MembershipAnswerDeps } from './membership-answers';
import { maskEmail, maskPhone } from '../subscription/view-preferences';

/**
 * The join link: what someone already with us gets, at their own confirmed address, when an
 * organisation adds them to a cohort. Opening it changes nothing (mail scanners open links); the
 * person presses yes or no. The link names the organisation; it answers for that one only.
 */

export interface JoinDeps extends MembershipAnswerDeps {
  tokenSecret: string;
}

export type JoinView =
  /** `contacts`: theirs, partly hidden, that they may choose to let the organisation see. */
  | { status: 'pending'; orgName: string; contacts: { email?: string; phone?: string } }
  /** `justNow`: this press gave the answer (not an earlier one). */
  | { status: 'answered'; orgName: string; answer: MembershipAnswer; justNow?: boolean }
  /** The organisation let go of them, or the link names nothing we know: nothing to answer. */
  | { status: 'nothing-to-answer' }
  | { status: 'invalid-link'; reason: 'malformed' | 'bad_signature' | 'wrong_purpose' | 'expired' | 'unknown_person' };

type Request = { personId: string; orgId: string; orgName: string; ours: CohortMember[]; contacts: { email?: string; phone?: string } };
const isInvalidLink = (found: Request | Extract<JoinView, { status: 'invalid-link' }>): found is Extract<JoinView, { status: 'invalid-link' }> => 'reason' in found;

async function requestOf(deps: JoinDeps, token: string): Promise<Request | Extract<JoinView, { status: 'invalid-link' }>> {
  const check = verifyToken(deps.tokenSecret, token, 'join', deps.clock.now());
  if (!check.ok) return { status: 'invalid-link', reason: check.reason };
  const membership = membershipOf(check.payload);
  const person = await deps.store.getPerson(check.payload.sub);
  if (!person || !membership) return { status: 'invalid-link', reason: 'unknown_person' };
  const ours = (await deps.counselors.cohortsOfPerson(person.personId)).filter((m) => m.orgId === membership.orgId && m.status === 'active');
  const orgName = (await deps.counselors.getOrganisation(membership.orgId))?.name ?? membership.orgId;
  // Only contacts they confirmed with us can be offered: a number nobody said yes to is nobody's to share.
  const contacts = {
    ...(person.email && person.consent.email?.state === 'confirmed' && { email: maskEmail(person.email) }),
    ...(person.phone && person.consent.sms?.state === 'confirmed' && { phone: maskPhone(person.phone) }),
  };
  return { personId: person.personId, orgId: membership.orgId, orgName, ours, contacts };
}

/** What the page shows before the press. Reading changes nothing. */
export async function viewJoinRequest(deps: JoinDeps, token: string): Promise<JoinView> {
  const found = await requestOf(deps, token);
  if (isInvalidLink(found)) return found;
  if (found.ours.length === 0) return { status: 'nothing-to-answer' };
  if (found.ours.some((m) => (m.consent?.state ?? 'pending') === 'pending')) return { status: 'pending', orgName: found.orgName, contacts: found.contacts };
  const answer = found.ours.some((m) => m.consent?.state === 'accepted') ? 'accepted' : 'declined';
  return { status: 'answered', orgName: found.orgName, answer };
}

/**
 * The press: yes or no to the organisation the link names (every cohort of it still waiting),
 * with a yes the contacts they tick for its counselors to see (only ones they confirmed with us).
 * A second press, or one after the organisation let go, changes nothing and says so.
 */
export async function answerJoinRequest(deps: JoinDeps, token: string, answer: MembershipAnswer, share: ContactChoice = {}): Promise<JoinView> {
  const found = await requestOf(deps, token);
  if (isInvalidLink(found)) return found;
  const offered = { email: share.email === true && found.contacts.email !== undefined, phone: share.phone === true && found.contacts.phone !== undefined };
  const { orgNames } = await answerMemberships(deps, found.personId, { orgId: found.orgId }, answer, 'join-link', offered);
  if (orgNames.length > 0) return { status: 'answered', orgName: found.orgName, answer, justNow: true };
  return viewJoinRequest(deps, token);
}
