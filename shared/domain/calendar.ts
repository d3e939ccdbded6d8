import { DateTime } from 'luxon';
import * as z from 'zod';

/**
 * The Match season calendar. Official dates are data (shared/content/calendar.json, checked by
 * the schema below) that an operator can correct; for a season with no data the rules in
 * docs/season-calendar.md compute each date. Every date is an instant in US Eastern Time.
 *
 * Some dates follow no rule (ECFMG has moved its Pathway deadline from one season to the next).
 * Such a date is never dropped: without data it is `unknown`, shown as unknown, warned about, and
 * planned against a cautious estimate (the earliest it has ever been), so alerts come early
 * rather than not at all, in words that say the date is not announced yet.
 */

export const EASTERN = 'America/New_York';

export const SEASON_EVENTS = {
  eras_opens: 'MyERAS opens',
  eras_submission_opens: 'Applicants may submit to programs',
  programs_review_opens: 'Programs may start reviewing applications',
  nrmp_registration_opens: 'NRMP registration opens',
  nrmp_registration_deadline: 'Standard NRMP registration deadline',
  ecfmg_pathway_deadline: 'ECFMG Pathway application deadline',
  residencycas_opens: 'ResidencyCAS opens (OB/GYN, emergency medicine)',
  residencycas_submission_opens: 'ResidencyCAS: applicants may submit',
  residencycas_target_deadline: 'ResidencyCAS application deadline',
  residencycas_programs_view: 'ResidencyCAS: programs may view applications',
  ranking_opens: 'Rank order list entry opens',
  rol_deadline: 'Rank order list certification deadline',
  match_week_monday: 'Match Week Monday: "Did I match?" notice',
  soap_applications_open: 'SOAP applications open',
  soap_programs_review: 'SOAP: programs review applications',
  soap_offers_thursday: 'SOAP offer rounds begin',
  soap_ends: 'SOAP ends',
  match_day: 'Match Day results',
  eras_season_ends: 'ERAS season ends',
  residency_starts: 'Residency starts',
} as const;
export type SeasonEvent = keyof typeof SEASON_EVENTS;
export const SEASON_EVENT_NAMES = Object.keys(SEASON_EVENTS) as SeasonEvent[];

/**
 * How sure a date is: V an official page of the body that sets it (NRMP, AAMC, ECFMG, the
 * application service); S secondary sources that agree; I inferred from the rules; U a single
 * source nobody has confirmed (coaching words then say the date is not confirmed).
 */
const CERTAINTIES = { V: 'official', S: 'secondary sources agree', I: 'inferred by rule', U: 'single unconfirmed source' } as const;
export type Certainty = keyof typeof CERTAINTIES;

const IsoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like 2026-12-07');

export const CalendarEntry = z.object({
  /** Eastern wall-clock time, "2027-03-19T12:00". */
  at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'expected Eastern local time like 2027-03-19T12:00'),
  certainty: z.enum(Object.keys(CERTAINTIES) as [Certainty, ...Certainty[]]),
  /** What the source is, in words a reader can find again: "NRMP 2027 Main Residency Match calendar". */
  source: z.string().min(1),
  /** Where it was read. */
  url: z.url().optional(),
  /** The day someone last checked the date against its source. */
  checked: IsoDay.optional(),
});
export type CalendarEntry = z.infer<typeof CalendarEntry>;

const EventName = z.enum(SEASON_EVENT_NAMES as [SeasonEvent, ...SeasonEvent[]]);

export const CalendarData = z.object({
  seasons: z.record(z.string().regex(/^20\d{2}$/), z.partialRecord(EventName, CalendarEntry)),
});
export type CalendarData = z.infer<typeof CalendarData>;

/**
 * The calendar we ship must say where every date comes from and when it was checked. An
 * operator's correction names its source too, and is dated when it is stored.
 */
export const ShippedCalendarData = z.object({
  seasons: z.record(z.string().regex(/^20\d{2}$/), z.partialRecord(EventName, CalendarEntry.extend({ checked: IsoDay }))),
});

export interface SeasonDate {
  event: SeasonEvent;
  label: string;
  /**
   * ISO instant with the Eastern offset, e.g. 2027-03-19T12:00:00.000-04:00. For an `unknown`
   * date, the cautious estimate that planning uses.
   */
  at: string;
  /**
   * `confirmed` comes from the data (the calendar file or an operator's correction: its
   * certainty says how sure it is); `computed` from a rule; `unknown`: neither, so `at` is an
   * estimate and `estimate` says which.
   */
  basis: 'confirmed' | 'computed' | 'unknown';
  certainty?: Certainty;
  source?: string;
  url?: string;
  checked?: string;
  /** For an unknown date: what the estimate is and why it is cautious. */
  estimate?: string;
}

