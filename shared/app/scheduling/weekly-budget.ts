import type { DateTime } from 'luxon';
import {
  DEADLINE_WEEK_ALERTS,
  RECOVERY_SEQUENCE,
  chooseWeek,
  inBudget,
  priorityOf,
  weekIdOf,
  weekStartOf,
  type BudgetCandidate,
  type BudgetDecision,
  type CoachingRoster,
  type WeekSpent,
} from '../../domain/budget';
import { holdReason } from '../../domain/eligibility';
import type { Enrollment, Message, Person, Profile } from '../../domain/model';
import { resolveAnchor, type Occurrence } from '../../domain/schedule';
import type { Sequence } from '../../domain/sequence';
import { allAnchors, laneOccurrences, type Lane, type Library } from './planning';
import type { Channel } from '../../domain/sequence';

/**
 * The weekly budget at planning time (the rules are shared/domain/budget.ts). When a person is
 * planned, their routine lanes get a roster of everything that decides their weeks; each lane then
 * decides, on its own and with no read, whether its next occurrence fits its week. Every lane of a
 * person computes the same decision for a week, because they carry the same roster and profile,
 * so the person's week holds together although nothing coordinates the lanes.
 */

/** A sequence with steps inside the budget: its lanes carry the roster and ask before planning. */
const hasRoutineSteps = (sequence: Sequence): boolean => sequence.steps.some((step) => inBudget(priorityOf(sequence, step)));

/** The key a candidate has in its week: unique across the person's tracks. */
const candidateKey = (sequenceId: string, occurrenceKey: string) => `${sequenceId}/${occurrenceKey}`;

const isText = (channel: string) => channel !== 'email';

/**
 * The roster for a person's routine lanes, from their active enrollments and the messages they
 * have had (read once, when re-planning: what already went out this week counts against it).
 * Undefined when no track of theirs has routine steps.
 */
export function buildRoster(
  library: Library,
  person: Person,
  enrollments: readonly Enrollment[],
  channels: readonly string[],
  messages: readonly Message[],
  since: Date,
  now: Date,
): CoachingRoster | undefined {
  const active = enrollments.filter((e) => e.status === 'active');
  const routine = active.filter((e) => {
    const sequence = library.sequences.get(e.sequenceId);
    return sequence !== undefined && hasRoutineSteps(sequence);
  });
  if (routine.length === 0 || channels.length === 0) return undefined;
  const base = sharedEntries(routine.map((e) => e.anchors));
  const tracks = routine.map((e) => {
    const extra = Object.fromEntries(Object.entries(e.anchors).filter(([name, value]) => base[name] !== value));
    return { sequenceId: e.sequenceId, ...(Object.keys(extra).length > 0 && { anchors: extra }) };
  });
  const roster: CoachingRoster = { base, tracks, channels: [...channels], since: since.toISOString() };
  const spent = spentByWeek(library, person.timeZone, messages, since, now);
  if (Object.keys(spent).length > 0) roster.spent = spent;
  const busy = deadlineWeeks(library, person, active, channels, since);
  if (busy.length > 0) roster.deadlineWeeks = busy;
  return roster;
}

/** Entries every record has with the same value. */
function sharedEntries(records: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = records;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([name, value]) => rest.every((r) => r[name] === value)));
}

/** Routine messages already sent (or on their way) in the weeks from `since` to `now`. */
function spentByWeek(library: Library, zone: string, messages: readonly Message[], since: Date, now: Date): Record<string, WeekSpent> {
  const weeks = new Set([weekIdOf(since, zone), weekIdOf(now, zone)]);
  const spent: Record<string, WeekSpent> = {};
  for (const m of messages) {
    if (m.invitation || (m.status !== 'sent' && m.status !== 'claimed')) continue;
    const sendAt = new Date(m.sendAt);
    const week = weekIdOf(sendAt, zone);
    if (!weeks.has(week)) continue;
    const sequence = library.sequences.get(m.sequenceId);
    const step = sequence?.steps.find((s) => s.id === m.stepId);
    if (!sequence || !step || !inBudget(priorityOf(sequence, step))) continue;
    const entry = (spent[week] ??= { texts: 0, emails: 0, weekendTexts: 0, keys: [] });
    entry.keys.push(candidateKey(m.sequenceId, m.messageId.slice(m.enrollmentId.length + 1)));
    if (!isText(m.channel)) entry.emails++;
    else {
      entry.texts++;
      if (weekStartOf(sendAt, zone).plus({ days: 5 }).toJSDate() <= sendAt) entry.weekendTexts++;
    }
  }
  return spent;
}

