import * as z from 'zod';
import { LOW_SCORE, NO_REPLY_DAYS, overallConsent, sentAtOf, weekStartOf, type ConsentBucket, type MemberRecords } from './checkins';
import type { DeliveryStatus, Message } from './model';

/**
 * A member's engagement, kept as it happens, and what it adds to their cohorts' figures. Pure.
 *
 * Why: a cohort page used to read every member's messages, texts and safety records on every view
 * (four queries a member: 36 s for 1,490 members). Now each person followed by an organisation has
 * one small record of counts (EngagementStats) that moves with each message, delivery report,
 * reply and flag; each cohort they said yes to keeps, per member, what that member last added to
 * the cohort's totals (CohortLink.snapshot), and the totals are the sum of those snapshots. A
 * change writes the person's record, their links and the totals' difference in one transaction,
 * so the totals always equal the sum of what the members' links say, and a cohort page reads its
 * totals and one page of members, whatever the cohort's size.
 *
 * The same counts can be rebuilt from a member's records (recountStats), which is how a member's
 * record starts when they say yes, and how it is put right if a change was ever lost (the
 * dispatcher sends first and counts after: a crash between the two would lose one count).
 */

const ENGAGEMENT_WEEKS_KEPT = 16;
/** Cohorts whose figures one person can be part of at once (a transaction holds their items). */
export const MAX_LINKED_COHORTS = 10;

const count = z.number().int().min(0);
const Instant = z.iso.datetime();
const Bucket = z.enum(['confirmed', 'pending', 'revoked', 'none']);

const WeekFigures = z.object({ scoreSum: count, scores: count, checkinsSent: count, checkinsAnswered: count });
type WeekFigures = z.infer<typeof WeekFigures>;

export const EngagementStats = z.object({
  personId: z.string().min(1),
  /** Bumped by every change: a write is made only over the version it read. */
  version: count,
  /** The cohorts (`<orgId>#<cohortId>`) whose figures include this person: their accepted memberships. */
  cohorts: z.array(z.string().min(3).max(140)).max(MAX_LINKED_COHORTS),
  /** Handed to the provider (coaching and announcements; invitations are not counted). */
  sent: count,
  /** Texts the carrier confirmed, not since undone. */
  delivered: count,
  /** Failed at the provider, or undelivered after. */
  failed: count,
  checkinsSent: count,
  checkinsAnswered: count,
  replies: count,
  lastReplyAt: Instant.optional(),
  firstTextAt: Instant.optional(),
  lastTextAt: Instant.optional(),
  lastScore: z.object({ score: z.number().int().min(1).max(5), at: Instant }).optional(),
  previousScore: z.number().int().min(1).max(5).optional(),
  /** The last crisis and distress flags and the last TALK, with how many of each. */
  crisis: z.object({ count, lastAt: Instant.optional() }),
  distress: z.object({ count, lastAt: Instant.optional() }),
  talkAt: Instant.optional(),
  consent: z.object({ email: Bucket, sms: Bucket }),
  /** What the name index of their cohorts finds them by (their own first name). */
  firstName: z.string().max(60).optional(),
  /** Per ISO week (Monday, UTC): the scores they sent and the check-ins sent to them and answered. */
  weeks: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), WeekFigures),
  updatedAt: Instant,
});
export type EngagementStats = z.infer<typeof EngagementStats>;

export const emptyStats = (personId: string, at: string): EngagementStats => ({
  personId,
  version: 0,
  cohorts: [],
  sent: 0,
  delivered: 0,
  failed: 0,
  checkinsSent: 0,
  checkinsAnswered: 0,
  replies: 0,
  crisis: { count: 0 },
  distress: { count: 0 },
  consent: { email: 'none', sms: 'none' },
  weeks: {},
  updatedAt: at,
});

export const cohortRef = (orgId: string, cohortId: string) => `${orgId}#${cohortId}`;
export const parseCohortRef = (ref: string) => {
  const cut = ref.indexOf('#');
  return { orgId: ref.slice(0, cut), cohortId: ref.slice(cut + 1) };
};

