import { createHash } from 'node:crypto';
import * as z from 'zod';
import { NO_REPLY_DAYS, overallConsent, type ConsentBucket } from '../../domain/cohort-report';
import { isAcceptedMember, type Cohort, type CohortMember, type CounselorPrincipal } from '../../domain/counselor';
import { cohortFigures, openFlags, quietIndexUpperBound, silentSince, type CohortFigures, type EngagementStats, type OpenFlagReason } from '../../domain/engagement';
import { E164, Email, type Person } from '../../domain/model';
import type { Clock, Store } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import type { EngagementStore } from '../../ports/engagement';
import { DomainError, describeIssues } from '../../domain/errors';

/**
 * One page of a cohort, at any size: its figures (the totals kept as things happen, one read) and
 * one page of its members, chosen by a filter or an exact search. What a page reads is what it
 * shows: the totals, a page of member rows (or of an index), and those members' counts, links
 * and names, whether the cohort holds 20 people or 20,000.
 *
 * A person belongs to themselves: someone who has not said yes shows only as the counselor typed
 * them (a label) and their answer, and a search (by name, email or phone) looks only among members
 * who said yes, with the same "nobody found" for anyone else, so it tells nobody whether a person
 * is with us.
 */

export const MEMBER_FILTERS = ['all', 'waiting', 'accepted', 'declined', 'flagged', 'silent'] as const;
export type MemberFilter = (typeof MEMBER_FILTERS)[number];

/** A page position: what follows is read strictly after it (opaque to callers). */
const Cursor = z.string().max(400).regex(/^[A-Za-z0-9_-]+$/, 'that page position is not one we gave');

export const CohortPageQuery = z
  .object({
    show: z.enum(MEMBER_FILTERS).default('all'),
    q: z.string().trim().max(254, 'a search can be at most 254 characters').optional(),
    after: Cursor.optional(),
    size: z.coerce.number().int().min(10).max(200).default(50),
  })
  .strict();
export type CohortPageQuery = z.output<typeof CohortPageQuery>;

export interface MemberRow {
  personId: string;
  /** A short, stable tag that tells two members of the same name apart (from their id: reveals nothing). */
  tag: string;
  answer: 'pending' | 'accepted' | 'declined';
  status: CohortMember['status'];
  /** Their own first name once they said yes; until then what the counselor typed. */
  name?: string;
  addedAt: string;
  /** Accepted members only. */
  engagement?: {
    consent: ConsentBucket;
    sent: number;
    checkinsSent: number;
    checkinsAnswered: number;
    lastScore?: number;
    lastReplyAt?: string;
    openFlags: { reason: OpenFlagReason; at: string }[];
    /** Quiet long enough to count as silent (NO_REPLY_DAYS). */
    silentSince?: string;
  };
}

export interface CohortPageView {
  cohort: Cohort;
  figures: CohortFigures;
  /** Members silent for NO_REPLY_DAYS or more: counted up to SILENT_COUNT_CAP (`more` beyond). */
  silent: { count: number; more: boolean };
  query: CohortPageQuery;
  /** What a search looked for, when it did. */
  search?: { by: 'name' | 'email' | 'phone' };
  rows: MemberRow[];
  /** The next page's position, when there may be more. */
  next?: string;
}

export interface CohortPageDeps {
  store: Pick<Store, 'getPeople' | 'findPersonIdByEmail' | 'findPersonIdByPhone'>;
  counselors: Pick<CounselorStore, 'getCohort' | 'listCohortMembersPage' | 'getCohortMembers'>;
  engagement: Pick<EngagementStore, 'cohortTotals' | 'getStats' | 'getLinks' | 'listIndex'>;
  clock: Clock;
}

/** Silent members are counted this far and no further: the count reads index entries, and a page must cost a page. */
export const SILENT_COUNT_CAP = 200;
/** Rows looked at for one page of an answer filter (waiting, accepted, declined) before the page ends early. */
const SCAN_PAGES = 10;

