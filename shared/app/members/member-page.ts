import { isDeepStrictEqual } from 'node:util';
import { memberTimeline, type ConsentBucket, type TimelineItem } from '../../domain/cohort-report';
import type { Cohort, CounselorPrincipal } from '../../domain/counselor';
import { openFlags, pruneWeeks, recountStats, silentSince, type EngagementStats, type OpenFlagReason } from '../../domain/engagement';
import { DomainError } from '../../domain/errors';
import type { Clock, Logger, Store } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import type { ContactNote, EngagementStore } from '../../ports/engagement';
import { recordAudit } from '../counselors/audit';
import { checkinTest } from '../engagement/checkin-test';
import { recountMember } from '../engagement/engagement-counts';
import { loadLibrary } from '../scheduling/library';
import type { Library } from '../scheduling/planning';
import { acceptedMemberOf } from './member-access';

export interface MemberPageDeps {
  store: Store;
  counselors: CounselorStore;
  engagement: EngagementStore;
  clock: Clock;
  library?: Library;
  log?: Logger;
}

/** A contact the member shared with this organisation, with when they shared it. */
interface SharedContact {
  value: string;
  sharedAt: string;
  /** How they shared it (TALK, the join page ...). */
  source: string;
}

export interface MemberPageView {
  cohort: Cohort;
  personId: string;
  firstName?: string;
  /** Only what the member chose to share with this organisation, and still holds. */
  contacts: { email?: SharedContact; phone?: SharedContact };
  channels: { email: ConsentBucket; sms: ConsentBucket };
  /** How to reach them first: the way they asked (TALK by text), else a channel they use with us and shared. */
  preferred?: { channel: 'text' | 'email'; why: 'asked-to-talk' | 'shared-and-confirmed' };
  supportHold: boolean;
  /** Flags raised since one of the organisation's counselors last marked them contacted, newest first. */
  openFlags: { reason: OpenFlagReason; at: string }[];
  /** Texted and quiet since then (silent once NO_REPLY_DAYS old). */
  quietSince?: string;
  /** What the organisation's counselors noted after reaching them, newest first. */
  notes: ContactNote[];
  timeline: TimelineItem[];
}

/**
 * A member's page, for a counselor of the organisation they said yes to (removed members stay
 * readable: a counselor may look back; everyone else is "not found").
 * 1. Reads their records: the timeline (what we sent, how they answered; never their words).
 * 2. Shows the contacts they shared with this organisation (email, phone) and how to reach them
 *    first; viewing them is audited (the entry says how many were shown, never which).
 * 3. Their open flags, as the cohort's lists count them, and the organisation's contact notes.
 * 4. Their counts are checked against their records while they are at hand, and put right if a
 *    fault ever lost a count (a recount over the version read: nothing counted meanwhile is lost).
 */
export async function viewMember(deps: MemberPageDeps, principal: CounselorPrincipal, cohortId: string, personId: string): Promise<MemberPageView> {
  const { cohort, member } = await acceptedMemberOf(deps, principal, cohortId, personId, { removedToo: true });
  const person = await deps.store.getPerson(personId);
  if (!person) throw notFound();
  const library = deps.library ?? (await loadLibrary(deps.store));
  const isCheckin = checkinTest(library);
  const [all, journal, safety, notes, statsById, links] = await Promise.all([
    deps.store.listMessages(personId),
    deps.store.listJournalEntries(personId),
    deps.store.listSafetyEvents(personId),
    deps.engagement.listContactNotes(personId, principal.orgId),
    deps.engagement.getStats([personId]),
    deps.engagement.getLinks(principal.orgId, cohortId, [personId]),
  ]);
  // A removed member's page looks back only: nothing of what they did after leaving.
  const until = member.status === 'removed' && member.removedAt ? Date.parse(member.removedAt) : Number.POSITIVE_INFINITY;
  const before = <T extends { at?: string; updatedAt?: string; sendAt?: string }>(items: readonly T[]) => items.filter((i) => Date.parse(i.at ?? i.sendAt ?? i.updatedAt ?? '') <= until);
  const messages = before(all.filter((m) => !m.invitation));
  const records = { personId, person, messages, journal: before(journal), safety: before(safety) };
  let stats = statsById.get(personId);
  const fresh = recountStats(records, isCheckin, deps.clock.now());
  if (stats && member.status === 'active' && !sameCounts(stats, fresh, deps.clock.now())) {
    (deps.log ?? { warn() {} }).warn('engagement counts put right from the records', { personId });
    stats = (await recountMember({ engagement: deps.engagement, store: deps.store, clock: deps.clock, library, ...(deps.log && { log: deps.log }) }, personId)) ?? stats;
  }
  const share = member.status === 'active' ? member.contactShare : undefined;
  const contacts: MemberPageView['contacts'] = {
    ...(share?.email && person.email && { email: { value: person.email, sharedAt: share.email.at, source: share.email.source } }),
    ...(share?.phone && person.phone && { phone: { value: person.phone, sharedAt: share.phone.at, source: share.phone.source } }),
  };
  const channels = { email: person.consent.email?.state ?? 'none', sms: person.consent.sms?.state ?? 'none' } as const;
  const counts = stats ?? { ...fresh, version: 0, cohorts: [] };
  const talkAt = counts.talkAt;
  const preferred: MemberPageView['preferred'] =
    contacts.phone && talkAt && share?.phone?.source === 'sms-keyword'
      ? { channel: 'text', why: 'asked-to-talk' }
      : contacts.phone && channels.sms === 'confirmed'
        ? { channel: 'text', why: 'shared-and-confirmed' }
        : contacts.email && channels.email === 'confirmed'
          ? { channel: 'email', why: 'shared-and-confirmed' }
          : undefined;
  const shown = Object.keys(contacts).length;
  await recordAudit(deps, principal, 'member.view', { kind: 'member', id: personId }, { cohortId, contactsShown: shown });
  const quiet = silentSince(counts);
  return {
    cohort,
    personId,
    ...(person.firstName && { firstName: person.firstName }),
    contacts,
    channels,
    ...(preferred && { preferred }),
    supportHold: person.profile.supportHold === true,
    // Flags and silence are today's: a removed member's are no longer the organisation's to see.
    openFlags: member.status === 'active' ? openFlags(counts, links.get(personId)?.contactedAt) : [],
    ...(quiet && member.status === 'active' && { quietSince: quiet }),
    notes,
    timeline: memberTimeline(records, isCheckin),
  };
}

const notFound = () => new DomainError('not_found', 'No such member in this cohort, or they have not said yes to your organisation.');

/** The counts that matter, without when they were last written (and what only the store keeps); weeks as far back as both keep. */
function sameCounts(stored: EngagementStats, fresh: Omit<EngagementStats, 'version' | 'cohorts'>, now: Date): boolean {
  const { updatedAt: _u, version: _v, cohorts: _c, ...kept } = { ...stored, weeks: pruneWeeks(stored.weeks, now.toISOString()) };
  const { updatedAt: _f, ...rebuilt } = fresh;
  return isDeepStrictEqual(kept, rebuilt);
}
