import { DateTime } from 'luxon';
import * as z from 'zod';

/**
 * The Match season calendar. Official dates are data (shared/content/calendar.json, checked by
 * the schema below) that an operator can correct; for a season with no data the rules from
 * DOMAIN.md compute each date. Every date is an instant in US Eastern Time.
 */

export const EASTERN = 'America/New_York';

export const SEASON_EVENTS = {
  eras_opens: 'MyERAS opens',
  eras_submission_opens: 'Applicants may submit to programs',
  programs_review_opens: 'Programs may start reviewing applications',
  nrmp_registration_opens: 'NRMP registration opens',
  nrmp_registration_deadline: 'Standard NRMP registration deadline',
  ecfmg_pathway_deadline: 'ECFMG Pathway application deadline',
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

export const CalendarEntry = z.object({
  /** Eastern wall-clock time, "2027-03-19T12:00". */
  at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'expected Eastern local time like 2027-03-19T12:00'),
  certainty: z.enum(['V', 'S', 'I']),
  source: z.string().min(1),
});
export type CalendarEntry = z.infer<typeof CalendarEntry>;

export const CalendarData = z.object({
  seasons: z.record(
    z.string().regex(/^20\d{2}$/),
    z.partialRecord(z.enum(SEASON_EVENT_NAMES as [SeasonEvent, ...SeasonEvent[]]), CalendarEntry),
  ),
});
export type CalendarData = z.infer<typeof CalendarData>;

export interface SeasonDate {
  event: SeasonEvent;
  label: string;
  /** ISO instant with the Eastern offset, e.g. 2027-03-19T12:00:00.000-04:00. */
  at: string;
  /** `confirmed` comes from the data file; `computed` from the rules. */
  basis: 'confirmed' | 'computed';
  certainty?: 'V' | 'S' | 'I';
  source?: string;
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

/** DOMAIN.md's rules for the season whose Match Day falls in `matchYear`. */
export function computeSeasonRules(matchYear: number): Partial<Record<SeasonEvent, DateTime>> {
  const applicationYear = matchYear - 1;
  const matchDay = nthWeekday(matchYear, 3, 5, 3, 12);
  const submission = nthWeekday(applicationYear, 9, 3, 1, 9);
  const matchDate = (days: number, hour: number) => matchDay.plus({ days }).set({ hour, minute: 0 });
  return {
    eras_opens: nthWeekday(applicationYear, 6, 3, 1, 9),
    eras_submission_opens: submission,
    programs_review_opens: submission.plus({ days: 21 }),
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

/** The season's dates: confirmed data where there is some, the rules elsewhere, in date order. */
export function seasonCalendar(matchYear: number, data: CalendarData): SeasonDate[] {
  const confirmed = data.seasons[String(matchYear)] ?? {};
  const computed = computeSeasonRules(matchYear);
  const dates: SeasonDate[] = [];
  for (const event of SEASON_EVENT_NAMES) {
    const entry = confirmed[event];
    if (entry) {
      const at = DateTime.fromISO(entry.at, { zone: EASTERN });
      dates.push({ event, label: SEASON_EVENTS[event], at: at.toISO()!, basis: 'confirmed', certainty: entry.certainty, source: entry.source });
    } else if (computed[event]) {
      dates.push({ event, label: SEASON_EVENTS[event], at: computed[event]!.toISO()!, basis: 'computed' });
    }
  }
  return dates.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
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
