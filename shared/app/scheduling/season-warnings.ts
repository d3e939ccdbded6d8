import { currentSeason, unknownSeasonDates, type CalendarData } from '../../domain/calendar';

/**
 * What an operator must hear about the calendar: season dates coaching depends on that nobody has
 * announced yet (no data, no rule). They are planned against a cautious estimate and coached in
 * words that do not state them, so nothing is dropped; the operator should still find the real
 * date and set it (`matchcoach calendar set`).
 */
export interface SeasonDateWarning {
  season: number;
  event: string;
  /** The estimate planning uses meanwhile, an Eastern instant. */
  plannedAt: string;
  message: string;
}

/** The seasons people are coached for at `now`: the one under way and the next (pre-season). */
const coachedSeasons = (now: Date): number[] => [currentSeason(now), currentSeason(now) + 1];

export function seasonDateWarnings(calendar: CalendarData, now: Date): SeasonDateWarning[] {
  return unknownSeasonDates(coachedSeasons(now), calendar).map(({ season, date }) => ({
    season,
    event: date.event,
    plannedAt: date.at,
    message:
      `Match ${season}: ${date.label} [${date.event}] is unknown (${date.estimate}). ` +
      `Set it when it is announced: matchcoach calendar set ${season} ${date.event} <eastern-time> --source "..."`,
  }));
}
