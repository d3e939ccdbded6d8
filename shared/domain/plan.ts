import { DateTime } from 'luxon';
import * as z from 'zod';
import { SEASON_EVENT_NAMES, SEASON_EVENTS, type SeasonEvent } from './calendar';
import type { Person } from './model';
import { CalendarDate, seasonDateRange } from './personal-dates';
import { IanaZone } from './schedule';
import { LocalTime } from './sequence';
import { PERSONAL_DATE_NAMES, PERSONAL_DATES, type PersonalDate } from './subscription-words';

/**
 * A person's own plan: their deadlines, the internal deadlines they set ahead of any
 * deadline (official, personal or their own), and layered goals (this week's, a daily
 * micro-goal, long-term ones). Pure: schemas, limits, edits and the anchors the engine plans
 * from. The plan does not keep a second copy of the season or of the person's exam dates: those
 * stay where they are (the calendar, the enrollment anchors) and the plan refers to them by key.
 *
 * How a plan becomes messages (shared/app/my-plan/plan.ts): each own deadline, and each internal deadline
 * set for an official or personal date, is one enrollment in the `plan-deadlines` sequence whose
 * anchors are those dates. Re-planning derives the enrollments from the plan, so a moved date
 * moves its alerts, a deleted one ends its enrollment, and message ids (enrollment, step) stay
 * unique per deadline because own-deadline ids are never reused.
 */

// ---- Limits (README: "A person's own plan") ----------------------------------------------------

export const PLAN_LIMITS = {
  /** Own deadlines at one time. */
  deadlines: 20,
  /** Internal deadlines set on official or personal dates. */
  internalDeadlines: 20,
  /** This week's goals (an SMS list must stay short). */
  weekGoals: 5,
  longTermGoals: 5,
  /** Deadline titles: short enough to sit in one SMS segment with a name and a date. */
  titleChars: 60,
  /** Goal lines: as GOAL <text> by SMS allows. */
  goalChars: 120,
  dailyGoalChars: 80,
} as const;

/** The sequence whose steps alert about own and internal deadlines. */
export const PLAN_SEQUENCE_ID = 'plan-deadlines';
/** Enrollments derived from a plan carry this prefix, so nothing else is mistaken for one. */
const PLAN_ENROLLMENT_PREFIX = 'plan-';
export const isPlanEnrollment = (enrollment: { enrollmentId: string }) => enrollment.enrollmentId.startsWith(PLAN_ENROLLMENT_PREFIX);

// ---- Kinds and suggested internal deadlines ----------------------------------------------------

export const DEADLINE_KINDS = ['exam', 'documents', 'visa', 'application', 'other'] as const;
export const DeadlineKind = z.enum(DEADLINE_KINDS);
export type DeadlineKind = z.infer<typeof DeadlineKind>;

export const DEADLINE_KIND_LABELS: Record<DeadlineKind, string> = {
  exam: 'Exam',
  documents: 'Documents',
  visa: 'Visa step',
  application: 'Application',
  other: 'Something else',
};

/**
 * How many days before a deadline we suggest finishing it: room for a late letter, a slow office
 * or a consulate queue. Only a suggestion: the person sees it and can change it.
 */
export const SUGGESTED_INTERNAL_DAYS: Record<DeadlineKind, number> = {
  exam: 14,
  documents: 7,
  visa: 14,
  application: 7,
  other: 3,
};

/** The kind an official or personal date counts as, for its suggestion. */
const PERSONAL_DATE_KINDS: Record<PersonalDate, DeadlineKind> = {
  step1_exam: 'exam',
  step2_exam: 'exam',
  step3_exam: 'exam',
  oet_exam: 'exam',
  documents_due: 'documents',
};
const SEASON_EVENT_KIND: DeadlineKind = 'application';

