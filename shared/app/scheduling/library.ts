import { calendarData, essentialsTable, poolLibrary, sequenceLibrary, specialtyTable } from '../../content';
import { mergeCalendar } from '../../domain/calendar';
import type { Store } from '../../ports';
import type { Library } from './planning';

/**
 * The library a use case plans with: the shipped content plus the operator's calendar
 * corrections from the table, read once per call (a tick, an enrollment), never per message.
 */
export async function loadLibrary(store: Pick<Store, 'getCalendarOverrides'>, base: Library = shippedLibrary()): Promise<Library> {
  return { ...base, calendar: mergeCalendar(calendarData(), await store.getCalendarOverrides()) };
}

/** The shipped library alone, for previews that touch no storage. */
export function shippedLibrary(): Library {
  return { sequences: sequenceLibrary(), pools: poolLibrary(), calendar: calendarData(), specialties: specialtyTable(), essentials: essentialsTable() };
}
