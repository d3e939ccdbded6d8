/**
 * The link in the confirmation email (a sign-up's or an organisation's invitation): the press that
 * turns email consent on and starts coaching, and the read-only peek the page shows first,
 * because mail scanners open links on their own.
 */
import type { Person } from '../../domain/model';
import { EMAIL_CONSENT_TEXT } from '../../domain/subscription-words';
import { loggerOf } from '../../ports';
import { definedOnly } from '../scheduling/enroll';
import { replanPerson } from '../scheduling/replan';
import { answerMemberships } from '../organisations/membership-answers';
import { invitedNumber } from '../../domain/ownership';
import { PersonGone } from '../../domain/errors';
import { isSuppressed, sendSmsOptInRequest, sendWhatsAppOptInRequest } from './consent-requests';
import { type SubscriptionDeps, answerDeps, type InvalidLink, personOf, isInvalid } from './deps';

export type ConfirmOutcome =
  | {
      status: 'confirmed' | 'already-confirmed';
      personId: string;
      /** The organisation whose invitation this was: the person said yes to it too. */
      orgName?: string;
    }
  /** The link was used before, or the address was unsubscribed or suppressed since: nothing changed. */
  | { status: 'not-pending' }
  | InvalidLink;

/**
 * The link in the confirmation email (a sign-up's, or an organisation's invitation).
 * 1. Checks the token (signature, purpose, expiry) and finds the person.
 * 2. Already confirmed: says so and changes nothing (the second click of a single-use link).
 * 3. Spends the link's nonce with a conditional write: of two clicks at once only one goes on.
 * 4. Email consent becomes `confirmed`: with the invitation's words when the link is an
 *    invitation's (and the person's yes to that organisation is kept with its membership), with
 *    the sign-up page's words otherwise. For someone who has never had a message, their tracks
 *    start now; then everything is planned.
 * 5. A number they gave with the form now gets the one text asking for YES.
 */
export async function confirmEmail(deps: SubscriptionDeps, token: string): Promise<ConfirmOutcome> {
  const found = await personOf(deps, token, 'confirm-email');
  if (isInvalid(found)) return found;
  const { person } = found;
  const consent = person.consent.email;
  const invitation = found.membership;
  const answers = answerDeps(deps);
  if (consent?.state === 'confirmed') {
    // Confirmed another way since (their own sign-up): an invitation's link is still their yes to
    // that organisation, once.
    if (invitation && answers && (await deps.store.consumeTokenNonce(found.nonce, new Date(found.exp * 1000)))) {
      await answerMemberships(answers, person.personId, { orgId: invitation.orgId }, 'accepted', 'email-link');
    }
    return { status: 'already-confirmed', personId: person.personId };
  }
  // Emails turned off or unsubscribed: a fresh link (a new sign-up) turns them on again, pressed
  // by the address's owner. An address SES suppressed (bounce, complaint) never comes back this way.
  const resuming = consent?.state === 'revoked' && !isSuppressed(consent) && !invitation;
  if (!consent || !person.email || !(consent.state === 'pending' || resuming)) return { status: 'not-pending' };
  if (!(await deps.store.consumeTokenNonce(found.nonce, new Date(found.exp * 1000)))) return { status: 'not-pending' };

  const now = deps.clock.now();
  // A sign-up's link confirms the sign-up page's words, even for a record an organisation made.
  const words = !resuming && (invitation || !consent.source.startsWith('counselor:')) ? { source: consent.source, text: consent.text } : { source: 'web', text: EMAIL_CONSENT_TEXT };
  try {
    const confirmed: Person = { ...person, consent: { ...person.consent, email: { ...consent, ...words, state: 'confirmed', at: now.toISOString() } } };
    // Their own sign-up claims a record an organisation made: what the organisation typed beyond
    // this address (a number, and a yes given from that number) does not come with it.
    const claimed = !invitation && person.broughtBy !== undefined ? claimFromOrganisation(confirmed) : confirmed;
    await deps.store.savePerson(claimed);
    if (claimed !== confirmed) await resetYesFromNumber(deps, person.personId, person.broughtBy!);
    if ((await deps.store.listMessages(person.personId)).every((m) => m.invitation)) {
      // Coaching starts when they say yes, not when the form was sent: "enrolled" steps count from now.
      // (A counselor's invitation is the only message someone who never said yes can have had.)
      for (const enrollment of await deps.store.listEnrollments(person.personId)) {
        if (enrollment.status !== 'active') continue;
        await deps.store.saveEnrollment({ ...enrollment, enrolledAt: now.toISOString(), anchors: { ...enrollment.anchors, enrolled: now.toISOString() } });
      }
    }
    const accepted = invitation && answers ? await answerMemberships(answers, person.personId, { orgId: invitation.orgId }, 'accepted', 'email-link') : undefined;
    await replanPerson({ store: deps.store, clock: deps.clock, ...definedOnly({ library: deps.library }) }, person.personId);
    const saved = await deps.store.getPerson(person.personId);
    if (saved?.phone && saved.consent.sms?.state === 'pending' && !saved.consent.sms.source.startsWith('counselor:')) await sendSmsOptInRequest(deps, saved);
    if (saved?.phone && saved.consent.whatsapp?.state === 'pending' && !saved.consent.whatsapp.source.startsWith('counselor:')) await sendWhatsAppOptInRequest(deps, saved);
    loggerOf(deps).info('email consent confirmed', { personId: person.personId, invitation: invitation !== undefined });
    return { status: 'confirmed', personId: person.personId, ...(accepted?.orgNames[0] && { orgName: accepted.orgNames[0] }) };
  } catch (error) {
    // Erased between the press and now: the link opens nothing any more.
    if (error instanceof PersonGone) return { status: 'invalid-link', reason: 'unknown_person' };
    throw error;
  }
}

/** The record without what an organisation brought: its number (unless the person confirmed it themselves), the mark itself. */
function claimFromOrganisation(person: Person): Person {
  const { broughtBy: _org, ...mine } = person;
  if (!invitedNumber(person.consent.sms)) return mine;
  const { phone: _phone, ...withoutNumber } = mine;
  const { sms: _sms, ...consent } = person.consent;
  return { ...withoutNumber, consent };
}

/** A yes to that organisation given by text from the number it typed is no longer theirs to count on: pending again. */
async function resetYesFromNumber(deps: SubscriptionDeps, personId: string, orgId: string): Promise<void> {
  const counselors = deps.counselors;
  if (!counselors?.cohortsOfPerson || !counselors.saveCohortMember) return;
  for (const member of await counselors.cohortsOfPerson(personId)) {
    if (member.orgId === orgId && member.consent?.state === 'accepted' && member.consent.source === 'sms-keyword') {
      await counselors.saveCohortMember({ ...member, consent: { state: 'pending', at: deps.clock.now().toISOString() } });
    }
  }
}

/**
 * What the confirmation page (GET) shows before the press that confirms: reading a link changes
 * nothing, because mail scanners open links on their own.
 */
export async function peekConfirmation(deps: SubscriptionDeps, token: string): Promise<{ status: 'pending' | 'already-confirmed'; personId: string } | { status: 'not-pending' } | InvalidLink> {
  const found = await personOf(deps, token, 'confirm-email');
  if (isInvalid(found)) return found;
  const consent = found.person.consent.email;
  if (consent?.state === 'confirmed') return { status: 'already-confirmed', personId: found.person.personId };
  const resuming = consent?.state === 'revoked' && !isSuppressed(consent) && !found.membership;
  return (consent?.state === 'pending' || resuming) && found.person.email ? { status: 'pending', personId: found.person.personId } : { status: 'not-pending' };
}