/** An internal deadline's target: `season:<event>` (an official date) or `date:<anchor>` (theirs). */
export const InternalTarget = z.union([
  z.templateLiteral(['season:', z.enum(SEASON_EVENT_NAMES as [SeasonEvent, ...SeasonEvent[]])]),
  z.templateLiteral(['date:', z.enum(PERSONAL_DATE_NAMES as [PersonalDate, ...PersonalDate[]])]),
]);
export type InternalTarget = z.infer<typeof InternalTarget>;

function titleOfTarget(target: InternalTarget): string {
  return target.startsWith('date:') ? PERSONAL_DATES[target.slice(5) as PersonalDate] : SEASON_EVENTS[target.slice(7) as SeasonEvent];
}

/** The local date `days` before a deadline (its own zone's calendar date). */
export function suggestedInternalDate(deadlineDate: string, kind: DeadlineKind): string {
  return DateTime.fromISO(deadlineDate, { zone: 'utc' }).minus({ days: SUGGESTED_INTERNAL_DAYS[kind] }).toISODate()!;
}

// ---- The record ---------------------------------------------------------------------------------

const IsoDate = CalendarDate;

/** Control characters would only make trouble on a page, in a text or in a calendar. */
const CONTROLS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;
const line = (max: number, what: string) =>
  z
    .string({ error: `${what} is missing` })
    .transform((s) => s.replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim())
    .pipe(z.string().min(1, `${what} is missing`).max(max, `${what} can be at most ${max} characters`));

export const PlanDeadline = z.object({
  /** `d<n>`, never reused within a plan (message ids are built from it). */
  id: z.string().regex(/^d\d{1,6}$/),
  title: line(PLAN_LIMITS.titleChars, 'A title'),
  kind: DeadlineKind,
  date: IsoDate,
  /** Optional local time of day; without it the deadline is the start of that day. */
  time: LocalTime.optional(),
  /** Optional zone of that time (a test centre abroad); without it, the person's own zone. */
  zone: IanaZone.optional(),
  /** The person's own finish line, before the deadline (a local date in their zone). */
  internalDate: IsoDate.optional(),
});
export type PlanDeadline = z.infer<typeof PlanDeadline>;

export const WeekGoal = z.object({
  text: line(PLAN_LIMITS.goalChars, 'A goal'),
  /** When they said it was done (SMS DONE <n> or the page). */
  doneAt: z.iso.datetime().optional(),
});
export type WeekGoal = z.infer<typeof WeekGoal>;

export const WeekGoals = z.object({
  /** The Monday (local date) the week starts. */
  weekOf: IsoDate,
  goals: z.array(WeekGoal).max(PLAN_LIMITS.weekGoals),
});
export type WeekGoals = z.infer<typeof WeekGoals>;

const LongTermGoal = z.object({
  id: z.string().regex(/^g\d{1,6}$/),
  text: line(PLAN_LIMITS.goalChars, 'A goal'),
  targetDate: IsoDate.optional(),
});
type LongTermGoal = z.infer<typeof LongTermGoal>;

export const Plan = z.object({
  personId: z.string().min(1),
  /** The next number for an own deadline or long-term goal id. */
  nextNo: z.number().int().min(1),
  deadlines: z.array(PlanDeadline).max(PLAN_LIMITS.deadlines),
  /** Internal deadlines on official and personal dates, by target. */
  internal: z.partialRecord(InternalTarget, IsoDate),
  week: WeekGoals.optional(),
  /** The week before, kept for the weekly summary. */
  lastWeek: WeekGoals.optional(),
  daily: line(PLAN_LIMITS.dailyGoalChars, 'A daily goal').optional(),
  longTerm: z.array(LongTermGoal).max(PLAN_LIMITS.longTermGoals),
  updatedAt: z.iso.datetime(),
});
export type Plan = z.infer<typeof Plan>;

export const emptyPlan = (personId: string, now: Date): Plan => ({
  personId,
  nextNo: 1,
  deadlines: [],
  internal: {},
  longTerm: [],
  updatedAt: now.toISOString(),
});

// ---- Weeks ----------------------------------------------------------------------------------------