// ---- Events ------------------------------------------------------------------------------------------

const isDelivered = (status: DeliveryStatus | undefined) => status === 'delivered' || status === 'read';
const isUndelivered = (status: DeliveryStatus | undefined) => status === 'failed' || status === 'undelivered';

export type EngagementEvent =
  /** One of our messages went out (`channel`: sms for anything that reaches the phone, WhatsApp too; `checkin`: a step that asks for a score). */
  | { kind: 'sent'; at: string; channel: 'email' | 'sms'; checkin: boolean }
  /** One of our messages could not go out. */
  | { kind: 'failed'; at: string }
  /** A text's delivery state moved from `before` to `after` (the store keeps only later states). */
  | { kind: 'delivery'; at: string; before?: DeliveryStatus; after: DeliveryStatus }
  /** They texted us; `answered`: the first answer to a check-in sent at that time; `score` 1 to 5. */
  | { kind: 'reply'; at: string; answered?: { checkinSentAt: string }; score?: number }
  | { kind: 'flag'; at: string; reason: 'crisis' | 'distress' | 'talk' }
  | { kind: 'consent'; at: string; email: ConsentBucket; sms: ConsentBucket }
  | { kind: 'name'; at: string; firstName?: string };

const addWeek = (weeks: EngagementStats['weeks'], week: string, change: Partial<WeekFigures>) => {
  const had = weeks[week] ?? { scoreSum: 0, scores: 0, checkinsSent: 0, checkinsAnswered: 0 };
  return {
    ...weeks,
    [week]: {
      scoreSum: had.scoreSum + (change.scoreSum ?? 0),
      scores: had.scores + (change.scores ?? 0),
      checkinsSent: had.checkinsSent + (change.checkinsSent ?? 0),
      checkinsAnswered: had.checkinsAnswered + (change.checkinsAnswered ?? 0),
    },
  };
};
const later = (a: string | undefined, b: string) => (a === undefined || Date.parse(b) > Date.parse(a) ? b : a);
const earlier = (a: string | undefined, b: string) => (a === undefined || Date.parse(b) < Date.parse(a) ? b : a);

/** Only the weeks a cohort page or digest can still show are kept: the record stays small. */
export function pruneWeeks(weeks: EngagementStats['weeks'], now: string): EngagementStats['weeks'] {
  const oldest = weekStartOf(new Date(Date.parse(now) - ENGAGEMENT_WEEKS_KEPT * 7 * 86_400_000));
  return Object.fromEntries(Object.entries(weeks).filter(([week]) => week >= oldest));
}

/** The record after one event. Never negative: a count only comes down for something it counted. */
export function applyEvent(stats: EngagementStats, event: EngagementEvent): EngagementStats {
  const next: EngagementStats = { ...stats, updatedAt: event.at };
  switch (event.kind) {
    case 'sent':
      next.sent += 1;
      if (event.channel === 'sms') {
        next.firstTextAt = earlier(stats.firstTextAt, event.at);
        next.lastTextAt = later(stats.lastTextAt, event.at);
      }
      if (event.checkin) {
        next.checkinsSent += 1;
        next.weeks = addWeek(stats.weeks, weekStartOf(event.at), { checkinsSent: 1 });
      }
      break;
    case 'failed':
      next.failed += 1;
      break;
    case 'delivery': {
      const deliveredNow = isDelivered(event.after) && !isDelivered(event.before);
      const undeliveredNow = isUndelivered(event.after) && !isUndelivered(event.before);
      const undeliveredUndone = isUndelivered(event.before) && !isUndelivered(event.after);
      if (deliveredNow) next.delivered += 1;
      if (undeliveredNow) next.failed += 1;
      if (undeliveredUndone && next.failed > 0) next.failed -= 1;
      break;
    }
    case 'reply':
      next.replies += 1;
      next.lastReplyAt = later(stats.lastReplyAt, event.at);
      if (event.answered) {
        next.checkinsAnswered += 1;
        next.weeks = addWeek(next.weeks, weekStartOf(event.answered.checkinSentAt), { checkinsAnswered: 1 });
      }
      if (event.score !== undefined) {
        // Scores arrive in order (one person texts one text at a time); a late one still counts in its week.
        if (!stats.lastScore || Date.parse(event.at) >= Date.parse(stats.lastScore.at)) {
          next.previousScore = stats.lastScore?.score;
          next.lastScore = { score: event.score, at: event.at };
          if (next.previousScore === undefined) delete next.previousScore;
        }
        next.weeks = addWeek(next.weeks, weekStartOf(event.at), { scoreSum: event.score, scores: 1 });
      }
      break;
    case 'flag':
      if (event.reason === 'talk') next.talkAt = later(stats.talkAt, event.at);
      else next[event.reason] = { count: stats[event.reason].count + 1, lastAt: later(stats[event.reason].lastAt, event.at) };
      break;
    case 'consent':
      next.consent = { email: event.email, sms: event.sms };
      break;
    case 'name':
      if (event.firstName) next.firstName = event.firstName;
      else delete next.firstName;
      break;
  }
  next.weeks = pruneWeeks(next.weeks, event.at);
  return next;
}

