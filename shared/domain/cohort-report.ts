import { DateTime } from 'luxon';
import type { JournalEntry, Message } from './model';
import { LOW_SCORE, NO_REPLY_DAYS, overallConsent, sentAtOf, weekStartOf, type ConsentBucket, type MemberRecords } from './checkins';

// The shared meanings, for the report's importers.
export { NO_REPLY_DAYS, overallConsent, weekStartOf, type ConsentBucket, type MemberRecords } from './checkins';

/**
 * How a cohort is doing, computed from the records alone (pure: the clock and the "is this a
 * check-in?" question come in as arguments). The counselor dashboard, the CSV export and the
 * weekly digest all read this one report, so they never disagree.
 *
 * What it shows is coaching engagement: consent, what we sent and how it landed, check-in
 * answers and flags. It never carries a member's plan (only with the member's leave),
 * nor the words of their texts: a flag names its reason and date, not what was written.
 */

/** How many weeks the trend covers, the current week last. */
const TREND_WEEKS = 12;

export type FlagReason = 'crisis' | 'distress' | 'low-scores' | 'no-reply';

export interface MemberFlag {
  personId: string;
  reason: FlagReason;
  /** When the reason arose: the message's time, the second low score's, when the silence began. */
  at: string;
}

interface MessageCounts {
  /** Handed to the provider. */
  sent: number;
  /** The carrier (SMS) confirmed arrival. Email delivery is not reported per message, so SMS only. */
  delivered: number;
  /** Failed at the provider or after (undelivered / failed texts). */
  failed: number;
  /** Members who turned a channel off (a STOP, an unsubscribe, a carrier opt-out). */
  optedOut: number;
}

interface WeeklyScore {
  /** Monday of the ISO week (UTC), `yyyy-mm-dd`. */
  weekStart: string;
  /** Null when nobody answered a check-in with a score that week. */
  average: number | null;
  answers: number;
}

interface WeeklyResponse {
  /** Monday of the ISO week (UTC) the check-ins were sent in. */
  weekStart: string;
  sent: number;
  answered: number;
  /** answered / sent, null when no check-in went out that week. */
  rate: number | null;
}

interface MemberSummary {
  personId: string;
  firstName?: string;
  consent: { overall: ConsentBucket; email: ConsentBucket; sms: ConsentBucket };
  messages: Omit<MessageCounts, 'optedOut'>;
  checkinsSent: number;
  checkinsAnswered: number;
  lastScore?: { score: number; at: string };
  lastReplyAt?: string;
  flags: MemberFlag[];
}

export interface CohortReport {
  cohortId: string;
  generatedAt: string;
  memberCount: number;
  /** Members listed in the cohort whose records are gone (erased at their request). */
  erasedMembers: number;
  consent: { overall: Record<ConsentBucket, number>; email: Record<ConsentBucket, number>; sms: Record<ConsentBucket, number> };
  messages: MessageCounts;
  checkins: { sent: number; answered: number; responseRate: number | null };
  weeklyScores: WeeklyScore[];
  weeklyResponse: WeeklyResponse[];
  /** Newest first. */
  flagged: MemberFlag[];
  members: MemberSummary[];
}

export interface CohortReportInput {
  cohortId: string;
  members: readonly MemberRecords[];
  now: Date;
  /** Whether a message is a check-in (a `checkin` step of its sequence): the library knows. */
  isCheckin: (message: Pick<Message, 'sequenceId' | 'stepId'>) => boolean;
  weeks?: number;
}

const emptyBuckets = (): Record<ConsentBucket, number> => ({ confirmed: 0, pending: 0, revoked: 0, none: 0 });
const bucketOf = (consent: { state: 'pending' | 'confirmed' | 'revoked' } | undefined): ConsentBucket => consent?.state ?? 'none';

const isDelivered = (m: Message) => m.delivery?.status === 'delivered' || m.delivery?.status === 'read';
const isFailed = (m: Message) => m.status === 'failed' || m.delivery?.status === 'failed' || m.delivery?.status === 'undelivered';
const byTime = <T extends { at: string }>(a: T, b: T) => Date.parse(a.at) - Date.parse(b.at);
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Oldest first; same instant: by person, then by reason, so the order never depends on input order. */
const flagOrder = (a: MemberFlag, b: MemberFlag) => byTime(a, b) || compareText(a.personId, b.personId) || compareText(a.reason, b.reason);

