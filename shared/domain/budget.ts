import { DateTime } from 'luxon';
import type { Profile } from './model';
import type { PriorityClass, Sequence, SequenceStep } from './sequence';

/**
 * The weekly budget, pure: how much routine coaching one person gets in one of their local weeks,
 * across every track and channel, and what gives way when more falls due than that.
 *
 * The consent text promises "up to about 3 texts a week" (or 1, on the lighter setting): that is
 * the budget for routine texts (self-care, reflection, goals, check-ins, interview practice,
 * guidance). Deadline alerts, Match Week, the welcome and safety replies are outside it. Within a
 * week the order of PRIORITY_CLASSES decides, then time; what does not fit is dropped with a
 * reason, never queued for later (a nudge a week late is noise). Tightened further:
 * - a week with two or more deadline alerts: one routine text at most (the alerts come first);
 * - someone struggling (two low scores in a row): at most two routine texts, and only those with
 *   words for a hard stretch;
 * - the weekend is one exchange: one routine text on Saturday and Sunday together;
 * - three weeks without a reply: after the "still want these?" text, one routine text a fortnight
 *   (silence is read on texts; emails keep their own budget and their one-click unsubscribe);
 * - the 14 days after an unmatched result: nothing but the recovery path's own support;
 * - after Match Day with no outcome known: no goal, study or reflection prompts (they might assume
 *   a result we do not know).
 * Routine emails have a budget of their own (2 a week, 1 on the lighter setting).
 */

export const CADENCES = {
  standard: { texts: 3, emails: 2, promise: 'up to about 3 texts a week' },
  light: { texts: 1, emails: 1, promise: 'about 1 text a week' },
} as const;
export type Cadence = keyof typeof CADENCES;

export const STRUGGLING_TEXTS = 2;
export const DEADLINE_WEEK_ALERTS = 2;
const DEADLINE_WEEK_ROUTINE = 1;
const WEEKEND_ROUTINE_TEXTS = 1;
/** Silence this long brings the "still want these?" text; from then on one routine message a fortnight. */
const SILENCE_DAYS = 21;
const AFTER_UNMATCHED_DAYS = 14;
/** The track whose own words are written for the days after an unmatched result. */
export const RECOVERY_SEQUENCE = 'unmatched-recovery';

const OUTSIDE: ReadonlySet<PriorityClass> = new Set(['deadline', 'match-week', 'service']);
const RANK = new Map<PriorityClass, number>(
  (['deadline', 'match-week', 'service', 'own-plan', 'check-in', 'guidance', 'reflection', 'self-care'] as const).map((c, i) => [c, i]),
);
/** Prompts that might assume a result we do not know (after Match Day) or cannot bear yet (after an unmatched one). */
const ASSUMING: ReadonlySet<PriorityClass> = new Set(['own-plan', 'guidance', 'reflection']);

export const inBudget = (priority: PriorityClass): boolean => !OUTSIDE.has(priority);

/** A step's place in the order: its own, else by its kind (deadline, check-in, reflection), Match Week, its sequence's nudges, self-care. */
export function priorityOf(sequence: Pick<Sequence, 'matchWeek' | 'priority'>, step: Pick<SequenceStep, 'kind' | 'priority'>): PriorityClass {
  if (step.priority) return step.priority;
  if (step.kind === 'deadline') return 'deadline';
  if (sequence.matchWeek) return 'match-week';
  if (step.kind === 'checkin') return 'check-in';
  if (step.kind === 'reflection') return 'reflection';
  return sequence.priority ?? 'self-care';
}

export const BUDGET_REASONS = {
  'budget:weekly-limit': 'more routine coaching fell in this week than the weekly budget allows',
  'budget:deadline-week': 'a week with two or more deadline alerts: routine nudges give way',
  'budget:struggling': 'a hard stretch: at most two routine texts a week, gentle words only',
  'budget:weekend': 'the weekend is one exchange: one routine text on Saturday and Sunday',
  'budget:no-reply': 'no reply for three weeks: one routine text a fortnight until they answer',
  'budget:after-unmatched': 'the 14 days after an unmatched result: only the recovery path\'s support',
  'budget:outcome-unknown': 'after Match Day with no outcome known: nothing that might assume one',
} as const;
export type BudgetReason = keyof typeof BUDGET_REASONS;
export const isBudgetReason = (reason: string | undefined): reason is BudgetReason => reason !== undefined && reason in BUDGET_REASONS;
/** Every budget reason starts so: a dropped message may be planned anew when a re-plan decides otherwise. */
export const BUDGET_REASON_PREFIX = 'budget:';

type BudgetGroup = 'text' | 'email';

/** One routine message that could go out in the week. */
export interface BudgetCandidate {
  /** Unique in the person's week: `<sequenceId>/<stepId>.<occurrence>.<channel>`. */
  key: string;
  sequenceId: string;
  priority: PriorityClass;
  group: BudgetGroup;
  sendAt: Date;
  /**
   * It has words for a hard stretch: a check-in, a step with gentle words, or the recovery path
   * (written for hard times). While someone is struggling only these go. Absent: it has.
   */
  gentle?: boolean;
}

/** What already went out in a week before the plan was made (read once, when re-planning). */
export interface WeekSpent {
  texts: number;
  emails: number;
  weekendTexts: number;
  /** Their candidate keys: counted here, so never candidates again. */
  keys: string[];
}

export interface WeekContext {
  profile: Pick<Profile, 'cadence' | 'wellbeing' | 'outcome' | 'outcomeAt' | 'heardAt'>;
  zone: string;
  /** Monday 00:00 of the week, on the person's clock. */
  weekStart: DateTime;
  /** Two or more deadline alerts fall in this week. */
  deadlineWeek: boolean;
  spent?: WeekSpent;
  /** When we last heard from them (a reply) or they joined; undefined: they get no texts, silence is not read. */
  heardAt?: Date;
  /** The end of Match Day on their clock (outcome unknown after it). */
  matchDayEnd?: Date;
}