const et = (year: number, month: number, day: number, hour: number, minute = 0) =>
  DateTime.fromObject({ year, month, day, hour, minute }, { zone: EASTERN });

/** The nth given weekday (Luxon: Monday 1 ... Sunday 7) of a month, at a time, in Eastern. */
function nthWeekday(year: number, month: number, weekday: number, n: number, hour: number, minute = 0): DateTime {
  const first = et(year, month, 1, hour, minute);
  return first.plus({ days: ((weekday - first.weekday + 7) % 7) + 7 * (n - 1) });
}

function nextWeekday(day: DateTime): DateTime {
  if (day.weekday === 6) return day.plus({ days: 2 });
  if (day.weekday === 7) return day.plus({ days: 1 });
  return day;
}

function lastWeekdayOf(year: number, month: number, hour: number, minute: number): DateTime {
  let day = et(year, month, 1, hour, minute).endOf('month').set({ hour, minute, second: 0, millisecond: 0 });
  while (day.weekday > 5) day = day.minus({ days: 1 });
  return day;
}

/** The rules for the season whose Match Day falls in `matchYear` (docs/season-calendar.md). */
export function computeSeasonRules(matchYear: number): Partial<Record<SeasonEvent, DateTime>> {
  const applicationYear = matchYear - 1;
  const matchDay = nthWeekday(matchYear, 3, 5, 3, 12);
  const submission = nthWeekday(applicationYear, 9, 3, 1, 9);
  const matchDate = (days: number, hour: number) => matchDay.plus({ days }).set({ hour, minute: 0 });
  return {
    eras_opens: nthWeekday(applicationYear, 6, 3, 1, 9),
    eras_submission_opens: submission,
    programs_review_opens: submission.plus({ days: 21 }),
    // ResidencyCAS kept ERAS's opening and submission days in 2024-25 and 2025-26, closed
    // applications three weeks later and opened them to programs on 1 October.
    residencycas_opens: nthWeekday(applicationYear, 6, 3, 1, 9),
    residencycas_submission_opens: submission,
    residencycas_target_deadline: submission.plus({ days: 21 }).set({ hour: 23, minute: 59 }),
    residencycas_programs_view: et(applicationYear, 10, 1, 9),
    nrmp_registration_opens: et(applicationYear, 9, 15, 12),
    nrmp_registration_deadline: lastWeekdayOf(matchYear, 1, 23, 59),
    ranking_opens: nextWeekday(et(matchYear, 2, 1, 12)),
    rol_deadline: matchDate(-16, 21),
    match_week_monday: matchDate(-4, 10),
    soap_applications_open: matchDate(-4, 11),
    soap_programs_review: matchDate(-3, 8),
    soap_offers_thursday: matchDate(-1, 9),
    soap_ends: matchDate(-1, 21),
    match_day: matchDay,
    eras_season_ends: et(matchYear, 5, 31, 17),
    residency_starts: et(matchYear, 7, 1, 0),
  };
}

/**
 * Dates no rule can compute: the cautious estimate planning uses until the data has the real
 * date. Every season event is either here or in the rules (a test checks), so none can vanish.
 */
export const SEASON_ESTIMATES: Partial<Record<SeasonEvent, { estimate(matchYear: number): DateTime; why: string }>> = {
  ecfmg_pathway_deadline: {
    // Seen so far: 31 Jan 2023 for the 2023 Match; 31 Dec 2023, 18:00 for the 2024 Match (later
    // reopened to 15 Feb). The earliest, so alerts arrive before whatever ECFMG announces.
    estimate: (matchYear) => et(matchYear - 1, 12, 31, 18),
    why: 'not announced; planned as 31 Dec, 18:00 ET, the earliest ECFMG has set (2024 Match)',
  },
};