/** Local weeks, from `since` on, with two or more deadline alerts (an alert on two channels counts once). */
function deadlineWeeks(library: Library, person: Person, enrollments: readonly Enrollment[], channels: readonly string[], since: Date): string[] {
  const alerts = new Map<string, Set<string>>();
  for (const enrollment of enrollments) {
    const sequence = library.sequences.get(enrollment.sequenceId);
    if (!sequence) continue;
    const anchors = allAnchors({ anchors: enrollment.anchors, profile: person.profile }, library.calendar);
    const occurrences = channels.flatMap((channel) => laneOccurrences(sequence, { zone: person.timeZone, quietHours: person.quietHours, channel: channel as Channel }, anchors));
    for (const o of occurrences) {
      if (o.stale || o.sendAt < since) continue;
      const step = sequence.steps[o.stepIndex]!;
      if (priorityOf(sequence, step) !== 'deadline') continue;
      if (holdReason({ sequence, step, profile: person.profile, sendAt: o.sendAt, anchors, zone: person.timeZone })) continue;
      const week = weekIdOf(o.sendAt, person.timeZone);
      const set = alerts.get(week) ?? new Set<string>();
      set.add(`${enrollment.enrollmentId}/${o.stepId}.${o.occurrenceKey}`);
      alerts.set(week, set);
    }
  }
  return [...alerts].filter(([, set]) => set.size >= DEADLINE_WEEK_ALERTS).map(([week]) => week).sort();
}

/** Every routine message the roster's tracks could send in one week, on every channel. */
function weekCandidates(library: Library, lane: Lane, roster: CoachingRoster, weekStart: DateTime): BudgetCandidate[] {
  const window = { from: weekStart.toJSDate(), until: weekStart.plus({ weeks: 1 }).toJSDate() };
  const since = Date.parse(roster.since);
  const candidates: BudgetCandidate[] = [];
  for (const track of roster.tracks) {
    const sequence = library.sequences.get(track.sequenceId);
    if (!sequence) continue;
    const own = { ...roster.base, ...track.anchors };
    const anchors = allAnchors({ anchors: own, profile: lane.profile }, library.calendar);
    // A track counts from when it started (a track joined mid-week has nothing earlier that week).
    const start = Math.max(since, own.enrolled ? Date.parse(own.enrolled) : since);
    // The whole track's schedule, expanded once and shared with its own lane's planning.
    const occurrences = roster.channels.flatMap((channel) => laneOccurrences(sequence, { zone: lane.zone, quietHours: lane.quietHours, channel: channel as Channel }, anchors));
    for (const o of occurrences) {
      if (o.sendAt < window.from || o.sendAt >= window.until) continue;
      if (o.stale || o.sendAt.getTime() < start) continue;
      const step = sequence.steps[o.stepIndex]!;
      const priority = priorityOf(sequence, step);
      if (!inBudget(priority)) continue;
      if (holdReason({ sequence, step, profile: lane.profile, sendAt: o.sendAt, anchors, zone: lane.zone })) continue;
      const gentle = priority === 'check-in' || step.gentle !== undefined || sequence.id === RECOVERY_SEQUENCE;
      candidates.push({ key: candidateKey(sequence.id, o.key), sequenceId: sequence.id, priority, group: isText(o.channel) ? 'text' : 'email', sendAt: o.sendAt, gentle });
    }
  }
  return candidates;
}

/** A week's decisions, kept a while: every lane of a person asks about the same weeks. */
const decided = new Map<string, Map<string, BudgetDecision>>();
const MAX_DECIDED_WEEKS = 2_000;

/** Whether this occurrence of a routine step fits its week's budget, and why not if it does not. */
export function budgetDecision(library: Library, lane: Lane & { coaching: CoachingRoster }, occurrence: Occurrence): BudgetDecision {
  const roster = lane.coaching;
  const weekStart = weekStartOf(occurrence.sendAt, lane.zone);
  const weekId = weekStart.toISODate()!;
  const cacheKey = JSON.stringify([lane.personId, weekId, lane.zone, lane.quietHours ?? null, lane.profile, roster]);
  let decisions = decided.get(cacheKey);
  if (!decisions) {
    const anchors = allAnchors({ anchors: roster.base, profile: lane.profile }, library.calendar);
    const matchDay = anchors.match_day ? resolveAnchor(anchors.match_day, lane.zone)?.endOf('day').toJSDate() : undefined;
    const heardAt = roster.channels.some(isText) ? heardAtOf(lane.profile, roster) : undefined;
    decisions = chooseWeek(weekCandidates(library, lane, roster, weekStart), {
      profile: lane.profile,
      zone: lane.zone,
      weekStart,
      deadlineWeek: roster.deadlineWeeks?.includes(weekId) ?? false,
      ...(roster.spent?.[weekId] && { spent: roster.spent[weekId] }),
      ...(heardAt && { heardAt }),
      ...(matchDay && { matchDayEnd: matchDay }),
    });
    if (decided.size >= MAX_DECIDED_WEEKS) decided.clear();
    decided.set(cacheKey, decisions);
  }
  // Not among the candidates: before the plan began, or already counted as spent.
  return decisions.get(candidateKey(lane.sequenceId, occurrence.key)) ?? { fits: true };
}

/** Silence is counted from their last text, or from when they joined (the earliest track). */
function heardAtOf(profile: Profile, roster: CoachingRoster): Date | undefined {
  if (profile.heardAt) return new Date(profile.heardAt);
  const starts = roster.tracks.map((t) => t.anchors?.enrolled ?? roster.base.enrolled).filter((v): v is string => v !== undefined);
  return starts.length > 0 ? new Date(starts.map((s) => Date.parse(s)).reduce((a, b) => Math.min(a, b))) : undefined;
}
