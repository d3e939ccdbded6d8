import fc from 'fast-check';
import ICAL from 'ical.js';
import { escapeText, foldLine, serializeCalendar, type IcsEvent } from '../../shared/domain/ics';

/**
 * The calendar feed's serializer, read back by a real RFC 5545 parser (ical.js): escaping of
 * , ; \ and newlines, folding at 75 octets without splitting a UTF-8 character, CRLF endings,
 * UID and DTSTAMP on every event, UTC instants and all-day dates.
 */

const NOW = new Date('2026-09-01T06:00:00.000Z');

function parse(ics: string) {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  return calendar.getAllSubcomponents('vevent').map((event) => ({
    uid: event.getFirstPropertyValue('uid'),
    summary: event.getFirstPropertyValue('summary'),
    description: event.getFirstPropertyValue('description'),
    dtstamp: event.getFirstPropertyValue('dtstamp') as ICAL.Time,
    dtstart: event.getFirstPropertyValue('dtstart') as ICAL.Time,
  }));
}

/** The physical lines, and proof each ends in CRLF with no stray CR or LF inside. */
function physicalLines(ics: string): string[] {
  expect(ics.endsWith('\r\n')).toBe(true);
  const lines = ics.slice(0, -2).split('\r\n');
  for (const line of lines) expect(line).not.toMatch(/[\r\n]/);
  return lines;
}

describe('escaping and folding', () => {
  test('TEXT escapes backslash, semicolon, comma and every kind of newline', () => {
    expect(escapeText('a,b;c\\d\ne\r\nf\rg')).toBe('a\\,b\\;c\\\\d\\ne\\nf\\ng');
    // HTAB is allowed in TEXT (WSP); other controls are not.
    expect(escapeText('tab\there\u0000\u0007')).toBe('tab\there');
  });

  test('a long line folds at 75 octets and unfolds to the original', () => {
    const line = `SUMMARY:${'x'.repeat(200)}`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    // 208 octets: 75 on the first line, then a space and 74 more per line.
    expect(parts.map((p) => Buffer.byteLength(p))).toEqual([75, 75, 60]);
    expect(parts.slice(1).every((p) => p.startsWith(' '))).toBe(true);
    expect(parts.map((p, i) => (i === 0 ? p : p.slice(1))).join('')).toBe(line);
  });

  test('multi-byte characters are never split across lines', () => {
    const line = `SUMMARY:${'é日本🙂'.repeat(30)}`;
    for (const part of foldLine(line).split('\r\n')) {
      expect(Buffer.byteLength(part)).toBeLessThanOrEqual(75);
      // A cut inside a UTF-8 sequence would decode as U+FFFD.
      expect(Buffer.from(part, 'utf8').toString('utf8')).toBe(part);
      expect(part).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    }
  });
});

describe('a calendar ical.js reads back exactly', () => {
  const events: IcsEvent[] = [
    { uid: 'match_day.abc@matchcoach', summary: 'Match Day results', description: 'Match 2027 season. Source: NRMP, "Match Day".', start: { kind: 'instant', at: new Date('2027-03-19T16:00:00.000Z') } },
    { uid: 'step2_exam.abc@matchcoach', summary: 'USMLE Step 2 CK exam; bring ID, water\\snacks', start: { kind: 'date', date: '2027-01-20' } },
  ];

  test('instants in UTC, dates as all-day events, UID and DTSTAMP on each', () => {
    const ics = serializeCalendar({ name: 'Match Coach: Match 2027 deadlines', now: NOW, refreshHours: 12, events });
    expect(ics).toContain('DTSTART:20270319T160000Z\r\n');
    expect(ics).toContain('DTSTART;VALUE=DATE:20270120\r\nDTEND;VALUE=DATE:20270121\r\n');
    const parsed = parse(ics);
    expect(parsed.map((e) => e.uid)).toEqual(['match_day.abc@matchcoach', 'step2_exam.abc@matchcoach']);
    expect(parsed[0]!.dtstart.isDate).toBe(false);
    expect(parsed[0]!.dtstart.toJSDate().toISOString()).toBe('2027-03-19T16:00:00.000Z');
    expect(parsed[1]!.dtstart.isDate).toBe(true);
    expect(parsed[1]!.dtstart.toString()).toBe('2027-01-20');
    expect(parsed[1]!.summary).toBe('USMLE Step 2 CK exam; bring ID, water\\snacks');
    expect(parsed[0]!.description).toBe('Match 2027 season. Source: NRMP, "Match Day".');
    for (const e of parsed) expect(e.dtstamp.toJSDate().toISOString()).toBe(NOW.toISOString());
    const calendar = new ICAL.Component(ICAL.parse(ics));
    expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
    expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe('Match Coach: Match 2027 deadlines');
  });

  test('property: any text survives escaping and folding, every line within 75 octets, CRLF only (1000 runs)', () => {
    const tricky = fc.constantFrom(',', ';', '\\', '\n', '\r\n', '\r', ':', '"', ' ', 'é', '日本', '🙂', '\\n', '\\,');
    const text = fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), tricky), { maxLength: 30 }).map((parts) => parts.join(''));
    const start = fc.oneof(
      fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((at) => ({ kind: 'instant' as const, at: new Date(Math.floor(at.getTime() / 1000) * 1000) })),
      fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2099-12-30T00:00:00Z'), noInvalidDate: true }).map((d) => ({ kind: 'date' as const, date: d.toISOString().slice(0, 10) })),
    );
    const normalize = (s: string) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '').replace(/\r\n|\r/g, '\n');
    fc.assert(
      fc.property(fc.array(fc.record({ summary: text, description: text, start }), { minLength: 1, maxLength: 4 }), (items) => {
        const evs: IcsEvent[] = items.map((item, i) => ({ uid: `e${i}@test`, summary: item.summary, description: item.description || undefined, start: item.start }));
        const ics = serializeCalendar({ name: 'Test, with; odd \\ name', now: NOW, events: evs });
        for (const line of physicalLines(ics)) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
        const parsed = parse(ics);
        expect(parsed).toHaveLength(evs.length);
        parsed.forEach((p, i) => {
          expect(p.summary).toBe(normalize(evs[i]!.summary));
          if (evs[i]!.description) expect(p.description).toBe(normalize(evs[i]!.description!));
          const s = evs[i]!.start;
          if (s.kind === 'instant') expect(p.dtstart.toJSDate().toISOString()).toBe(s.at.toISOString());
          else expect(p.dtstart.toString()).toBe(s.date);
        });
      }),
      { numRuns: 1000 },
    );
  });
});