/** Five letters and digits from a hash of the id: stable, evenly spread (60 million tags), and telling nothing. */
export const memberTag = (personId: string) => BigInt(`0x${createHash('sha256').update(personId).digest('hex').slice(0, 12)}`).toString(36).slice(-5).padStart(5, '0');
const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const decode = (cursor: string | undefined) => (cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8'));

export function parseCohortPageQuery(raw: unknown): CohortPageQuery {
  const parsed = CohortPageQuery.safeParse(raw);
  if (!parsed.success) throw new DomainError('validation', describeIssues(parsed.error.issues));
  return parsed.data;
}

export async function cohortPage(deps: CohortPageDeps, principal: CounselorPrincipal, cohortId: string, query: CohortPageQuery): Promise<CohortPageView> {
  const cohort = await deps.counselors.getCohort(principal.orgId, cohortId);
  // Another organisation's cohort reads exactly like one that does not exist.
  if (!cohort || cohort.orgId !== principal.orgId) throw new DomainError('not_found', 'No such cohort.');
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - NO_REPLY_DAYS * 86_400_000);
  const [totals, silentPage] = await Promise.all([
    deps.engagement.cohortTotals(cohort.orgId, cohort.cohortId),
    deps.engagement.listIndex(cohort.orgId, cohort.cohortId, 'quiet', { limit: SILENT_COUNT_CAP + 1, upTo: quietIndexUpperBound(cutoff) }),
  ]);
  const figures = cohortFigures(totals, now);
  const silent = { count: Math.min(silentPage.entries.length, SILENT_COUNT_CAP), more: silentPage.entries.length > SILENT_COUNT_CAP };

  const found: { members: CohortMember[]; next?: string; search?: { by: 'name' | 'email' | 'phone' } } = query.q ? await searched(deps, cohort, query) : await filtered(deps, cohort, query, cutoff);
  const rows = await rowsOf(deps, cohort, found.members, now);
  return { cohort, figures, silent, query, ...(found.search && { search: found.search }), rows, ...(found.next && { next: found.next }) };
}