/** The Monday of the person's current week, as a local date. */
export const weekOf = (now: Date, zone: string): string => DateTime.fromJSDate(now, { zone }).startOf('week').toISODate()!;

/** This week's goals: a list from an earlier week counts as empty (a new week, a fresh list). */
export function currentWeekGoals(plan: Plan, now: Date, zone: string): WeekGoal[] {
  return plan.week && plan.week.weekOf === weekOf(now, zone) ? plan.week.goals : [];
}

/** Moves an old week's list to lastWeek, so edits always land on this week's list. */
function rolledToThisWeek(plan: Plan, now: Date, zone: string): Plan {
  const current = weekOf(now, zone);
  if (plan.week?.weekOf === current) return plan;
  const lastWeek = plan.week && plan.week.goals.length > 0 ? plan.week : plan.lastWeek;
  return { ...plan, week: { weekOf: current, goals: [] }, ...(lastWeek && { lastWeek }) };
}

/** The week a weekly summary sent at `now` looks back on: the week before this one. */
export function summarisedWeek(plan: Plan, now: Date, zone: string): WeekGoals | undefined {
  const previous = DateTime.fromISO(weekOf(now, zone), { zone }).minus({ weeks: 1 }).toISODate()!;
  if (plan.week?.weekOf === previous) return plan.week;
  if (plan.lastWeek?.weekOf === previous) return plan.lastWeek;
  return undefined;
}

// ---- Season range ---------------------------------------------------------------------------------

/** The same range as every other place a person gives a date (./personal-dates.ts). */
;

// ---- Edits ------------------------------------------------------------------------------------------

const DeadlineFields = {
  title: line(PLAN_LIMITS.titleChars, 'A title'),
  kind: z.enum(DEADLINE_KINDS, { error: 'Choose what kind of deadline this is.' }),
  date: IsoDate,
  time: LocalTime.optional(),
  zone: IanaZone.optional(),
  internalDate: IsoDate.optional(),
};

/** Everything a person can do to their plan, from the page or by SMS. */
export const PlanEdit = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add-deadline'), ...DeadlineFields }),
  z.object({ op: z.literal('update-deadline'), id: z.string().regex(/^d\d{1,6}$/, 'no such deadline'), ...DeadlineFields }),
  z.object({ op: z.literal('delete-deadline'), id: z.string().regex(/^d\d{1,6}$/, 'no such deadline') }),
  z.object({ op: z.literal('set-internal'), target: InternalTarget, date: IsoDate }),
  z.object({ op: z.literal('clear-internal'), target: InternalTarget }),
  z.object({ op: z.literal('add-week-goal'), text: line(PLAN_LIMITS.goalChars, 'A goal') }),
  z.object({ op: z.literal('done-week-goal'), n: z.number().int().min(1).max(PLAN_LIMITS.weekGoals) }),
  z.object({ op: z.literal('delete-week-goal'), n: z.number().int().min(1).max(PLAN_LIMITS.weekGoals) }),
  z.object({ op: z.literal('set-daily'), text: line(PLAN_LIMITS.dailyGoalChars, 'A daily goal').optional() }),
  z.object({ op: z.literal('add-long-goal'), text: line(PLAN_LIMITS.goalChars, 'A goal'), targetDate: IsoDate.optional() }),
  z.object({ op: z.literal('delete-long-goal'), id: z.string().regex(/^g\d{1,6}$/, 'no such goal') }),
]);
export type PlanEdit = z.infer<typeof PlanEdit>;

export interface EditContext {
  now: Date;
  /** The person's zone: weeks and "today" are theirs. */
  zone: string;
  season: number;
  /** Official and personal dates by target (local dates), for checking internal deadlines. */
  targetDates: Partial<Record<InternalTarget, string>>;
}

export type EditResult = { ok: true; plan: Plan } | { ok: false; field: string; message: string };

const fail = (field: string, message: string): EditResult => ({ ok: false, field, message });

