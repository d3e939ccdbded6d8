import { DateTime } from 'luxon';
import * as z from 'zod';
import { SEASON_EVENT_NAMES } from './calendar';
import { PERSONAL_DATE_NAMES, type PersonalDate } from './subscription-words';

/**
 * The one set of rules for a person's own dates, wherever they arrive: the sign-up form, the
 * preference centre, the plan page, a counselor's import, the operator's `enroll --anchor`.
 * A date must exist on the calendar and fall within the person's Match season (from 1 January
 * two years before the Match year, since exams are often sat well ahead, to 31 December of it,
 * when residency has begun). Pure.
 */

/** A calendar date that exists: 2027-02-30 is refused, not rolled over into March. */
export const CalendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'use a date like 2027-01-20')
  .refine((s) => DateTime.fromISO(s, { zone: 'utc' }).isValid, 'that date does not exist');

/** Dates a person's plan and own dates may hold for a Match season (Match Day's year). */
export function seasonDateRange(season: number): { first: string; last: string } {
  return { first: `${season - 2}-01-01`, last: `${season}-12-31` };
}

/** Why a date (or the date part of an instant) cannot be one of this season's, in a person's words. */
function outsideSeason(date: string, season: number): string | undefined {
  const { first, last } = seasonDateRange(season);
  const day = date.slice(0, 10);
  return day < first || day > last ? `For Match ${season}, dates go from ${first} to ${last}.` : undefined;
}

const isPersonalDate = (name: string): name is PersonalDate => (PERSONAL_DATE_NAMES as readonly string[]).includes(name);

/** Each given personal date outside the season, with the reason; empty when all are fine. */
export function personalDateProblems(dates: Partial<Record<PersonalDate, string | undefined>>, season: number): { name: PersonalDate; message: string }[] {
  const problems: { name: PersonalDate; message: string }[] = [];
  for (const name of PERSONAL_DATE_NAMES) {
    const date = dates[name];
    const message = date === undefined ? undefined : outsideSeason(date, season);
    if (message) problems.push({ name, message });
  }
  return problems;
}

/**
 * The names an enrollment may be given a date for: the person's own dates, and the season's
 * events (a person-specific override of an official date). Anything else would be stored and
 * never used, which is how a typo such as `step2=` would go unnoticed.
 */
export function anchorNameProblem(name: string): string | undefined {
  if (isPersonalDate(name) || (SEASON_EVENT_NAMES as readonly string[]).includes(name)) return undefined;
  return `unknown date "${name}": a person's own dates are ${PERSONAL_DATE_NAMES.join(', ')} (a season date such as match_day may be overridden too)`;
}