/** Exact search among members who said yes: an email, a phone number, or a first name (a page at a time: a common name may be many). */
async function searched(deps: CohortPageDeps, cohort: Cohort, query: CohortPageQuery): Promise<{ members: CohortMember[]; next?: string; search: { by: 'name' | 'email' | 'phone' } }> {
  const q = query.q!;
  let next: string | undefined;
  const email = q.includes('@') ? Email.safeParse(q) : undefined;
  const phone = !q.includes('@') && /^[+\d][\d\s().-]{5,}$/.test(q) ? E164.safeParse(q.replace(/[\s().-]/g, '')) : undefined;
  let ids: string[];
  let by: 'name' | 'email' | 'phone';
  if (email) {
    by = 'email';
    const id = email.success ? await deps.store.findPersonIdByEmail(email.data) : undefined;
    ids = id ? [id] : [];
  } else if (phone) {
    by = 'phone';
    const id = phone.success ? await deps.store.findPersonIdByPhone(phone.data) : undefined;
    ids = id ? [id] : [];
  } else {
    by = 'name';
    const after = decode(query.after);
    const page = await deps.engagement.listIndex(cohort.orgId, cohort.cohortId, 'name', { limit: query.size, name: q, ...(after !== undefined && { after }) });
    ids = page.entries.map((e) => e.personId);
    if (page.next) next = encode(page.next);
  }
  const members = ids.length ? [...(await deps.counselors.getCohortMembers(cohort.orgId, cohort.cohortId, ids)).values()].filter(isAcceptedMember) : [];
  if (by === 'name' && members.length > 0) {
    // The index is kept as names change; the person's own record has the last word.
    const people = await deps.store.getPeople(members.map((m) => m.personId));
    const wanted = q.normalize('NFKC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('en-US');
    return { members: members.filter((m) => people.get(m.personId)?.firstName?.normalize('NFKC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('en-US') === wanted), ...(next && { next }), search: { by } };
  }
  return { members, ...(next && { next }), search: { by } };
}

async function filtered(deps: CohortPageDeps, cohort: Cohort, query: CohortPageQuery, cutoff: Date): Promise<{ members: CohortMember[]; next?: string }> {
  const after = decode(query.after);
  if (query.show === 'flagged' || query.show === 'silent') {
    const page = await deps.engagement.listIndex(cohort.orgId, cohort.cohortId, query.show === 'flagged' ? 'flag' : 'quiet', {
      limit: query.size,
      ...(after !== undefined && { after }),
      ...(query.show === 'silent' && { upTo: quietIndexUpperBound(cutoff) }),
    });
    const byId = await deps.counselors.getCohortMembers(cohort.orgId, cohort.cohortId, page.entries.map((e) => e.personId));
    const members = page.entries.map((e) => byId.get(e.personId)).filter((m): m is CohortMember => m !== undefined && isAcceptedMember(m));
    return { members, ...(page.next && { next: encode(page.next) }) };
  }
  const wanted = query.show === 'all' ? undefined : query.show === 'waiting' ? 'pending' : query.show;
  const members: CohortMember[] = [];
  let position = after;
  for (let scanned = 0; scanned < SCAN_PAGES; scanned++) {
    const page = await deps.counselors.listCohortMembersPage(cohort.orgId, cohort.cohortId, { limit: query.size, ...(position !== undefined && { after: position }) });
    const room = query.size - members.length;
    const fitting = page.members.filter((m) => wanted === undefined || (m.status === 'active' && (m.consent?.state ?? 'pending') === wanted));
    members.push(...fitting.slice(0, room));
    // Where the next page starts: after the last row shown, or after the last row looked at.
    if (fitting.length > room) return { members, next: encode(fitting[room - 1]!.personId) };
    position = page.members.at(-1)?.personId ?? position;
    if (!page.next) return { members };
    if (members.length >= query.size) return { members, next: encode(position!) };
  }
  // Rows looked at for this page ran out before it filled: the next page carries on from there.
  return { members, ...(position !== undefined && { next: encode(position) }) };
}

async function rowsOf(deps: CohortPageDeps, cohort: Cohort, members: readonly CohortMember[], now: Date): Promise<MemberRow[]> {
  const accepted = members.filter((m) => m.consent?.state === 'accepted').map((m) => m.personId);
  const [people, stats, links] = accepted.length
    ? await Promise.all([deps.store.getPeople(accepted), deps.engagement.getStats(accepted), deps.engagement.getLinks(cohort.orgId, cohort.cohortId, accepted)])
    : [new Map<string, Person>(), new Map<string, EngagementStats>(), new Map()];
  return members.map((m) => {
    const answer = m.consent?.state ?? 'pending';
    const person = answer === 'accepted' ? people.get(m.personId) : undefined;
    const name = answer === 'accepted' ? person?.firstName : m.label?.firstName;
    const s = answer === 'accepted' ? stats.get(m.personId) : undefined;
    const quiet = s && silentSince(s);
    const row: MemberRow = { personId: m.personId, tag: memberTag(m.personId), answer, status: m.status, addedAt: m.addedAt, ...(name && { name }) };
    if (answer === 'accepted' && person) {
      row.engagement = {
        consent: overallConsent(person.consent.email?.state ?? 'none', person.consent.sms?.state ?? 'none'),
        sent: s?.sent ?? 0,
        checkinsSent: s?.checkinsSent ?? 0,
        checkinsAnswered: s?.checkinsAnswered ?? 0,
        ...(s?.lastScore && { lastScore: s.lastScore.score }),
        ...(s?.lastReplyAt && { lastReplyAt: s.lastReplyAt }),
        openFlags: s ? openFlags(s, links.get(m.personId)?.contactedAt) : [],
        ...(quiet && Date.parse(quiet) <= now.getTime() - NO_REPLY_DAYS * 86_400_000 && { silentSince: quiet }),
      };
    }
    return row;
  });
}

/** The organisation's cohorts with their member and flag counts: one totals read per cohort. */
export async function cohortsWithCounts(
  deps: Pick<CohortPageDeps, 'counselors' | 'engagement' | 'clock'> & { counselors: Pick<CounselorStore, 'listCohorts'> },
  principal: CounselorPrincipal,
): Promise<{ cohort: Cohort; figures: CohortFigures }[]> {
  const cohorts = (await deps.counselors.listCohorts(principal.orgId))
    .filter((c) => c.orgId === principal.orgId)
    .sort((a, b) => Number(a.archived) - Number(b.archived) || a.name.localeCompare(b.name));
  const now = deps.clock.now();
  return Promise.all(cohorts.map(async (cohort) => ({ cohort, figures: cohortFigures(await deps.engagement.cohortTotals(cohort.orgId, cohort.cohortId), now, 1) })));
}
