import type { Consent, Message, Person } from '../../domain/model';

/**
 * The person's consent on a message's channel, if it is in `state` and the message still goes to
 * the address that consent is for (they may have changed it since the message was queued).
 * Undefined otherwise: the message is not theirs to get any more.
 */
export function consentFor(person: Person | undefined, message: Pick<Message, 'channel' | 'to'>, state: Consent['state']): Consent | undefined {
  const consent = person?.consent[message.channel];
  const address = message.channel === 'email' ? person?.email : person?.phone;
  return consent?.state === state && address === message.to ? consent : undefined;
}