// ---- What a member adds to a cohort ---------------------------------------------------------------------

/** One cohort's view of a member: what it last added to its totals, and its own follow-up state. */
export const CohortLink = z.object({
  orgId: z.string().min(1),
  cohortId: z.string().min(1),
  personId: z.string().min(1),
  /** The stats version the snapshot was taken from. */
  version: count,
  /** What this member adds to the cohort's totals now (flat counters, see contribution). */
  snapshot: z.record(z.string(), z.number()),
  /** When a counselor of the organisation last marked them contacted: flags older than this are closed. */
  contactedAt: Instant.optional(),
  /** The member's entries in the cohort's own indexes (sort keys), so a change can move them. */
  index: z.object({ flag: z.string().optional(), quiet: z.string().optional(), name: z.string().optional() }),
});
export type CohortLink = z.infer<typeof CohortLink>;

export type OpenFlagReason = 'crisis' | 'distress' | 'low-scores' | 'talk';
export const OPEN_FLAG_REASONS: readonly OpenFlagReason[] = ['crisis', 'talk', 'distress', 'low-scores'];

/** Two low check-ins in a row: their last two scores. */
const isLowState = (stats: Pick<EngagementStats, 'lastScore' | 'previousScore'>) =>
  stats.lastScore !== undefined && stats.previousScore !== undefined && stats.lastScore.score <= LOW_SCORE && stats.previousScore <= LOW_SCORE;

/**
 * The member's open flags for one organisation, newest first: raised after the last time one of
 * its counselors marked them contacted (crisis, distress, TALK, and two low check-ins, dated at
 * the second). Silence is a state, not a flag: see silentSince.
 */
export function openFlags(stats: EngagementStats, contactedAt: string | undefined): { reason: OpenFlagReason; at: string }[] {
  const after = (at: string | undefined) => at !== undefined && (contactedAt === undefined || Date.parse(at) > Date.parse(contactedAt));
  const flags: { reason: OpenFlagReason; at: string }[] = [];
  if (after(stats.crisis.lastAt)) flags.push({ reason: 'crisis', at: stats.crisis.lastAt! });
  if (after(stats.talkAt)) flags.push({ reason: 'talk', at: stats.talkAt! });
  if (after(stats.distress.lastAt)) flags.push({ reason: 'distress', at: stats.distress.lastAt! });
  if (isLowState(stats) && after(stats.lastScore!.at)) flags.push({ reason: 'low-scores', at: stats.lastScore!.at });
  return flags.sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || OPEN_FLAG_REASONS.indexOf(a.reason) - OPEN_FLAG_REASONS.indexOf(b.reason));
}

