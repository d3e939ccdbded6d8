import { createHash } from 'node:crypto';
import { seasonCalendar } from '../../domain/calendar';
import { serializeCalendar, type IcsEvent } from '../../domain/ics';
import type { Person } from '../../domain/model';
import { timeline } from '../../domain/plan';
import { PERSONAL_DATE_NAMES, PERSONAL_DATES } from '../../domain/subscription-words';
import { publicLink } from '../../domain/links';
import { verifyToken } from '../../domain/tokens';
import { loggerOf } from '../../ports';
import { loadLibrary } from '../scheduling/library';
import { personalDatesIn } from './plan-enrollments';
import type { InvalidLink, SubscriptionDeps } from '../subscription/deps';

/**
 * The personal calendar feed (`/calendar/<token>.ics`): the person's season dates, own dates,
 * plan deadlines and finish lines, each with a reminder; the link to it; and "reset my calendar
 * link". A calendar link carries the person's calendar version, so a reset (a link shared by
 * mistake, a lost phone) moves the version on and every older link stops working at once.
 */

type LinkDeps = Pick<SubscriptionDeps, 'tokenSecret' | 'publicBaseUrl' | 'clock'>;

/** The https address of the person's feed, at their current calendar version. */
export function calendarUrl(deps: LinkDeps, person: Pick<Person, 'personId' | 'calendarVersion'>): string {
  return publicLink(deps, 'calendar', person.personId, { version: person.calendarVersion ?? 0 });
}

export type CalendarOutcome = { status: 'ok'; ics: string } | InvalidLink;

/** Stable per person and event, and no id of ours in it: calendar apps keep UIDs forever. */
const uidFor = (personId: string, event: string) =>
  `${event}.${createHash('sha256').update(`matchcoach-calendar:${personId}`).digest('hex').slice(0, 24)}@matchcoach`;

/**
 * Reminders: a day ahead of a timed deadline; 09:00 the day before an all-day date (an all-day
 * event starts at midnight, so 15 hours before it). A finish line is the person's own nudge, so
 * it reminds the same way.
 */
const REMIND_TIMED = 'P1D';
const REMIND_ALL_DAY = 'PT15H';

/**
 * The person's deadlines as an RFC 5545 calendar: their season's dates (confirmed or computed,
 * with the operator's corrections) as UTC instants, their own dates as all-day events, each with
 * a reminder. Descriptions are written for the person: where a date comes from is our business
 * (the operator's notes about sources stay out), whether to check it is theirs.
 */
export async function calendarFeed(deps: Pick<SubscriptionDeps, 'store' | 'clock' | 'tokenSecret' | 'library'>, token: string): Promise<CalendarOutcome> {
  const check = verifyToken(deps.tokenSecret, token, 'calendar', deps.clock.now());
  if (!check.ok) return { status: 'invalid-link', reason: check.reason };
  const person = await deps.store.getPerson(check.payload.sub);
  if (!person) return { status: 'invalid-link', reason: 'unknown_person' };
  // A link from before a reset is as dead as an expired one (410: the app should stop asking).
  if ((check.payload.v ?? 0) !== (person.calendarVersion ?? 0)) return { status: 'invalid-link', reason: 'expired' };
  const library = deps.library ?? (await loadLibrary(deps.store));
  const season = person.profile.season;
  const events: IcsEvent[] = seasonCalendar(season, library.calendar).map((date) => ({
    uid: uidFor(person.personId, `${season}-${date.event}`),
    summary: date.label,
    description:
      date.basis === 'confirmed'
        ? `Match ${season} season. Dates can move: check NRMP, AAMC or ECFMG before you rely on this one.`
        : `Match ${season} season. Estimated from the usual pattern; check NRMP, AAMC or ECFMG for the official date.`,
    start: { kind: 'instant', at: new Date(date.at) },
    remindBefore: REMIND_TIMED,
  }));
  const dates = personalDatesIn(await deps.store.listEnrollments(person.personId), person.timeZone);
  for (const name of PERSONAL_DATE_NAMES) {
    const date = dates[name];
    if (date) {
      events.push({
        uid: uidFor(person.personId, name),
        summary: PERSONAL_DATES[name],
        description: 'Your own date, as you gave it to Match Coach.',
        start: { kind: 'date', date },
        remindBefore: REMIND_ALL_DAY,
      });
    }
  }
  // Their own deadlines and every internal deadline ("finish line") from their plan.
  const plan = await deps.store.getPlan(person.personId);
  if (plan) {
    const entries = timeline(plan, person.timeZone, [], {}).concat(
      timeline({ ...plan, deadlines: [] }, person.timeZone, seasonCalendar(season, library.calendar), dates).filter((e) => e.internalDate),
    );
    for (const entry of entries) {
      if (entry.source === 'own') {
        const allDay = /^\d{4}-\d{2}-\d{2}$/.test(entry.at);
        events.push({
          uid: uidFor(person.personId, `plan-${entry.key}`),
          summary: entry.title,
          description: 'Your own deadline, from your Match Coach plan.',
          start: allDay ? { kind: 'date', date: entry.at } : { kind: 'instant', at: new Date(entry.at) },
          remindBefore: allDay ? REMIND_ALL_DAY : REMIND_TIMED,
        });
      }
      if (entry.internalDate) {
        events.push({
          uid: uidFor(person.personId, `finish-${entry.key}`),
          summary: `Your finish line: ${entry.title}`,
          description: `The date you set yourself, ahead of the deadline on ${entry.date}.`,
          start: { kind: 'date', date: entry.internalDate },
          remindBefore: REMIND_ALL_DAY,
        });
      }
    }
  }
  return { status: 'ok', ics: serializeCalendar({ name: `Match Coach: Match ${season} deadlines`, now: deps.clock.now(), refreshHours: 12, events }) };
}

export type ResetCalendarOutcome = { status: 'reset'; calendarUrl: string } | InvalidLink;

/**
 * "Reset my calendar link", from the preference centre (its signed link proves who asks).
 * 1. Checks the preferences token and finds the person.
 * 2. Moves their calendar version on and saves them: from then on the feed answers only links
 *    of the new version, so whoever held the old link (a calendar shared by mistake) gets a 410.
 * 3. Returns the new link, for the page to show.
 */
export async function resetCalendarLink(deps: Pick<SubscriptionDeps, 'store' | 'clock' | 'tokenSecret' | 'publicBaseUrl' | 'log'>, preferencesToken: string): Promise<ResetCalendarOutcome> {
  const check = verifyToken(deps.tokenSecret, preferencesToken, 'preferences', deps.clock.now());
  if (!check.ok) return { status: 'invalid-link', reason: check.reason };
  const person = await deps.store.getPerson(check.payload.sub);
  if (!person) return { status: 'invalid-link', reason: 'unknown_person' };
  const next: Person = { ...person, calendarVersion: (person.calendarVersion ?? 0) + 1 };
  await deps.store.savePerson(next);
  loggerOf(deps).info('calendar link reset', { personId: person.personId, version: next.calendarVersion });
  return { status: 'reset', calendarUrl: calendarUrl(deps, next) };
}
