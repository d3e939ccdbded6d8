import type { CalendarOverrideStore } from '../../ports/calendar-overrides';
import { copy, type MemoryContext } from './memory-context';

/** The twin of calendar-override-repository.ts: the operator's corrections, nobody's own. */
export function createMemoryCalendarOverrides(context: MemoryContext): CalendarOverrideStore {
  const { calendar } = context;
  return {
    async getCalendarOverrides() {
      return copy(calendar);
    },

    async saveCalendarOverride(season, event, entry) {
      (calendar[String(season)] ??= {})[event] = copy(entry);
    },
  };
}