/**
 * Since when a texted member has been quiet: their last reply (or our first text if they never
 * answered), while we have texted them since. Undefined when they cannot answer by text or are
 * not quiet. They count as silent once this is NO_REPLY_DAYS old (decided at read time).
 */
export function silentSince(stats: EngagementStats): string | undefined {
  if (stats.consent.sms !== 'confirmed' || !stats.lastTextAt) return undefined;
  if (stats.lastReplyAt && Date.parse(stats.lastTextAt) <= Date.parse(stats.lastReplyAt)) return undefined;
  return stats.lastReplyAt ?? stats.firstTextAt ?? stats.lastTextAt;
}
export const isSilent = (stats: EngagementStats, now: Date) => {
  const since = silentSince(stats);
  return since !== undefined && Date.parse(since) <= now.getTime() - NO_REPLY_DAYS * 86_400_000;
};

/** A first name as the name index keeps it: trimmed, single-spaced, case-folded. */
const nameKey = (name: string) => name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('en-US');

/**
 * What one member adds to a cohort's totals, as flat counters (the totals item is their sum):
 * `linked`; message counts; `optedOut` (1 when a channel they had is off); consent per channel
 * and overall; open flags (`flagged` when any, and one per reason); and per week `w.<week>.<field>`.
 */
export function contribution(stats: EngagementStats, contactedAt: string | undefined): Record<string, number> {
  const figures: Record<string, number> = {
    linked: 1,
    sent: stats.sent,
    delivered: stats.delivered,
    failed: stats.failed,
    checkinsSent: stats.checkinsSent,
    checkinsAnswered: stats.checkinsAnswered,
    optedOut: stats.consent.email === 'revoked' || stats.consent.sms === 'revoked' ? 1 : 0,
    [`consent.email.${stats.consent.email}`]: 1,
    [`consent.sms.${stats.consent.sms}`]: 1,
    [`consent.overall.${overallConsent(stats.consent.email, stats.consent.sms)}`]: 1,
  };
  const flags = openFlags(stats, contactedAt);
  if (flags.length > 0) figures.flagged = 1;
  for (const flag of flags) figures[`flag.${flag.reason}`] = 1;
  for (const [week, w] of Object.entries(stats.weeks)) {
    for (const [field, value] of Object.entries(w)) if (value !== 0) figures[`w.${week}.${field}`] = value;
  }
  return Object.fromEntries(Object.entries(figures).filter(([, v]) => v !== 0));
}

/** `after - before`, zeros left out: what a change adds to (or takes from) a cohort's totals. */
export function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const keys = new Set([...Object.keys(after), ...Object.keys(before)]);
  const delta: Record<string, number> = {};
  for (const key of keys) {
    const d = (after[key] ?? 0) - (before[key] ?? 0);
    if (d !== 0) delta[key] = d;
  }
  return delta;
}

/** Sorts after any ISO instant: an upper bound for "at or before" on an index of instants. */
const AFTER_IDS = '~';
const flagIndexKey = (at: string, personId: string) => `FLAG#${new Date(at).toISOString()}#${personId}`;
const quietIndexKey = (since: string, personId: string) => `QUIET#${new Date(since).toISOString()}#${personId}`;
export const quietIndexUpperBound = (cutoff: Date) => `QUIET#${cutoff.toISOString()}#${AFTER_IDS}`;
const nameIndexKey = (name: string, personId: string) => `NAME#${nameKey(name)}#${personId}`;
export const nameIndexPrefix = (name: string) => `NAME#${nameKey(name)}#`;
/** The person id at the end of an index sort key (ids hold no '#'). */
export const personOfIndexKey = (sk: string) => sk.slice(sk.lastIndexOf('#') + 1);

/** A member's entries in a cohort's indexes: their newest open flag, their silence, their name. */
function indexEntries(stats: EngagementStats, contactedAt: string | undefined): CohortLink['index'] {
  const newest = openFlags(stats, contactedAt)[0];
  const quiet = silentSince(stats);
  return {
    ...(newest && { flag: flagIndexKey(newest.at, stats.personId) }),
    ...(quiet && { quiet: quietIndexKey(quiet, stats.personId) }),
    ...(stats.firstName && { name: nameIndexKey(stats.firstName, stats.personId) }),
  };
}

