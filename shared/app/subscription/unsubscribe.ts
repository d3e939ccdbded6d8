/**
 * Unsubscribing from email (RFC 8058 one-click or the page's button): consent revoked and pending
 * emails cancelled at once, idempotent, so a repeated or late POST never sends anything again.
 */
import { verifyToken } from '../../domain/tokens';
import { loggerOf } from '../../ports';
import { countPersonDetails } from '../engagement/engagement-counts';
import { PersonGone } from '../../domain/errors';
import { type SubscriptionDeps, type InvalidLink, personOf, isInvalid } from './deps';

export type UnsubscribeSource = 'one-click' | 'unsubscribe-page';
export type UnsubscribeOutcome = { status: 'unsubscribed' | 'already-unsubscribed'; personId?: string } | Exclude<InvalidLink, { reason: 'unknown_person' }>;

/**
 * RFC 8058 one-click (source `one-click`) or the button on the page (`unsubscribe-page`): email
 * consent revoked and pending emails cancelled, at once. Idempotent: a second POST, or one for a
 * person who has erased their data, changes nothing and still answers "unsubscribed".
 */
export async function unsubscribe(deps: SubscriptionDeps, token: string, source: UnsubscribeSource): Promise<UnsubscribeOutcome> {
  const found = await personOf(deps, token, 'unsubscribe');
  if (isInvalid(found)) {
    if (found.reason !== 'unknown_person') return found as Exclude<InvalidLink, { reason: 'unknown_person' }>;
    // Erased (or being erased): whatever of theirs might still be planned is withdrawn all the same.
    const check = verifyToken(deps.tokenSecret, token, 'unsubscribe', deps.clock.now());
    if (check.ok) await deps.store.cancelPendingMessages(check.payload.sub, 'unsubscribed', deps.clock.now(), 'email');
    return { status: 'already-unsubscribed' };
  }
  const { person } = found;
  const now = deps.clock.now();
  const had = person.consent.email;
  if (had && had.state !== 'revoked') {
    const revoked = { ...person, consent: { ...person.consent, email: { ...had, state: 'revoked' as const, source, at: now.toISOString() } } };
    await deps.store.savePerson(revoked).then(
      () => countPersonDetails(deps, revoked, now),
      (error: unknown) => {
        // Erased meanwhile: nothing left to revoke; what might still be planned is withdrawn below.
        if (!(error instanceof PersonGone)) throw error;
      },
    );
  }
  // Even when already revoked: a message planned by a race since then must not go either.
  await deps.store.cancelPendingMessages(person.personId, 'unsubscribed', now, 'email');
  const status = had && had.state !== 'revoked' ? 'unsubscribed' : 'already-unsubscribed';
  loggerOf(deps).info('email unsubscribe', { personId: person.personId, source, status });
  return { status, personId: person.personId };
}

/** The unsubscribe page (GET): checks the link, changes nothing. */
export async function checkUnsubscribeLink(deps: SubscriptionDeps, token: string): Promise<{ status: 'ok' } | InvalidLink> {
  const check = verifyToken(deps.tokenSecret, token, 'unsubscribe', deps.clock.now());
  return check.ok ? { status: 'ok' } : { status: 'invalid-link', reason: check.reason };
}