/** A check-in was answered when any of their texts answered it (a score, DONE, SKIP or a goal). */
const answeredIds = (journal: readonly JournalEntry[]) =>
  new Set(journal.filter((e) => e.response && e.inReplyTo).map((e) => e.inReplyTo!));

const scoresOf = (journal: readonly JournalEntry[]) =>
  journal
    .filter((e) => e.response?.kind === 'score' && typeof e.response.score === 'number')
    // Entry ids break ties: two texts in the same millisecond still have one order.
    .sort((a, b) => byTime(a, b) || compareText(a.entryId, b.entryId))
    .map((e) => ({ score: e.response!.score!, at: e.at }));

/**
 * The member's flags, oldest first:
 * - crisis / distress: every risk or distress flag their texts raised;
 * - low-scores: their latest two check-in scores are both low (the state the
 *   check-in replies call "struggling"), dated at the second; a good score since clears it;
 * - no-reply: we texted them (SMS consent confirmed) and nothing came back for NO_REPLY_DAYS,
 *   dated when the silence began. Email-only members cannot answer by text, so they are never
 *   flagged for silence.
 */
export function memberFlags(records: MemberRecords, now: Date): MemberFlag[] {
  const { personId } = records;
  const flags: MemberFlag[] = [];
  for (const event of records.safety) {
    if (event.kind === 'risk' || event.kind === 'distress') flags.push({ personId, reason: event.kind === 'risk' ? 'crisis' : 'distress', at: event.at });
  }
  const scores = scoresOf(records.journal);
  const [before, last] = scores.slice(-2);
  if (before && last && before.score <= LOW_SCORE && last.score <= LOW_SCORE) flags.push({ personId, reason: 'low-scores', at: last.at });

  if (records.person?.consent.sms?.state === 'confirmed') {
    const cutoff = now.getTime() - NO_REPLY_DAYS * 86_400_000;
    // Texts and WhatsApp messages alike: the messages that reach the phone.
    const textsSent = records.messages.filter((m) => (m.channel === 'sms' || m.channel === 'whatsapp') && m.status === 'sent').map(sentAtOf).sort();
    const lastReply = records.journal.map((e) => e.at).sort().at(-1);
    // Silence begins at their last reply, or at our first text if they never answered.
    const silenceSince = lastReply ?? textsSent[0];
    const textedSinceSilence = textsSent.some((at) => !lastReply || at > lastReply);
    if (silenceSince && textedSinceSilence && Date.parse(silenceSince) <= cutoff) flags.push({ personId, reason: 'no-reply', at: silenceSince });
  }
  return flags.sort(flagOrder);
}

function summarise(records: MemberRecords, now: Date, isCheckin: CohortReportInput['isCheckin']): MemberSummary {
  const person = records.person!;
  const email = bucketOf(person.consent.email);
  const sms = bucketOf(person.consent.sms);
  const sent = records.messages.filter((m) => m.status === 'sent');
  const checkins = sent.filter((m) => isCheckin(m));
  const answered = answeredIds(records.journal);
  const scores = scoresOf(records.journal);
  const lastReplyAt = records.journal.map((e) => e.at).sort().at(-1);
  return {
    personId: records.personId,
    ...(person.firstName && { firstName: person.firstName }),
    consent: { overall: overallConsent(email, sms), email, sms },
    messages: { sent: sent.length, delivered: sent.filter(isDelivered).length, failed: records.messages.filter(isFailed).length },
    checkinsSent: checkins.length,
    checkinsAnswered: checkins.filter((m) => answered.has(m.messageId)).length,
    ...(scores.length > 0 && { lastScore: scores.at(-1)! }),
    ...(lastReplyAt && { lastReplyAt }),
    flags: memberFlags(records, now),
  };
}

/** Mondays of the last `weeks` ISO weeks, oldest first, the one holding `now` last. */
function weekStarts(now: Date, weeks: number): string[] {
  const last = DateTime.fromJSDate(now, { zone: 'utc' }).startOf('week');
  return Array.from({ length: weeks }, (_, i) => last.minus({ weeks: weeks - 1 - i }).toISODate()!);
}

