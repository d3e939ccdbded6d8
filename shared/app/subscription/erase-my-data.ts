/**
 * "Delete all my data" from the preferences link: everything about the person goes, and the link
 * is checked first so the page can ask "are you sure?" only when the deletion can happen.
 */
import { verifyToken } from '../../domain/tokens';
import { loggerOf } from '../../ports';
import { type SubscriptionDeps, type InvalidLink, personOf, isInvalid } from './deps';

export type EraseOutcome = { status: 'erased'; items: number } | InvalidLink;

/**
 * "Delete all my data": everything about the person goes (Store.erasePerson). The log line says
 * only how many items went: no id, because after this nothing should lead back to them.
 */
export async function eraseMyData(deps: SubscriptionDeps, token: string): Promise<EraseOutcome> {
  const now = deps.clock.now();
  const check = verifyToken(deps.tokenSecret, token, 'preferences', now);
  if (!check.ok) return { status: 'invalid-link', reason: check.reason };
  // The mark first: from then on nothing new is written for them (a membership included), so
  // what the steps below delete is everything there will ever be.
  await deps.store.beginErasure(check.payload.sub, now);
  const memberships = (await deps.counselors?.forgetPerson(check.payload.sub)) ?? 0;
  const items = memberships + (await deps.store.erasePerson(check.payload.sub, now));
  loggerOf(deps).info('person erased on request', { items });
  return { status: 'erased', items };
}

/** For the confirmation-of-deletion step: the link must work before we ask "are you sure?". */
export async function checkPreferencesLink(deps: SubscriptionDeps, token: string): Promise<{ status: 'ok' } | InvalidLink> {
  const found = await personOf(deps, token, 'preferences');
  return isInvalid(found) ? found : { status: 'ok' };
}
