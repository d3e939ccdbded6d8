import type { CohortMember } from '../../domain/counselor';
import { applyEvent, cohortRef, emptyStats, recountStats, type EngagementEvent, type EngagementStats } from '../../domain/engagement';
import { PersonGone } from '../../domain/errors';
import type { Message, Person } from '../../domain/model';
import type { Clock, Logger, Store } from '../../ports';
import { loggerOf } from '../../ports';
import type { EngagementStore } from '../../ports/engagement';
import { checkinTest } from './checkin-test';
import type { Library } from '../scheduling/planning';

/**
 * Keeping a followed member's engagement counts as things happen (shared/domain/engagement.ts),
 * and linking them to the cohorts they said yes to.
 *
 * Counting never stands in the way of what is counted: the message has gone, the reply has been
 * answered, and a count that cannot be written (a storage fault) is logged and left for the
 * recount (recountMember: rebuilt from the person's records, which lose nothing) rather than
 * undoing or repeating what happened. Someone erased meanwhile is simply not counted.
 */

export interface EngagementDeps {
  engagement: EngagementStore;
  log?: Logger;
}

/** Applies one event to someone whose counts are kept; nothing for anyone else. */
export async function countEvent(deps: EngagementDeps, personId: string, event: EngagementEvent): Promise<void> {
  try {
    // No counts yet means no organisation follows them (or their link is still being made, which
    // rebuilds the counts from their records): nothing to add to.
    await deps.engagement.changeStats(personId, (current) => current && applyEvent(current, event));
  } catch (error) {
    if (error instanceof PersonGone) return;
    loggerOf(deps).warn('engagement not counted; a recount will find it', { personId, event: event.kind, error: error instanceof Error ? error.name : typeof error });
  }
}

/** A message of ours finished: for someone an organisation follows, and coaching only (invitations are not). */
export async function countMessageOutcome(
  deps: EngagementDeps,
  message: Pick<Message, 'personId' | 'profile' | 'invitation' | 'channel' | 'sequenceId' | 'stepId'>,
  outcome: 'sent' | 'failed',
  at: Date,
  isCheckin: boolean,
): Promise<void> {
  if (!message.profile.followed || message.invitation) return;
  const event: EngagementEvent = outcome === 'sent' ? { kind: 'sent', at: at.toISOString(), channel: message.channel === 'email' ? 'email' : 'sms', checkin: isCheckin } : { kind: 'failed', at: at.toISOString() };
  await countEvent(deps, message.personId, event);
}

/** Their channels' consent as the counts keep it (opted out, confirmed ...). */
const consentEvent = (person: Pick<Person, 'consent'>, at: Date): EngagementEvent => ({
  kind: 'consent',
  at: at.toISOString(),
  email: person.consent.email?.state ?? 'none',
  sms: person.consent.sms?.state ?? 'none',
});

// ---- Linking a member to their cohorts ---------------------------------------------------------------------

export interface LinkDeps extends EngagementDeps {
  store: Pick<Store, 'getPerson' | 'savePerson' | 'listMessages' | 'listJournalEntries' | 'listSafetyEvents'>;
  clock: Clock;
  library: Library;
}

/** Rounds of recount before giving up: each lost round means an event landed meanwhile. */
const RECOUNT_ROUNDS = 6;

/**
 * Rebuilds a person's counts from their records and sets which cohorts they are in (`cohorts`
 * given: exactly those; otherwise as stored). Written only over the version read before the
 * records were read, so an event counted meanwhile is never overwritten: the records are read
 * again instead. Returns the counts stored (or undefined for someone gone).
 */