/** The last `weeks` ISO weeks up to the one holding `now`, each with its average score. */
function weeklyScores(journals: readonly (readonly JournalEntry[])[], now: Date, weeks = TREND_WEEKS): WeeklyScore[] {
  const starts = weekStarts(now, weeks);
  const sums = new Map(starts.map((week) => [week, { total: 0, answers: 0 }]));
  for (const journal of journals) {
    for (const { score, at } of scoresOf(journal)) {
      const bucket = sums.get(weekStartOf(at));
      if (!bucket) continue;
      bucket.total += score;
      bucket.answers += 1;
    }
  }
  return starts.map((weekStart) => {
    const { total, answers } = sums.get(weekStart)!;
    // Two decimals: enough for a trend, and the same number in the page, the CSV and the email.
    return { weekStart, answers, average: answers === 0 ? null : Math.round((total / answers) * 100) / 100 };
  });
}

/** Check-ins sent per week (by when they went out) and how many of them were answered. */
function weeklyResponse(
  members: readonly MemberRecords[],
  now: Date,
  isCheckin: CohortReportInput['isCheckin'],
  weeks = TREND_WEEKS,
): WeeklyResponse[] {
  const starts = weekStarts(now, weeks);
  const counts = new Map(starts.map((week) => [week, { sent: 0, answered: 0 }]));
  for (const member of members) {
    const answered = answeredIds(member.journal);
    for (const m of member.messages) {
      if (m.status !== 'sent' || !isCheckin(m)) continue;
      const bucket = counts.get(weekStartOf(sentAtOf(m)));
      if (!bucket) continue;
      bucket.sent += 1;
      if (answered.has(m.messageId)) bucket.answered += 1;
    }
  }
  return starts.map((weekStart) => {
    const { sent, answered } = counts.get(weekStart)!;
    return { weekStart, sent, answered, rate: sent === 0 ? null : Math.round((answered / sent) * 1000) / 1000 };
  });
}

/** The cohort's report. Members are listed by person id, so the same records give the same report. */
export function cohortReport(input: CohortReportInput): CohortReport {
  const present = input.members.filter((m) => m.person !== undefined);
  const members = present.map((m) => summarise(m, input.now, input.isCheckin)).sort((a, b) => compareText(a.personId, b.personId));
  const consent = { overall: emptyBuckets(), email: emptyBuckets(), sms: emptyBuckets() };
  const messages: MessageCounts = { sent: 0, delivered: 0, failed: 0, optedOut: 0 };
  let checkinsSent = 0;
  let checkinsAnswered = 0;
  for (const m of members) {
    consent.overall[m.consent.overall] += 1;
    consent.email[m.consent.email] += 1;
    consent.sms[m.consent.sms] += 1;
    messages.sent += m.messages.sent;
    messages.delivered += m.messages.delivered;
    messages.failed += m.messages.failed;
    if (m.consent.email === 'revoked' || m.consent.sms === 'revoked') messages.optedOut += 1;
    checkinsSent += m.checkinsSent;
    checkinsAnswered += m.checkinsAnswered;
  }
  const flagged = members.flatMap((m) => m.flags).sort((a, b) => byTime(b, a) || flagOrder(a, b));
  return {
    cohortId: input.cohortId,
    generatedAt: input.now.toISOString(),
    memberCount: members.length,
    erasedMembers: input.members.length - present.length,
    consent,
    messages,
    checkins: { sent: checkinsSent, answered: checkinsAnswered, responseRate: checkinsSent === 0 ? null : Math.round((checkinsAnswered / checkinsSent) * 1000) / 1000 },
    weeklyScores: weeklyScores(present.map((m) => m.journal), input.now, input.weeks ?? TREND_WEEKS),
    weeklyResponse: weeklyResponse(present, input.now, input.isCheckin, input.weeks ?? TREND_WEEKS),
    flagged,
    members,
  };
}

// ---- A member's timeline --------------------------------------------------------------------------