export type BudgetDecision = { fits: true } | { fits: false; reason: BudgetReason };

/** Monday 00:00 of the local week an instant falls in. */
export const weekStartOf = (instant: Date, zone: string): DateTime => DateTime.fromJSDate(instant, { zone }).startOf('week');
export const weekIdOf = (instant: Date, zone: string): string => weekStartOf(instant, zone).toISODate()!;
const isWeekend = (instant: Date, zone: string) => DateTime.fromJSDate(instant, { zone }).weekday >= 6;

interface Limit {
  n: number;
  reason: BudgetReason;
}
const tighter = (limit: Limit, n: number, reason: BudgetReason): Limit => (n < limit.n ? { n, reason } : limit);

/** When the "still want these?" text goes, for someone last heard from at `heardAt`. */
const silenceAskAt = (heardAt: Date): Date => new Date(heardAt.getTime() + SILENCE_DAYS * 86_400_000);

/**
 * Decides a week: which candidates fit and why each of the others is dropped. Deterministic in its
 * inputs, so every lane of a person reaches the same decision on its own, at any time.
 */
export function chooseWeek(candidates: readonly BudgetCandidate[], week: WeekContext): Map<string, BudgetDecision> {
  const cadence = CADENCES[week.profile.cadence ?? 'standard'];
  let texts: Limit = { n: cadence.texts, reason: 'budget:weekly-limit' };
  let emails: Limit = { n: cadence.emails, reason: 'budget:weekly-limit' };
  if (week.profile.wellbeing === 'struggling') texts = tighter(texts, STRUGGLING_TEXTS, 'budget:struggling');
  if (week.deadlineWeek) {
    texts = tighter(texts, DEADLINE_WEEK_ROUTINE, 'budget:deadline-week');
    emails = tighter(emails, DEADLINE_WEEK_ROUTINE, 'budget:deadline-week');
  }
  if (week.heardAt) {
    // The first week starting after the question is the first of the slow fortnights.
    const asked = DateTime.fromJSDate(silenceAskAt(week.heardAt), { zone: week.zone });
    const firstSlow = asked.startOf('week').plus({ weeks: 1 });
    if (week.weekStart >= firstSlow) {
      const weeksIn = Math.round(week.weekStart.diff(firstSlow, 'weeks').weeks);
      texts = tighter(texts, weeksIn % 2 === 0 ? 1 : 0, 'budget:no-reply');
    }
  }
  const used = { text: week.spent?.texts ?? 0, email: week.spent?.emails ?? 0, weekend: week.spent?.weekendTexts ?? 0 };
  const done = new Set(week.spent?.keys ?? []);
  const unmatchedUntil =
    week.profile.outcome === 'unmatched' && week.profile.outcomeAt ? Date.parse(week.profile.outcomeAt) + AFTER_UNMATCHED_DAYS * 86_400_000 : undefined;

  const ordered = candidates
    .filter((c) => !done.has(c.key))
    .sort((a, b) => RANK.get(a.priority)! - RANK.get(b.priority)! || a.sendAt.getTime() - b.sendAt.getTime() || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const decisions = new Map<string, BudgetDecision>();
  for (const c of ordered) {
    const drop = (reason: BudgetReason) => decisions.set(c.key, { fits: false, reason });
    if (unmatchedUntil !== undefined && c.sendAt.getTime() < unmatchedUntil && c.sequenceId !== RECOVERY_SEQUENCE) {
      drop('budget:after-unmatched');
      continue;
    }
    if (week.profile.wellbeing === 'struggling' && c.gentle === false) {
      drop('budget:struggling');
      continue;
    }
    if (week.profile.outcome === 'applying' && week.matchDayEnd && c.sendAt > week.matchDayEnd && ASSUMING.has(c.priority)) {
      drop('budget:outcome-unknown');
      continue;
    }
    const limit = c.group === 'text' ? texts : emails;
    if (used[c.group] >= limit.n) {
      drop(limit.reason);
      continue;
    }
    const weekend = c.group === 'text' && isWeekend(c.sendAt, week.zone);
    if (weekend && used.weekend >= WEEKEND_ROUTINE_TEXTS) {
      drop('budget:weekend');
      continue;
    }
    used[c.group]++;
    if (weekend) used.weekend++;
    decisions.set(c.key, { fits: true });
  }
  return decisions;
}

/**
 * What each routine lane carries so that it can see the person's whole week without reading
 * anything: their routine tracks, channels and what the week had already used when the plan was
 * made. Written when a person is (re-)planned and copied from message to message along each lane,
 * like the profile; deadline and Match Week lanes do not carry it (they are outside the budget).
 */
export interface CoachingRoster {
  /** Anchors every track shares (the person's own dates, usually `enrolled` too). */
  base: Record<string, string>;
  /** Each track with routine steps: its sequence and the anchors it has beyond `base`. */
  tracks: { sequenceId: string; anchors?: Record<string, string> }[];
  /** The channels the person gets: each track has a lane on each. */
  channels: string[];
  /** When the plan was made, less the look-back: nothing before it is a candidate. */
  since: string;
  /** What had gone out, by week id, in the weeks the plan started in. */
  spent?: Record<string, WeekSpent>;
  /** Week ids (local Mondays) with two or more deadline alerts. */
  deadlineWeeks?: string[];
}

/** A skipped message that a later plan may write again: withdrawn by re-planning, or dropped by the budget. */
export const mayBePlannedAgain = (reason: string | undefined): boolean => reason === 'replanned' || (reason ?? '').startsWith(BUDGET_REASON_PREFIX);