/** The season's dates: data where there is some, the rules elsewhere, else an estimate, in date order. */
export function seasonCalendar(matchYear: number, data: CalendarData): SeasonDate[] {
  const confirmed = data.seasons[String(matchYear)] ?? {};
  const computed = computeSeasonRules(matchYear);
  const dates: SeasonDate[] = [];
  for (const event of SEASON_EVENT_NAMES) {
    const entry = confirmed[event];
    const label = SEASON_EVENTS[event];
    if (entry) {
      const at = DateTime.fromISO(entry.at, { zone: EASTERN });
      dates.push({
        event, label, at: at.toISO()!, basis: 'confirmed', certainty: entry.certainty, source: entry.source,
        ...(entry.url ? { url: entry.url } : {}), ...(entry.checked ? { checked: entry.checked } : {}),
      });
    } else if (computed[event]) {
      dates.push({ event, label, at: computed[event]!.toISO()!, basis: 'computed' });
    } else {
      const estimate = SEASON_ESTIMATES[event];
      // A new event with neither a rule nor an estimate is a programming error, caught by the tests.
      if (estimate) dates.push({ event, label, at: estimate.estimate(matchYear).toISO()!, basis: 'unknown', estimate: estimate.why });
    }
  }
  return dates.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** Whether coaching may state a date as fact: not when it is unknown or from one unconfirmed source. */
const isUncertain = (date: Pick<SeasonDate, 'basis' | 'certainty'>): boolean => date.basis === 'unknown' || date.certainty === 'U';

/** How `matchcoach calendar` and the operator's warnings describe where a date comes from. */
export function describeBasis(date: SeasonDate): string {
  if (date.basis === 'unknown') return `UNKNOWN: ${date.estimate}`;
  if (date.basis === 'computed') return 'computed by rule (no data for this season yet)';
  const checked = date.checked ? `, checked ${date.checked}` : '';
  return `${CERTAINTIES[date.certainty!]}: ${date.source}${checked}`;
}

/** Season dates nobody has announced yet, for the operator's warnings. */
export function unknownSeasonDates(matchYears: readonly number[], data: CalendarData): { season: number; date: SeasonDate }[] {
  return matchYears.flatMap((season) => seasonCalendar(season, data).filter((d) => d.basis === 'unknown').map((date) => ({ season, date })));
}

/** The shipped calendar with an operator's corrections laid over it, event by event. */
export function mergeCalendar(base: CalendarData, overrides: Record<string, Record<string, CalendarEntry>>): CalendarData {
  const seasons: CalendarData['seasons'] = { ...base.seasons };
  for (const [season, events] of Object.entries(overrides)) {
    const valid = Object.fromEntries(Object.entries(events).filter(([event]) => event in SEASON_EVENTS));
    seasons[season] = { ...(seasons[season] ?? {}), ...valid };
  }
  return { seasons };
}

const anchorCache = new WeakMap<CalendarData, Map<number, Record<string, string>>>();
const uncertainCache = new WeakMap<CalendarData, Map<number, ReadonlySet<string>>>();

/** The season's events coaching must not state as fact (memoised like the anchors). */
export function uncertainSeasonEvents(matchYear: number, data: CalendarData): ReadonlySet<string> {
  let bySeason = uncertainCache.get(data);
  if (!bySeason) uncertainCache.set(data, (bySeason = new Map()));
  let events = bySeason.get(matchYear);
  if (!events) {
    events = new Set(seasonCalendar(matchYear, data).filter(isUncertain).map((d) => d.event));
    bySeason.set(matchYear, events);
  }
  return events;
}

/**
 * Season dates as sequence anchors: `match_day` -> its instant. Memoised per calendar object,
 * because planning asks for them for every message and the answer only changes with the data.
 */
export function seasonAnchors(matchYear: number, data: CalendarData): Record<string, string> {
  let bySeason = anchorCache.get(data);
  if (!bySeason) anchorCache.set(data, (bySeason = new Map()));
  let anchors = bySeason.get(matchYear);
  if (!anchors) {
    anchors = Object.fromEntries(seasonCalendar(matchYear, data).map((d) => [d.event, d.at]));
    bySeason.set(matchYear, anchors);
  }
  return anchors;
}

/** When a season's coaching ends: a week after residency starts. */
export function seasonEnd(matchYear: number): Date {
  return DateTime.fromObject({ year: matchYear, month: 7, day: 8 }, { zone: EASTERN }).toJSDate();
}

/** The Match season a person is in at `now`: the next Match Day not yet 3 months past. */
export function currentSeason(now: Date): number {
  const local = DateTime.fromJSDate(now, { zone: EASTERN });
  return local.month >= 7 ? local.year + 1 : local.year;
}