export type TimelineItem =
  | { at: string; kind: 'sent'; channel: Message['channel']; sequenceId: string; stepId: string; checkin: boolean; status: Message['status']; delivery?: string }
  | { at: string; kind: 'answer'; answer: 'score' | 'done' | 'skip' | 'goal' | 'note'; score?: number }
  | { at: string; kind: 'flag'; reason: 'crisis' | 'distress' | 'hold-lifted' | 'asked-to-talk' };

/**
 * What we sent a member and what they answered, newest first. Their own words stay private (the
 * journal is theirs): a note or goal shows as "wrote a note", a flag as its kind, never the text.
 */
export function memberTimeline(records: MemberRecords, isCheckin: CohortReportInput['isCheckin']): TimelineItem[] {
  const items: TimelineItem[] = [];
  for (const m of records.messages) {
    if (m.status !== 'sent' && m.status !== 'failed') continue;
    items.push({
      at: sentAtOf(m),
      kind: 'sent',
      channel: m.channel,
      sequenceId: m.sequenceId,
      stepId: m.stepId,
      checkin: isCheckin(m),
      status: m.status,
      ...(m.delivery && { delivery: m.delivery.status }),
    });
  }
  for (const e of records.journal) {
    const r = e.response;
    if (r?.kind === 'score') items.push({ at: e.at, kind: 'answer', answer: 'score', ...(r.score !== undefined && { score: r.score }) });
    else if (r?.kind === 'done' || r?.kind === 'done-goal') items.push({ at: e.at, kind: 'answer', answer: 'done' });
    else if (r?.kind === 'skip') items.push({ at: e.at, kind: 'answer', answer: 'skip' });
    else items.push({ at: e.at, kind: 'answer', answer: e.kind === 'goal' ? 'goal' : 'note' });
  }
  for (const s of records.safety) items.push({ at: s.at, kind: 'flag', reason: s.kind === 'risk' ? 'crisis' : s.kind });
  return items.sort((a, b) => byTime(b, a));
}

// ---- CSV export -------------------------------------------------------------------------------------

/**
 * One CSV cell (RFC 4180 quoting), safe to open in a spreadsheet: a cell that starts like a
 * formula (=, +, -, @, tab, carriage return) gets a leading apostrophe, so Excel, Sheets and
 * LibreOffice show it as text instead of running it (OWASP's advice on CSV injection).
 */
export function csvCell(value: unknown): string {
  let text = value === undefined || value === null ? '' : String(value);
  // Leading spaces too: some spreadsheets trim a cell before deciding it is a formula.
  if (/^[\t\r]|^\s*[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvRow = (cells: readonly unknown[]) => cells.map(csvCell).join(',');

export const MEMBER_CSV_COLUMNS = [
  'person_id',
  'first_name',
  'consent',
  'email_consent',
  'sms_consent',
  'messages_sent',
  'messages_delivered',
  'messages_failed',
  'checkins_sent',
  'checkins_answered',
  'last_score',
  'last_score_at',
  'last_reply_at',
  'flags',
] as const;

/** The report, one row per member (flags as `reason@time; ...`), CRLF line ends as RFC 4180 says. */
export function cohortReportCsv(report: CohortReport): string {
  const rows = report.members.map((m) =>
    csvRow([
      m.personId,
      m.firstName,
      m.consent.overall,
      m.consent.email,
      m.consent.sms,
      m.messages.sent,
      m.messages.delivered,
      m.messages.failed,
      m.checkinsSent,
      m.checkinsAnswered,
      m.lastScore?.score,
      m.lastScore?.at,
      m.lastReplyAt,
      m.flags.map((f) => `${f.reason}@${f.at}`).join('; '),
    ]),
  );
  return [csvRow(MEMBER_CSV_COLUMNS), ...rows].join('\r\n') + '\r\n';
}

/** The weekly trend as CSV: week, average score (blank when nobody scored), answers, check-ins sent and answered. */
export function weeklyScoresCsv(report: CohortReport): string {
  const rows = report.weeklyScores.map((w, i) => {
    const r = report.weeklyResponse[i]!;
    return csvRow([w.weekStart, w.average ?? '', w.answers, r.sent, r.answered, r.rate ?? '']);
  });
  return [csvRow(['week_start', 'average_score', 'scores', 'checkins_sent', 'checkins_answered', 'response_rate']), ...rows].join('\r\n') + '\r\n';
}
