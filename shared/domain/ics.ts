/**
 * A small RFC 5545 (iCalendar) writer for the personal calendar feed. Pure. It writes only what
 * the feed needs: one VCALENDAR of VEVENTs, each either an instant (UTC DATE-TIME) or an all-day
 * date (VALUE=DATE). The rules that matter, and why each is here:
 * - lines end in CRLF (3.1), and any line over 75 octets is folded: CRLF then one space, never
 *   inside a UTF-8 sequence, because calendar apps reject or garble longer lines;
 * - TEXT values escape backslash, semicolon, comma and newlines (3.3.11), so a specialty or a
 *   label with a comma stays one value;
 * - every VEVENT has UID and DTSTAMP (3.6.1); a UID stays the same across fetches, so a calendar
 *   app updates an event when a date is corrected instead of adding a second one;
 * - a reminder is a VALARM inside its VEVENT (3.6.6) with ACTION, DESCRIPTION and a TRIGGER
 *   before the start.
 */

type IcsStart = { kind: 'instant'; at: Date } | { kind: 'date'; date: string };

export interface IcsEvent {
  uid: string;
  summary: string;
  description?: string;
  start: IcsStart;
  /**
   * A reminder the calendar app shows ahead of the event (a VALARM, 3.6.6): an RFC 5545
   * duration before the start, such as `P1D`, or `PT15H` for 09:00 the day before an all-day event.
   */
  remindBefore?: string;
}

export interface IcsCalendar {
  /** Shown by calendar apps as the calendar's name (X-WR-CALNAME, RFC 7986 NAME). */
  name: string;
  /** When this copy was produced: every event's DTSTAMP. */
  now: Date;
  /** How often a subscribed app should fetch again, in hours. */
  refreshHours?: number;
  events: readonly IcsEvent[];
}

const PRODID = '-//Match Coach//Deadlines feed//EN';
const MAX_OCTETS = 75;

/** Control characters other than newlines have no place in TEXT (3.3.11 forbids CONTROL). */
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** RFC 5545 TEXT escaping: \\ ; , and newlines as \n. */
export function escapeText(value: string): string {
  return value
    .replace(CONTROLS, '')
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * Folds one content line to at most 75 octets per physical line. Cuts fall between characters
 * (code points), so a multi-byte character is never split across lines.
 */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    // Continuation lines begin with a space, which counts toward their 75.
    const limit = parts.length === 0 ? MAX_OCTETS : MAX_OCTETS - 1;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** 20270319T160000Z */
function formatUtc(at: Date): string {
  return `${pad(at.getUTCFullYear(), 4)}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}T${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}Z`;
}

/** "2027-01-20" -> 20270120 */
function formatDate(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`not a calendar date: ${date}`);
  return date.replace(/-/g, '');
}

/** The day after a calendar date, for an all-day event's exclusive DTEND. */
function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export function serializeCalendar(calendar: IcsCalendar): string {
  const stamp = formatUtc(calendar.now);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${PRODID}`,
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `NAME:${escapeText(calendar.name)}`,
    `X-WR-CALNAME:${escapeText(calendar.name)}`,
  ];
  if (calendar.refreshHours) {
    lines.push(`REFRESH-INTERVAL;VALUE=DURATION:PT${calendar.refreshHours}H`, `X-PUBLISHED-TTL:PT${calendar.refreshHours}H`);
  }
  for (const event of calendar.events) {
    lines.push('BEGIN:VEVENT', `UID:${escapeText(event.uid)}`, `DTSTAMP:${stamp}`);
    if (event.start.kind === 'instant') {
      lines.push(`DTSTART:${formatUtc(event.start.at)}`);
    } else {
      lines.push(`DTSTART;VALUE=DATE:${formatDate(event.start.date)}`, `DTEND;VALUE=DATE:${formatDate(nextDay(event.start.date))}`);
    }
    lines.push(`SUMMARY:${escapeText(event.summary)}`);
    if (event.description) lines.push(`DESCRIPTION:${escapeText(event.description)}`);
    if (event.remindBefore) {
      if (!/^P(\d+D)?(T(\d+H)?(\d+M)?)?$/.test(event.remindBefore) || /^PT?$/.test(event.remindBefore)) throw new Error(`not an RFC 5545 duration: ${event.remindBefore}`);
      // A DISPLAY alarm needs its own DESCRIPTION (3.6.6); the event's title is what to show.
      lines.push('BEGIN:VALARM', 'ACTION:DISPLAY', `DESCRIPTION:${escapeText(event.summary)}`, `TRIGGER:-${event.remindBefore}`, 'END:VALARM');
    }
    // Deadlines are reminders, not meetings: they should not mark the person busy.
    lines.push('TRANSP:TRANSPARENT', 'END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
