import { cohortReport, memberTimeline, type CohortReport, type MemberRecords, type TimelineItem } from '../domain/cohort-report';
import { isAcceptedMember, type Cohort, type CohortMember, type CounselorPrincipal } from '../domain/counselor';
import { findStep } from '../domain/render';
import type { ConsentBucket } from '../domain/cohort-report';
import type { Clock, Store } from '../ports';
import type { CounselorStore } from '../ports/counselor';
import { DomainError } from './errors';
import { loadLibrary } from './library';
import type { Library } from './planning';

/**
 * What the counselor dashboard, the CSV export and the weekly digest read: a cohort's report and
 * a member's timeline, gathered through the ports. The organisation always comes from the
 * principal (the verified token): a cohort or member of another organisation is "not found",
 * exactly as one that does not exist, so nothing about other organisations leaks.
 */

export interface CohortReportDeps {
  store: Pick<Store, 'getPerson' | 'listMessages' | 'listJournalEntries' | 'listSafetyEvents' | 'getCalendarOverrides'>;
  counselors: Pick<CounselorStore, 'getCohort' | 'listCohorts' | 'listCohortMembers' | 'getCohortMember'>;
  clock: Clock;
  /** Fixed content for tests; otherwise the shipped library. */
  library?: Library;
}

/** How many members' records are read at once: a cohort of thousands must not open thousands of requests. */
const READ_CONCURRENCY = 16;

async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}

/** "Is this message a check-in?" from the library's sequences (a `checkin` step). */
export function checkinTest(library: Library) {
  return (message: { sequenceId: string; stepId: string }) => {
    const sequence = library.sequences.get(message.sequenceId);
    return sequence !== undefined && findStep(sequence, message.stepId)?.kind === 'checkin';
  };
}

async function recordsOf(store: CohortReportDeps['store'], personId: string): Promise<MemberRecords> {
  const person = await store.getPerson(personId);
  if (!person) return { personId, messages: [], journal: [], safety: [] };
  const [all, journal, safety] = await Promise.all([store.listMessages(personId), store.listJournalEntries(personId), store.listSafetyEvents(personId)]);
  // Reports are about coaching: the invitation is not a message the person chose to get (whether
  // they accepted shows in their consent).
  const messages = all.filter((m) => !m.invitation);
  return { personId, person, messages, journal, safety };
}

const notFound = () => new DomainError('not_found', 'No such cohort.');

/** A cohort of the caller's organisation, or not_found (also for another organisation's). */
export async function cohortOf(deps: Pick<CohortReportDeps, 'counselors'>, principal: CounselorPrincipal, cohortId: string): Promise<Cohort> {
  const cohort = await deps.counselors.getCohort(principal.orgId, cohortId);
  if (!cohort || cohort.orgId !== principal.orgId) throw notFound();
  return cohort;
}

/** The cohorts of the caller's organisation, live ones first, then by name. */
export async function listOrgCohorts(deps: Pick<CohortReportDeps, 'counselors'>, principal: CounselorPrincipal): Promise<Cohort[]> {
  const cohorts = (await deps.counselors.listCohorts(principal.orgId)).filter((c) => c.orgId === principal.orgId);
  return cohorts.sort((a, b) => Number(a.archived) - Number(b.archived) || a.name.localeCompare(b.name));
}

export interface CohortReportView {
  cohort: Cohort;
  /** Members who said yes to the organisation: the only ones whose records it may read. */
  report: CohortReport;
  /** Members still to answer: a count only (they said nothing yet, so nothing of theirs is shown). */
  waiting: number;
}

/**
 * The report of one cohort of the caller's organisation: its active members' records (removed
 * members are no longer followed), read a few at a time, then the pure report.
 */
export async function cohortReportFor(deps: CohortReportDeps, principal: CounselorPrincipal, cohortId: string): Promise<CohortReportView> {
  const cohort = await cohortOf(deps, principal, cohortId);
  const members = await deps.counselors.listCohortMembers(cohort.orgId, cohort.cohortId);
  const waiting = members.filter((m) => m.status === 'active' && (m.consent?.state ?? 'pending') === 'pending').length;
  return { cohort, report: await reportOfCohort(deps, cohort, members), waiting };
}

/**
 * The report of a cohort already known to be the caller's (the weekly digest reads it this way
 * too): its members who said yes to the organisation, and nobody else.
 */
export async function reportOfCohort(deps: CohortReportDeps, cohort: Cohort, listed?: readonly CohortMember[]): Promise<CohortReport> {
  const members = (listed ?? (await deps.counselors.listCohortMembers(cohort.orgId, cohort.cohortId))).filter(isAcceptedMember);
  const library = deps.library ?? (await loadLibrary(deps.store));
  const records = await mapLimited(members, READ_CONCURRENCY, (m) => recordsOf(deps.store, m.personId));
  return cohortReport({ cohortId: cohort.cohortId, members: records, now: deps.clock.now(), isCheckin: checkinTest(library) });
}

export interface MemberTimelineView {
  cohort: Cohort;
  personId: string;
  firstName?: string;
  consent: { email: ConsentBucket; sms: ConsentBucket };
  /** Coaching is paused until a human resumes it (a crisis message). */
  supportHold: boolean;
  timeline: TimelineItem[];
}

/**
 * One member's timeline, for a member of a cohort of the caller's organisation (removed members
 * included: a counselor may look back). Engagement only: never the member's plan (issue 8 shows
 * it only with their leave) nor the words of their texts.
 */
export async function memberTimelineFor(deps: CohortReportDeps, principal: CounselorPrincipal, cohortId: string, personId: string): Promise<MemberTimelineView> {
  const cohort = await cohortOf(deps, principal, cohortId);
  const member = await deps.counselors.getCohortMember(principal.orgId, cohortId, personId);
  if (!member || member.orgId !== principal.orgId) throw new DomainError('not_found', 'No such member in this cohort.');
  // Removed members who had said yes stay readable (a counselor may look back); nobody else is.
  if (member.consent?.state !== 'accepted') throw new DomainError('not_found', 'This member has not said yes to your organisation: until they do, you see nothing of their coaching.');
  const all = await recordsOf(deps.store, personId);
  if (!all.person) throw new DomainError('not_found', 'No such member in this cohort.');
  // A removed member's page looks back only: nothing of what they did after leaving.
  const until = member.status === 'removed' && member.removedAt ? Date.parse(member.removedAt) : Number.POSITIVE_INFINITY;
  const before = <T extends { at?: string; updatedAt?: string; sendAt?: string }>(items: readonly T[]) => items.filter((i) => Date.parse(i.at ?? i.sendAt ?? i.updatedAt ?? '') <= until);
  const records = { ...all, messages: before(all.messages), journal: before(all.journal), safety: before(all.safety) };
  const library = deps.library ?? (await loadLibrary(deps.store));
  const person = all.person;
  return {
    cohort,
    personId,
    ...(person.firstName && { firstName: person.firstName }),
    consent: { email: person.consent.email?.state ?? 'none', sms: person.consent.sms?.state ?? 'none' },
    supportHold: person.profile.supportHold === true,
    timeline: memberTimeline(records, checkinTest(library)),
  };
}
