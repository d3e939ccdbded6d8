import type { CalendarEntry } from '../domain/calendar';

/** The operator's corrections to the season calendar, one set for everyone (not a person's). */
export interface CalendarOverrideStore {
  /** The corrections, by season then event. */
  getCalendarOverrides(): Promise<Record<string, Record<string, CalendarEntry>>>;
  saveCalendarOverride(season: number, event: string, entry: CalendarEntry): Promise<void>;
}
