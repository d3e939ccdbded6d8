import fc from 'fast-check';
import { createMemoryStore } from '../../shared/adapters/memory/memory-store';
import { allAnchors, planNextMessage, type Lane, type Library } from '../../shared/app/scheduling/planning';
import { calendarData } from '../../shared/content';
import { expandOccurrences, nextOccurrenceAfter } from '../../shared/domain/schedule';
import { Sequence } from '../../shared/domain/sequence';
import { ensurePerson } from '../support/seed';

/**
 * Planning shares one sequence expansion between lanes with the same zone, quiet hours, channel
 * and dates (planning.ts laneOccurrences). Whatever order lanes are planned in, each must get
 * exactly what a fresh expansion of its own inputs gives: a cache keyed too loosely would hand one
 * person another person's times.
 */

const sequence = Sequence.parse({
  id: 'exam-prep', name: 'exam prep', autoEnroll: false,
  steps: [
    { id: 'week-before', kind: 'deadline', channels: ['sms', 'email'], schedule: { type: 'once', anchor: 'step2_exam', offsetDays: -7, at: '20:30' }, deadline: { anchor: 'step2_exam' },
      sms: { text: 'A week to go.' }, email: { subject: 'A week to go', text: 'A week to go.' } },
    { id: 'weekly', kind: 'nudge', channels: ['sms', 'email'], schedule: { type: 'weekly', weekday: 'sun', at: '07:30', from: { anchor: 'enrolled' }, until: { anchor: 'step2_exam' } },
      sms: { text: 'Sunday check-in.' }, email: { subject: 'Sunday', text: 'Sunday check-in.' } },
  ],
});
const library: Library = { sequences: new Map([[sequence.id, sequence]]), pools: new Map(), calendar: calendarData() };

const ZONES = ['Asia/Kolkata', 'America/New_York', 'Africa/Lagos', 'Australia/Sydney'];
const EXAMS = ['2027-01-10', '2027-01-24', '2027-03-14'];
const QUIET = [undefined, { start: '22:00', end: '07:00' }] as const;

function laneFrom(i: number, zone: string, exam: string, channel: 'sms' | 'email', quiet: (typeof QUIET)[number]): Lane {
  return {
    personId: `p-${i}`, enrollmentId: `e-${i}`, sequenceId: sequence.id, channel, to: channel === 'sms' ? '+919812345678' : 'a@example.com',
    zone, anchors: { enrolled: '2026-12-01', step2_exam: exam }, profile: { season: 2027, outcome: 'applying' } as Lane['profile'],
    ...(quiet ? { quietHours: { ...quiet } } : {}),
  };
}

it('every lane gets the next message a fresh expansion of its own inputs gives, in any order', async () => {
  const lane = fc.record({
    zone: fc.constantFrom(...ZONES),
    exam: fc.constantFrom(...EXAMS),
    channel: fc.constantFrom('sms' as const, 'email' as const),
    quiet: fc.constantFrom(...QUIET),
    afterDays: fc.integer({ min: 0, max: 90 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(lane, { minLength: 1, maxLength: 12 }), async (lanes) => {
      const store = createMemoryStore();
      for (const [i, l] of lanes.entries()) {
        const theLane = laneFrom(i, l.zone, l.exam, l.channel, l.quiet);
        await ensurePerson(store, theLane.personId);
        const after = { sendAt: new Date(Date.parse('2026-12-01T00:00:00Z') + l.afterDays * 86_400_000), key: '' };
        const planned = await planNextMessage({ store, library }, theLane, after, new Date('2026-12-01T00:00:00Z'));
        const fresh = expandOccurrences({
          sequence, anchors: allAnchors(theLane, library.calendar), zone: l.zone, quietHours: theLane.quietHours, channels: [l.channel],
        }).occurrences;
        const expected = nextOccurrenceAfter(fresh, l.channel, after);
        expect(planned.next?.sendAt).toBe(expected?.sendAt.toISOString());
        expect(planned.next?.messageId).toBe(expected && `${theLane.enrollmentId}.${expected.key}`);
      }
    }),
    { numRuns: 60 },
  );
});
