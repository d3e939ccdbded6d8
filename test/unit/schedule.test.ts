import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  DEFAULT_QUIET_HOURS,
  expandOccurrences,
  isInQuietHours,
  nextOccurrenceAfter,
  outsideQuietHours,
} from '../../shared/domain/schedule';
import { Sequence } from '../../shared/domain/sequence';

const weeklySunday = Sequence.parse({
  id: 'weekly-test',
  name: 'weekly',
  steps: [
    {
      id: 'sunday',
      kind: 'reflection',
      channels: ['sms', 'email'],
      schedule: { type: 'weekly', weekday: 'sun', at: '19:00', from: { anchor: 'enrolled' }, until: { anchor: 'enrolled', offsetDays: 70 } },
      sms: { text: 'Sunday question' },
      email: { subject: 's', text: 't' },
    },
  ],
});

const ZONES = ['America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'Africa/Lagos', 'America/Chicago', 'Europe/London', 'Asia/Kathmandu', 'Pacific/Chatham'];

describe('weekly steps across daylight-saving changes', () => {
  it.each([
    ['America/New_York', '2027-02-20T12:00:00Z'], // spans 2027-03-14, clocks forward
    ['Australia/Sydney', '2027-03-10T00:00:00Z'], // spans 2027-04-04, clocks back
    ['America/New_York', '2027-10-20T12:00:00Z'], // spans 2027-11-07, clocks back
  ])('a Sunday 19:00 prompt stays at 19:00 local in %s', (zone, enrolled) => {
    const { occurrences } = expandOccurrences({ sequence: weeklySunday, anchors: { enrolled }, zone, channels: ['sms'] });
    expect(occurrences.length).toBeGreaterThanOrEqual(9);
    const offsets = new Set<number>();
    for (const o of occurrences) {
      const local = DateTime.fromJSDate(o.sendAt, { zone });
      expect([local.weekday, local.hour, local.minute]).toEqual([7, 19, 0]);
      offsets.add(local.offset);
    }
    expect(offsets.size).toBe(2); // the run really crossed a DST change
  });
});

describe('quiet hours', () => {
  it('moves late-evening and early-morning texts to 08:00 local', () => {
    const at = (iso: string) => outsideQuietHours(DateTime.fromISO(iso, { zone: 'Asia/Kolkata' })).toISO();
    expect(at('2027-01-05T22:30')).toBe('2027-01-06T08:00:00.000+05:30');
    expect(at('2027-01-05T21:00')).toBe('2027-01-06T08:00:00.000+05:30');
    expect(at('2027-01-05T03:10')).toBe('2027-01-05T08:00:00.000+05:30');
    expect(at('2027-01-05T20:59')).toBe('2027-01-05T20:59:00.000+05:30');
    expect(at('2027-01-05T08:00')).toBe('2027-01-05T08:00:00.000+05:30');
  });

  it('never leaves an SMS in quiet hours, for any zone and time (property)', () => {
    const zone = fc.constantFrom(...ZONES);
    const instant = fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2028-12-31T00:00:00Z'), noInvalidDate: true });
    fc.assert(
      fc.property(zone, instant, (z, t) => {
        const moved = outsideQuietHours(DateTime.fromJSDate(t, { zone: z }));
        expect(isInQuietHours(moved.toJSDate(), z)).toBe(false);
        // Never earlier, and never more than 11 hours (plus a DST hour) later.
        expect(moved.toMillis()).toBeGreaterThanOrEqual(t.getTime() - 60_000);
        expect(moved.toMillis() - t.getTime()).toBeLessThanOrEqual(12 * 3_600_000);
      }),
      { numRuns: 2000 },
    );
  });

  it('honours a person’s own wider quiet hours', () => {
    const quiet = { start: '20:00', end: '09:30' };
    const moved = outsideQuietHours(DateTime.fromISO('2027-01-05T20:15', { zone: 'Africa/Lagos' }), quiet);
    expect(moved.toISO()).toBe('2027-01-06T09:30:00.000+01:00');
    expect(DEFAULT_QUIET_HOURS).toEqual({ start: '21:00', end: '08:00' });
  });
});

const alerts = Sequence.parse({
  id: 'alerts-test',
  name: 'alerts',
  steps: [
    {
      id: 'late-night', kind: 'nudge', channels: ['sms', 'email'],
      schedule: { type: 'once', anchor: 'enrolled', offsetDays: 1, at: '23:30' },
      sms: { text: 'x' }, email: { subject: 's', text: 't' },
    },
    {
      id: 'exam-minus-3', kind: 'deadline', channels: ['sms'],
      schedule: { type: 'once', anchor: 'exam', offsetDays: -3, at: '09:00' }, deadline: { anchor: 'exam' },
      sms: { text: 'x' },
    },
    {
      id: 'exam-day-evening', kind: 'deadline', channels: ['sms'],
      schedule: { type: 'once', anchor: 'exam', offsetDays: 0, at: '18:00' }, deadline: { anchor: 'exam' },
      sms: { text: 'x' },
    },
    {
      id: 'rol-day', kind: 'deadline', channels: ['email'],
      schedule: { type: 'once', anchor: 'rol_deadline', offsetDays: 0, at: '09:00' }, deadline: { anchor: 'rol_deadline' },
      email: { subject: 's', text: 't' },
    },
  ],
});

describe('expanding a sequence', () => {
  const anchors = { enrolled: '2027-01-04T10:00:00Z', exam: '2027-01-20', rol_deadline: '2027-03-03T21:00:00.000-05:00' };

  it('applies quiet hours to SMS only and marks stale deadline alerts', () => {
    const { occurrences } = expandOccurrences({ sequence: alerts, anchors, zone: 'Asia/Kolkata' });
    const byKey = Object.fromEntries(occurrences.map((o) => [o.key, o]));
    expect(DateTime.fromJSDate(byKey['late-night.once.email']!.sendAt, { zone: 'Asia/Kolkata' }).toFormat('yyyy-LL-dd HH:mm')).toBe('2027-01-05 23:30');
    expect(DateTime.fromJSDate(byKey['late-night.once.sms']!.sendAt, { zone: 'Asia/Kolkata' }).toFormat('yyyy-LL-dd HH:mm')).toBe('2027-01-06 08:00');
    expect(byKey['exam-minus-3.once.sms']!.stale).toBe(false);
    expect(byKey['exam-day-evening.once.sms']!.stale).toBe(true); // after the exam started
    // 21:00 ET on 3 Mar is 07:30 on 4 Mar in Kolkata: a 09:00 local alert "on the day" is too late.
    expect(byKey['rol-day.once.email']!.stale).toBe(true);
  });

  it('leaves out steps whose anchor the person has not given', () => {
    const { occurrences, missingAnchors } = expandOccurrences({ sequence: alerts, anchors: { enrolled: anchors.enrolled }, zone: 'Asia/Kolkata' });
    expect(missingAnchors.sort()).toEqual(['exam-day-evening', 'exam-minus-3', 'rol-day']);
    expect(occurrences.map((o) => o.stepId)).toEqual(['late-night', 'late-night']);
  });

  it('walking the cursor visits every occurrence of a channel exactly once, in order (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: 0, max: 365 }), (zone, dayOffset) => {
        const enrolled = new Date(Date.UTC(2026, 6, 1) + dayOffset * 86_400_000).toISOString();
        const { occurrences } = expandOccurrences({ sequence: weeklySunday, anchors: { enrolled }, zone });
        for (const channel of ['sms', 'email'] as const) {
          const expected = occurrences.filter((o) => o.channel === channel).map((o) => o.key);
          const walked: string[] = [];
          let cursor = { sendAt: new Date(0), key: '' };
          for (let next = nextOccurrenceAfter(occurrences, channel, cursor); next; next = nextOccurrenceAfter(occurrences, channel, cursor)) {
            walked.push(next.key);
            cursor = next;
          }
          expect(walked).toEqual(expected);
          expect(new Set(walked).size).toBe(walked.length);
        }
      }),
      { numRuns: 300 },
    );
  });
});
