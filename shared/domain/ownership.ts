import type { Consent, Person } from './model';

/**
 * Whose a record is. A person belongs to themselves; the one exception is a record an organisation
 * brought to us from its list (`Person.broughtBy`) while its person has confirmed nothing: that is
 * still the organisation's own, to correct or erase.
 */

/** The consent text a removal leaves behind: a later re-add may invite them again. */
export const REMOVED_CONSENT_TEXT = 'Removed from their program by a counselor: nothing more is sent unless they are invited and accept again.';

const removedByCounselor = (consent: Consent | undefined) => consent?.state === 'revoked' && consent.text === REMOVED_CONSENT_TEXT;

/**
 * Nothing in this record was ever confirmed by its person: every consent is an invitation still
 * waiting, or one a removal withdrew.
 */
export const neverConfirmed = (person: Person) =>
  [person.consent.email, person.consent.sms].every((c) => c === undefined || (c.state === 'pending' && c.source.startsWith('counselor:')) || removedByCounselor(c));

/** The organisation brought this record to us and its person has confirmed nothing: it is the organisation's own. */
export const ownRecordOf = (person: Person, orgId: string) => person.broughtBy === orgId && neverConfirmed(person);

/** A number's consent that an organisation's invitation brought (its words name the organisation). */
export const invitedNumber = (consent: Consent | undefined) => consent !== undefined && consent.text.startsWith('Invited by ');