export async function recountMember(deps: LinkDeps, personId: string, cohorts?: (current: readonly string[]) => string[]): Promise<EngagementStats | undefined> {
  const isCheckin = checkinTest(deps.library);
  for (let round = 0; round < RECOUNT_ROUNDS; round++) {
    const [held] = (await deps.engagement.getStats([personId])).values();
    const person = await deps.store.getPerson(personId);
    if (!person) return undefined;
    const [messages, journal, safety] = await Promise.all([deps.store.listMessages(personId), deps.store.listJournalEntries(personId), deps.store.listSafetyEvents(personId)]);
    const fresh = recountStats({ personId, person, messages, journal, safety }, isCheckin, deps.clock.now());
    let stale = false;
    try {
      const stored = await deps.engagement.changeStats(personId, (current) => {
        if ((current?.version ?? 0) !== (held?.version ?? 0)) {
          stale = true;
          return undefined;
        }
        const linked = cohorts ? cohorts(current?.cohorts ?? []) : (current?.cohorts ?? []);
        return { ...fresh, version: current?.version ?? 0, cohorts: linked };
      });
      if (!stale) return stored;
    } catch (error) {
      if (error instanceof PersonGone) return undefined;
      throw error;
    }
  }
  throw new Error('engagement counts kept changing while they were recounted; try again');
}

/**
 * A member said yes to their organisation: their counts are rebuilt from their records, the
 * cohort's figures take them in, and their profile says they are followed (so the dispatcher
 * counts what it sends them). Repeating it changes nothing more.
 */
export async function linkMember(deps: LinkDeps, member: Pick<CohortMember, 'orgId' | 'cohortId' | 'personId'>): Promise<void> {
  const ref = cohortRef(member.orgId, member.cohortId);
  const stored = await recountMember(deps, member.personId, (current) => [...new Set([...current, ref])]);
  if (!stored) return;
  await setFollowed(deps, member.personId, true);
}

/**
 * A member leaves a cohort's figures (removed, or no longer accepted). When no cohort follows
 * them any more, their profile says so and the dispatcher stops counting.
 */
export async function unlinkMember(deps: Pick<LinkDeps, 'engagement' | 'store' | 'log'>, member: Pick<CohortMember, 'orgId' | 'cohortId' | 'personId'>): Promise<void> {
  const ref = cohortRef(member.orgId, member.cohortId);
  try {
    const stored = await deps.engagement.changeStats(member.personId, (current) => current && current.cohorts.includes(ref) ? { ...current, cohorts: current.cohorts.filter((c) => c !== ref) } : undefined);
    if (stored && stored.cohorts.length === 0) await setFollowed(deps, member.personId, false);
  } catch (error) {
    if (!(error instanceof PersonGone)) throw error;
  }
}

/** Marks the profile (copied onto every message planned from now on: re-planning carries it to those already planned). */
async function setFollowed(deps: Pick<LinkDeps, 'store'>, personId: string, followed: boolean): Promise<void> {
  const person = await deps.store.getPerson(personId);
  if (!person || (person.profile.followed === true) === followed) return;
  const { followed: _was, ...profile } = person.profile;
  try {
    await deps.store.savePerson({ ...person, profile: followed ? { ...profile, followed: true } : profile });
  } catch (error) {
    if (!(error instanceof PersonGone)) throw error;
  }
}


/**
 * A followed person's own details changed (a STOP, an unsubscribe, a bounce, a YES, their name in
 * their preferences): their counts and their cohorts' name index say so.
 */
export async function countPersonDetails(deps: Partial<EngagementDeps>, person: Pick<Person, 'personId' | 'consent' | 'profile' | 'firstName'>, at: Date): Promise<void> {
  if (!deps.engagement || !person.profile.followed) return;
  try {
    await deps.engagement.changeStats(person.personId, (current) =>
      current && applyEvent(applyEvent(current, consentEvent(person, at)), { kind: 'name', at: at.toISOString(), ...(person.firstName && { firstName: person.firstName }) }),
    );
  } catch (error) {
    if (error instanceof PersonGone) return;
    loggerOf(deps).warn('engagement not counted; a recount will find it', { personId: person.personId, event: 'details', error: error instanceof Error ? error.name : typeof error });
  }
}
