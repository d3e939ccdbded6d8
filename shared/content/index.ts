import { CalendarData } from '../domain/calendar';
import { Sequence } from '../domain/sequence';
import calendarJson from './calendar.json';
import gettingStarted from './sequences/getting-started.json';

/**
 * The coaching library, loaded and validated once. A malformed sequence or calendar file fails
 * here, at start-up and in the tests, with the zod message naming the bad field.
 */

const SEQUENCE_FILES: Record<string, unknown> = {
  'getting-started.json': gettingStarted,
};

export class ContentError extends Error {}

export function parseSequences(files: Record<string, unknown>): Map<string, Sequence> {
  const library = new Map<string, Sequence>();
  for (const [file, json] of Object.entries(files)) {
    const parsed = Sequence.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new ContentError(`sequence file ${file} is invalid: ${problems}`);
    }
    if (library.has(parsed.data.id)) throw new ContentError(`sequence id ${parsed.data.id} appears twice`);
    library.set(parsed.data.id, parsed.data);
  }
  return library;
}

let sequences: Map<string, Sequence> | undefined;
export function sequenceLibrary(): Map<string, Sequence> {
  sequences ??= parseSequences(SEQUENCE_FILES);
  return sequences;
}

let calendar: CalendarData | undefined;
export function calendarData(): CalendarData {
  if (!calendar) {
    const parsed = CalendarData.safeParse(calendarJson);
    if (!parsed.success) throw new ContentError(`calendar.json is invalid: ${parsed.error.message}`);
    calendar = parsed.data;
  }
  return calendar;
}