function checkDeadline(d: Omit<PlanDeadline, 'id'>, ctx: EditContext): EditResult | undefined {
  const { first, last } = seasonDateRange(ctx.season);
  if (d.date < first || d.date > last) return fail('date', `For Match ${ctx.season}, dates go from ${first} to ${last}.`);
  if (d.zone && !d.time) return fail('time', 'Give a time of day with a time zone, or leave both empty.');
  if (d.internalDate !== undefined) {
    if (d.internalDate > d.date) return fail('internalDate', 'Your own finish line must come on or before the deadline.');
    if (d.internalDate < first) return fail('internalDate', `For Match ${ctx.season}, dates go from ${first}.`);
  }
  return undefined;
}

/**
 * Applies one edit. Pure; the plan it returns is valid (the Plan schema holds), or the result
 * names the field and says, in words a person reads, why nothing changed.
 */
export function applyPlanEdit(plan: Plan, edit: PlanEdit, ctx: EditContext): EditResult {
  const stamp = (next: Plan): EditResult => ({ ok: true, plan: { ...next, updatedAt: ctx.now.toISOString() } });
  switch (edit.op) {
    case 'add-deadline':
    case 'update-deadline': {
      const { op: _op, ...fields } = edit;
      const deadline = { ...fields, internalDate: fields.internalDate ?? suggestedInternalDate(fields.date, fields.kind) } as Omit<PlanDeadline, 'id'>;
      const problem = checkDeadline(deadline, ctx);
      if (problem) return problem;
      if (edit.op === 'add-deadline') {
        if (plan.deadlines.length >= PLAN_LIMITS.deadlines) return fail('title', `A plan holds up to ${PLAN_LIMITS.deadlines} deadlines. Delete one you no longer need first.`);
        const { id: _drop, ...clean } = { id: '', ...deadline };
        return stamp({ ...plan, nextNo: plan.nextNo + 1, deadlines: [...plan.deadlines, dropUndefined({ id: `d${plan.nextNo}`, ...clean })] });
      }
      const index = plan.deadlines.findIndex((d) => d.id === edit.id);
      if (index < 0) return fail('id', 'That deadline is no longer in your plan.');
      const { id: _id, ...rest } = { id: edit.id, ...deadline };
      const deadlines = plan.deadlines.map((d, i) => (i === index ? dropUndefined({ id: edit.id, ...rest }) : d));
      return stamp({ ...plan, deadlines });
    }
    case 'delete-deadline': {
      if (!plan.deadlines.some((d) => d.id === edit.id)) return fail('id', 'That deadline is no longer in your plan.');
      return stamp({ ...plan, deadlines: plan.deadlines.filter((d) => d.id !== edit.id) });
    }
    case 'set-internal': {
      const target = ctx.targetDates[edit.target];
      if (!target) return fail('date', `There is no date for ${titleOfTarget(edit.target)} yet.`);
      if (edit.date > target) return fail('date', 'Your own finish line must come on or before the deadline.');
      const { first } = seasonDateRange(ctx.season);
      if (edit.date < first) return fail('date', `For Match ${ctx.season}, dates go from ${first}.`);
      const count = Object.keys({ ...plan.internal, [edit.target]: edit.date }).length;
      if (count > PLAN_LIMITS.internalDeadlines) return fail('date', `A plan holds up to ${PLAN_LIMITS.internalDeadlines} internal deadlines on official dates.`);
      return stamp({ ...plan, internal: { ...plan.internal, [edit.target]: edit.date } });
    }
    case 'clear-internal': {
      const { [edit.target]: _gone, ...internal } = plan.internal;
      return stamp({ ...plan, internal });
    }
    case 'add-week-goal': {
      const rolled = rolledToThisWeek(plan, ctx.now, ctx.zone);
      const goals = rolled.week!.goals;
      if (goals.length >= PLAN_LIMITS.weekGoals) return fail('text', `A week holds up to ${PLAN_LIMITS.weekGoals} goals. Finish or remove one first.`);
      return stamp({ ...rolled, week: { ...rolled.week!, goals: [...goals, { text: edit.text }] } });
    }
    case 'done-week-goal':
    case 'delete-week-goal': {
      const rolled = rolledToThisWeek(plan, ctx.now, ctx.zone);
      const goals = rolled.week!.goals;
      if (edit.n > goals.length) return fail('n', goals.length === 0 ? 'There are no goals for this week yet.' : `This week has goals 1 to ${goals.length}.`);
      const next =
        edit.op === 'done-week-goal'
          ? goals.map((g, i) => (i === edit.n - 1 ? { ...g, doneAt: g.doneAt ?? ctx.now.toISOString() } : g))
          : goals.filter((_, i) => i !== edit.n - 1);
      return stamp({ ...rolled, week: { ...rolled.week!, goals: next } });
    }
    case 'set-daily': {
      const { daily: _old, ...rest } = plan;
      return stamp(edit.text ? { ...rest, daily: edit.text } : rest);
    }
    case 'add-long-goal': {
      if (plan.longTerm.length >= PLAN_LIMITS.longTermGoals) return fail('text', `A plan holds up to ${PLAN_LIMITS.longTermGoals} long-term goals.`);
      const { last } = seasonDateRange(ctx.season);
      if (edit.targetDate && edit.targetDate > DateTime.fromISO(last).plus({ years: 3 }).toISODate()!) return fail('targetDate', 'Pick a target date within the next few years.');
      const goal = dropUndefined({ id: `g${plan.nextNo}`, text: edit.text, targetDate: edit.targetDate });
      return stamp({ ...plan, nextNo: plan.nextNo + 1, longTerm: [...plan.longTerm, goal] });
    }
    case 'delete-long-goal': {
      if (!plan.longTerm.some((g) => g.id === edit.id)) return fail('id', 'That goal is no longer in your plan.');
      return stamp({ ...plan, longTerm: plan.longTerm.filter((g) => g.id !== edit.id) });
    }
  }
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// ---- What the engine plans from ---------------------------------------------------------------------

/** One enrollment a plan asks for: its id, its anchors, and the title its messages name. */
export interface PlanLane {
  enrollmentId: string;
  title: string;
  anchors: Record<string, string>;
}

/**
 * The anchors of an own deadline: the deadline itself (`own_deadline`, which the deadline alerts
 * use; `target_deadline`, which the internal-deadline steps name) and the internal one. A time of
 * day becomes an instant with the offset of the deadline's zone (or the person's, which is why
 * re-planning after a zone change re-derives it).
 */
export function ownDeadlineAnchors(deadline: PlanDeadline, personZone: string): Record<string, string> {
  const at = deadline.time
    ? DateTime.fromISO(`${deadline.date}T${deadline.time}`, { zone: deadline.zone ?? personZone }).toISO({ suppressMilliseconds: true })!
    : deadline.date;
  return { own_deadline: at, target_deadline: at, ...(deadline.internalDate && { internal_deadline: deadline.internalDate }) };
}

const localDateOf = (at: string, zone: string) => (/^\d{4}-\d{2}-\d{2}$/.test(at) ? at : DateTime.fromISO(at, { setZone: true }).setZone(zone).toISODate()!);

/** Enrollment ids stay within the key alphabet: `plan-d3`, `plan-season-rol_deadline`. */
const targetEnrollmentId = (target: InternalTarget) => `${PLAN_ENROLLMENT_PREFIX}${target.replace(':', '-')}`;

/**
 * Every enrollment a plan asks for. An internal deadline on an official or personal date gets an
 * enrollment with only the internal-deadline anchors (the date's own alerts already exist in the
 * season and personal tracks), and none when the date it points at is gone.
 */
export function planLanes(plan: Plan, personZone: string, targetDates: Partial<Record<InternalTarget, string>>): PlanLane[] {
  const lanes: PlanLane[] = plan.deadlines.map((d) => ({ enrollmentId: `${PLAN_ENROLLMENT_PREFIX}${d.id}`, title: d.title, anchors: ownDeadlineAnchors(d, personZone) }));
  for (const [target, date] of Object.entries(plan.internal) as [InternalTarget, string][]) {
    const targetDate = targetDates[target];
    // Compared on the person's calendar, as the edit was validated (an official 23:59 Eastern is
    // the next morning in Kolkata); a finish line a correction left after its date is dropped.
    if (!targetDate || date > localDateOf(targetDate, personZone)) continue;
    lanes.push({ enrollmentId: targetEnrollmentId(target), title: titleOfTarget(target), anchors: { target_deadline: targetDate, internal_deadline: date } });
  }
  return lanes;
}

// ---- Reading the plan back ---------------------------------------------------------------------------

export interface TimelineEntry {
  /** `own` deadlines are editable; `official` and `personal` dates are edited elsewhere. */
  source: 'official' | 'personal' | 'own';
  /** An own deadline's id, or an InternalTarget. */
  key: string;
  title: string;
  kind: DeadlineKind;
  /** The instant (official, timed) or local date. */
  at: string;
  /** Local date in the person's zone, for sorting and showing. */
  date: string;
  time?: string;
  internalDate?: string;
  suggestedInternalDate: string;
}

/**
 * The season's official dates, the person's exam and document dates and their own deadlines, in
 * date order, each with its internal deadline and the suggestion for one.
 */
export function timeline(
  plan: Plan,
  personZone: string,
  official: readonly { event: SeasonEvent; label: string; at: string }[],
  personal: Partial<Record<PersonalDate, string>>,
): TimelineEntry[] {
  const localDate = (at: string) => (/^\d{4}-\d{2}-\d{2}$/.test(at) ? at : DateTime.fromISO(at, { setZone: true }).setZone(personZone).toISODate()!);
  const entries: TimelineEntry[] = [];
  for (const o of official) {
    const key = `season:${o.event}` as InternalTarget;
    const date = localDate(o.at);
    entries.push(defined({ source: 'official', key, title: o.label, kind: SEASON_EVENT_KIND, at: o.at, date, internalDate: plan.internal[key], suggestedInternalDate: suggestedInternalDate(date, SEASON_EVENT_KIND) }));
  }
  for (const name of PERSONAL_DATE_NAMES) {
    const at = personal[name];
    if (!at) continue;
    const key = `date:${name}` as InternalTarget;
    const kind = PERSONAL_DATE_KINDS[name];
    entries.push(defined({ source: 'personal', key, title: PERSONAL_DATES[name], kind, at, date: localDate(at), internalDate: plan.internal[key], suggestedInternalDate: suggestedInternalDate(localDate(at), kind) }));
  }
  for (const d of plan.deadlines) {
    const at = ownDeadlineAnchors(d, personZone).own_deadline!;
    entries.push(defined({ source: 'own', key: d.id, title: d.title, kind: d.kind, at, date: localDate(at), time: d.time, internalDate: d.internalDate, suggestedInternalDate: suggestedInternalDate(d.date, d.kind) }));
  }
  return entries.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.title < b.title ? -1 : 1));
}

const defined = (value: { [K in keyof TimelineEntry]: TimelineEntry[K] | undefined }): TimelineEntry => dropUndefined(value) as TimelineEntry;

/** The next `count` deadlines (official, personal, own) from `now`, soonest first. */
export function nextDeadlines(entries: readonly TimelineEntry[], now: Date, zone: string, count: number): TimelineEntry[] {
  const today = DateTime.fromJSDate(now, { zone }).toISODate()!;
  return entries
    .filter((e) => (/^\d{4}-\d{2}-\d{2}$/.test(e.at) ? e.date >= today : Date.parse(e.at) > now.getTime()))
    .slice(0, count);
}

/**
 * The person's choice (preferences, off unless they turn it on) decides whether a counselor may
 * see their plan. The counselor side asks here and nowhere else.
 */
export function planVisibleToCounselor(person: Pick<Person, 'showPlanToCounselor'>): boolean {
  return person.showPlanToCounselor === true;
}