/** The link a cohort should hold for these stats (its contactedAt kept). */
export function linkFor(stats: EngagementStats, orgId: string, cohortId: string, contactedAt: string | undefined): CohortLink {
  return {
    orgId,
    cohortId,
    personId: stats.personId,
    version: stats.version,
    snapshot: contribution(stats, contactedAt),
    ...(contactedAt && { contactedAt }),
    index: indexEntries(stats, contactedAt),
  };
}

// ---- A cohort's figures -------------------------------------------------------------------------------------

/** The sum of a cohort's totals items (its shards), read back as figures. */
export interface CohortFigures {
  /** Memberships by the person's answer (active ones). */
  members: { accepted: number; pending: number; declined: number };
  /** Accepted members whose engagement is in the figures below (equals members.accepted when nothing lags). */
  linked: number;
  messages: { sent: number; delivered: number; failed: number; optedOut: number };
  /** Every check-in sent to the members, and how many they answered. */
  checkins: { sent: number; answered: number; responseRate: number | null };
  /** Scores received in the weeks shown (the same numbers as the weekly chart). */
  scores: { received: number; average: number | null };
  consent: Record<'overall' | 'email' | 'sms', Record<ConsentBucket, number>>;
  /** Members with an open flag, and per reason. */
  flagged: number;
  flags: Record<OpenFlagReason, number>;
  weeks: { weekStart: string; average: number | null; scores: number; checkinsSent: number; checkinsAnswered: number; rate: number | null }[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Mondays of the last `weeks` ISO weeks up to the one holding `now`, oldest first. */
function lastWeeks(now: Date, weeks: number): string[] {
  const monday = Date.parse(`${weekStartOf(now)}T00:00:00.000Z`);
  return Array.from({ length: weeks }, (_, i) => new Date(monday - (weeks - 1 - i) * 7 * 86_400_000).toISOString().slice(0, 10));
}

export function cohortFigures(totals: Record<string, number>, now: Date, weeks = 12): CohortFigures {
  const n = (key: string) => Math.max(0, totals[key] ?? 0);
  const buckets = (family: string) =>
    Object.fromEntries((['confirmed', 'pending', 'revoked', 'none'] as const).map((b) => [b, n(`consent.${family}.${b}`)])) as Record<ConsentBucket, number>;
  const sent = n('checkinsSent');
  const answered = n('checkinsAnswered');
  const trend = lastWeeks(now, weeks).map((weekStart) => {
    const w = (field: string) => n(`w.${weekStart}.${field}`);
    const s = w('scores');
    const c = w('checkinsSent');
    return { weekStart, scores: s, average: s === 0 ? null : round2(w('scoreSum') / s), checkinsSent: c, checkinsAnswered: w('checkinsAnswered'), rate: c === 0 ? null : round3(w('checkinsAnswered') / c) };
  });
  const scores = trend.reduce((sum, w) => sum + w.scores, 0);
  const scoreSum = lastWeeks(now, weeks).reduce((sum, week) => sum + n(`w.${week}.scoreSum`), 0);
  return {
    members: { accepted: n('members.accepted'), pending: n('members.pending'), declined: n('members.declined') },
    linked: n('linked'),
    messages: { sent: n('sent'), delivered: n('delivered'), failed: n('failed'), optedOut: n('optedOut') },
    checkins: { sent, answered, responseRate: sent === 0 ? null : round3(answered / sent) },
    scores: { received: scores, average: scores === 0 ? null : round2(scoreSum / scores) },
    consent: { overall: buckets('overall'), email: buckets('email'), sms: buckets('sms') },
    flagged: n('flagged'),
    flags: { crisis: n('flag.crisis'), talk: n('flag.talk'), distress: n('flag.distress'), 'low-scores': n('flag.low-scores') },
    weeks: trend,
  };
}

/** Adds flat counters (the shards of a totals item, or a delta onto totals). */
export function sumCounters(parts: readonly Record<string, number>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const part of parts) for (const [key, value] of Object.entries(part)) sum[key] = (sum[key] ?? 0) + value;
  return sum;
}

/** What a membership adds to its cohort's member counts (active ones, by the person's answer). */
export function membershipCount(member: { status: 'active' | 'removed'; consent?: { state: 'pending' | 'accepted' | 'declined' } } | undefined): Record<string, number> {
  if (!member || member.status !== 'active') return {};
  return { [`members.${member.consent?.state ?? 'pending'}`]: 1 };
}

/** Which totals item (shard) a member's counts go to: spread so concurrent changes rarely meet. */
export const TOTALS_SHARDS = 8;
export function totalsShard(personId: string): number {
  let hash = 0;
  for (let i = 0; i < personId.length; i++) hash = (hash * 31 + personId.charCodeAt(i)) >>> 0;
  return hash % TOTALS_SHARDS;
}

// ---- Rebuilt from the records -------------------------------------------------------------------------------

/**
 * A member's counts rebuilt from their records: the same numbers the events would have given
 * (a property test holds the two together). The record's version and cohorts are the caller's.
 * Invitations are not coaching and are left out, as the events leave them out.
 */
export function recountStats(records: MemberRecords, isCheckin: (m: Pick<Message, 'sequenceId' | 'stepId'>) => boolean, now: Date): Omit<EngagementStats, 'version' | 'cohorts'> {
  const at = now.toISOString();
  let stats: EngagementStats = emptyStats(records.personId, at);
  const messages = records.messages.filter((m) => !m.invitation);
  for (const m of messages) {
    if (m.status === 'sent') {
      const sentAt = sentAtOf(m);
      const checkin = isCheckin(m);
      stats = applyEvent(stats, { kind: 'sent', at: sentAt, channel: m.channel === 'email' ? 'email' : 'sms', checkin });
      if (m.delivery) stats = applyEvent(stats, { kind: 'delivery', at: m.delivery.at, after: m.delivery.status });
    } else if (m.status === 'failed') {
      stats = applyEvent(stats, { kind: 'failed', at: m.updatedAt });
    }
  }
  const checkinSentAt = new Map(messages.filter((m) => m.status === 'sent' && isCheckin(m)).map((m) => [m.messageId, sentAtOf(m)]));
  const counted = new Set<string>();
  for (const entry of [...records.journal].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.entryId < b.entryId ? -1 : 1))) {
    const target = entry.response && entry.inReplyTo ? checkinSentAt.get(entry.inReplyTo) : undefined;
    const first = target !== undefined && !counted.has(entry.inReplyTo!);
    if (first) counted.add(entry.inReplyTo!);
    const score = entry.response?.kind === 'score' ? entry.response.score : undefined;
    stats = applyEvent(stats, { kind: 'reply', at: entry.at, ...(first && { answered: { checkinSentAt: target } }), ...(score !== undefined && { score }) });
  }
  for (const event of records.safety) {
    if (event.kind === 'risk' || event.kind === 'distress' || event.kind === 'asked-to-talk') {
      stats = applyEvent(stats, { kind: 'flag', at: event.at, reason: event.kind === 'risk' ? 'crisis' : event.kind === 'distress' ? 'distress' : 'talk' });
    }
  }
  const person = records.person;
  stats = applyEvent(stats, { kind: 'consent', at, email: person?.consent.email?.state ?? 'none', sms: person?.consent.sms?.state ?? 'none' });
  stats = applyEvent(stats, { kind: 'name', at, ...(person?.firstName && { firstName: person.firstName }) });
  stats.weeks = pruneWeeks(stats.weeks, at);
  const { version: _v, cohorts: _c, ...rest } = { ...stats, updatedAt: at };
  return rest;
}
